import { describe, expect, it } from 'vitest';
import { Allowlist, parseAllowRule, parseSimAddress } from '../../../../edge/relay/allowlist.ts';
import { RelayError } from '../../../../edge/relay/errors.ts';
import { parseIPv4 } from '../../../../shared/net/host-rules.ts';

const sim = (ip: string, port: number) => ({ ip, port });

describe('relay allowlist rules', () => {
  it('parse an address, a prefix and a port or port range', () => {
    expect(parseAllowRule('127.0.0.1:9000')).toMatchObject({ network: 0x7f000001, prefix: 32, low: 9000, high: 9000 });
    expect(parseAllowRule('10.0.0.0/8:9000-9100')).toMatchObject({
      network: 0x0a000000,
      prefix: 8,
      low: 9000,
      high: 9100,
    });
  });

  it.each([
    ['127.0.0.1', 'no port'],
    ['localhost:9000', 'a hostname'],
    ['grid.example.org:9000', 'a hostname'],
    ['0.0.0.0/0:9000', 'the whole internet'],
    ['10.0.0.0/7:9000', 'a prefix wider than /8'],
    ['10.0.0.1/8:9000', 'host bits set'],
    ['127.0.0.1:0', 'port 0'],
    ['127.0.0.1:9100-9000', 'a reversed range'],
    ['127.0.0.1:*', 'a wildcard port'],
    ['127.0.0.01:9000', 'a leading zero (octal ambiguity)'],
    ['256.0.0.1:9000', 'an octet over 255'],
    ['[::1]:9000', 'IPv6'],
  ])('refuse %s (%s) with relay_invalid_config', (text) => {
    expect(() => parseAllowRule(text)).toThrow(RelayError);
    try {
      parseAllowRule(text);
    } catch (err) {
      expect((err as RelayError).code).toBe('relay_invalid_config');
      expect((err as RelayError).message).toMatch(/^relay: allowlist entry/);
    }
  });
});

describe('relay allowlist matching', () => {
  const list = Allowlist.parse(['127.0.0.1:9000-9010', '192.168.1.0/24:9000', '224.0.0.0/8:9000', '239.0.0.0/8:9000']);

  it('allows addresses and ports inside a rule', () => {
    expect(list.allows(sim('127.0.0.1', 9000))).toBe(true);
    expect(list.allows(sim('127.0.0.1', 9010))).toBe(true);
    expect(list.allows(sim('192.168.1.77', 9000))).toBe(true);
  });

  it('refuses ports and addresses outside every rule', () => {
    expect(list.allows(sim('127.0.0.1', 8999))).toBe(false);
    expect(list.allows(sim('127.0.0.1', 9011))).toBe(false);
    expect(list.allows(sim('127.0.0.2', 9000))).toBe(false);
    expect(list.allows(sim('192.168.2.1', 9000))).toBe(false);
    expect(list.allows(sim('192.168.1.77', 9001))).toBe(false);
  });

  it('never allows multicast, broadcast or 0.0.0.0/8, even when a rule covers them', () => {
    expect(list.allows(sim('224.0.0.1', 9000))).toBe(false);
    expect(list.allows(sim('239.255.255.250', 9000))).toBe(false);
    expect(Allowlist.parse(['255.255.255.255:9000']).allows(sim('255.255.255.255', 9000))).toBe(false);
    expect(Allowlist.parse(['0.0.0.0/8:9000']).allows(sim('0.0.0.0', 9000))).toBe(false);
  });

  it('knows whether it only reaches loopback', () => {
    expect(Allowlist.parse(['127.0.0.1:9000']).loopbackOnly()).toBe(true);
    expect(Allowlist.parse(['127.0.0.1:9000', '10.1.2.3:9000']).loopbackOnly()).toBe(false);
  });
});

describe('relay sim addresses', () => {
  it('parse a dotted quad and a port', () => {
    expect(parseSimAddress('127.0.0.1:9000')).toEqual({ ip: '127.0.0.1', port: 9000 });
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
  });

  it.each([
    'localhost:9000',
    'grid.example.org:9000',
    '::1',
    '[::1]:9000',
    '127.0.0.1',
    '127.0.0.1:',
    '127.1:9000',
    '0x7f.0.0.1:9000',
    '127.0.0.1:65536',
    '127.0.0.1:9000 ',
    '',
  ])('refuse %j with relay_bad_request', (text) => {
    expect(() => parseSimAddress(text)).toThrow(expect.objectContaining({ code: 'relay_bad_request' }));
  });
});
