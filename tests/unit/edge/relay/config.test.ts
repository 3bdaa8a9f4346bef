import { describe, expect, it } from 'vitest';
import { loadRelayConfig, parseRelayConfig } from '../../../../edge/relay/config.ts';

const noFile = (): string => {
  throw new Error('no file expected');
};

describe('relay configuration', () => {
  it('defaults to loopback only: listening on 127.0.0.1, reaching 127.0.0.1:9000-9999, no token', () => {
    const c = loadRelayConfig({}, noFile);
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8790);
    expect(c.allowlist.describe()).toBe('127.0.0.1:9000-9999');
    expect(c.token).toBeNull();
    expect(c.udpHost).toBe('127.0.0.1');
    expect(c.maxDatagramBytes).toBe(8192);
  });

  it('reads RELAY_* variables over the JSON file named by RELAY_CONFIG', () => {
    const c = loadRelayConfig(
      { RELAY_CONFIG: '/etc/relay.json', RELAY_MAX_CIRCUITS: '8', RELAY_ALLOW: '10.0.0.5:9000, 10.0.1.0/24:9000-9015' },
      (path) => {
        expect(path).toBe('/etc/relay.json');
        return JSON.stringify({ maxCircuits: 4, idleTimeoutMs: 5000, host: '0.0.0.0', token: 'x'.repeat(32) });
      },
    );
    expect(c.maxCircuits).toBe(8);
    expect(c.idleTimeoutMs).toBe(5000);
    expect(c.allowlist.rules).toHaveLength(2);
    expect(c.udpHost).toBe('0.0.0.0');
  });

  it('names every bad key in one error', () => {
    expect(() => parseRelayConfig({ port: 'eighty', maxCircuits: 0, logLevel: 'loud' })).toThrow(
      /relay: invalid configuration: port: .*maxCircuits: .*logLevel: /,
    );
  });

  it('refuses unknown keys in the file, so a typo is not silently ignored', () => {
    expect(() => loadRelayConfig({ RELAY_CONFIG: 'c.json' }, () => '{"allowlist":["127.0.0.1:9000"]}')).toThrow(/allowlist/);
  });

  it('refuses a file that is not a JSON object', () => {
    expect(() => loadRelayConfig({ RELAY_CONFIG: 'c.json' }, () => '[1,2]')).toThrow(/JSON object/);
    expect(() => loadRelayConfig({ RELAY_CONFIG: 'c.json' }, () => '{')).toThrow(/cannot read the configuration file/);
  });

  it('refuses to listen beyond loopback without a token, unless told the network is already closed', () => {
    expect(() => parseRelayConfig({ host: '0.0.0.0' })).toThrow(/needs a token/);
    expect(parseRelayConfig({ host: '0.0.0.0', insecureNoToken: 'true' }).token).toBeNull();
    expect(parseRelayConfig({ host: '0.0.0.0', token: 'a-long-shared-secret-0123456789' }).token).toBe(
      'a-long-shared-secret-0123456789',
    );
  });

  it('refuses a short token', () => {
    expect(() => parseRelayConfig({ token: 'secret' })).toThrow(/shorter than 16/);
  });

  it('refuses an allowlist entry that would open the relay to the internet', () => {
    expect(() => parseRelayConfig({ allow: '0.0.0.0/0:1-65535' })).toThrow(
      /wider than \/8, which would make this close to an open proxy/,
    );
    expect(() => parseRelayConfig({ allow: '' })).toThrow(/allowlist is empty/);
  });

  it('refuses a UDP port range with fewer ports than circuits', () => {
    expect(() => parseRelayConfig({ udpPorts: '40000-40003', maxCircuits: 8 })).toThrow(/fewer ports than maxCircuits/);
    expect(parseRelayConfig({ udpPorts: '40000-40007', maxCircuits: 8 }).udpPorts).toEqual({ low: 40000, high: 40007 });
    expect(() => parseRelayConfig({ udpPorts: '40000-' })).toThrow(/udpPorts/);
  });
});
