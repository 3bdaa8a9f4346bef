import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, parseHostRule, parseIPv4, prefixMask, ruleCovers } from '../../../../shared/net/host-rules';

const relay = { names: false, portRequired: true, minPrefix: 8 };
const grid = { names: true, portRequired: false, minPrefix: 8 };

describe('host allowlist rules (shared by the grid allowlist and the relay)', () => {
  it('covers exactly the addresses of its network and the ports of its range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 8, max: 32 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 65535 }),
        (address, prefix, low, span, probe, port) => {
          const network = (address & prefixMask(prefix)) >>> 0;
          const high = Math.min(65535, low + span);
          const text = `${formatIPv4(network)}/${prefix}:${low}-${high}`;
          const parsed = parseHostRule(text, relay);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          const inNetwork = (probe & prefixMask(prefix)) >>> 0 === network;
          expect(ruleCovers(parsed.rule, probe, port)).toBe(inNetwork && port >= low && port <= high);
        },
      ),
    );
  });

  it('takes host names and port-less rules only where the caller allows them', () => {
    expect(parseHostRule('localhost', grid)).toMatchObject({ ok: true, rule: { name: 'localhost', low: 1, high: 65535 } });
    expect(parseHostRule('Login.Example.org:8002', grid)).toMatchObject({ ok: true, rule: { name: 'login.example.org' } });
    expect(parseHostRule('localhost:9000', relay)).toMatchObject({ ok: false, why: expect.stringContaining('IPv4') });
    expect(parseHostRule('127.0.0.1', relay)).toEqual({ ok: false, why: 'has no port' });
    const name = parseHostRule('grid.example.org:9000', grid);
    expect(name.ok && ruleCovers(name.rule, 'grid.example.org', 9000)).toBe(true);
    expect(name.ok && ruleCovers(name.rule, parseIPv4('127.0.0.1') ?? 0, 9000)).toBe(false);
  });

  it('refuses wide networks, host bits, bad ports and octal-looking quads, and never throws', () => {
    for (const text of [
      '10.0.0.0/7:9000',
      '10.0.0.1/8:9000',
      '127.0.0.1:0',
      '127.0.0.1:9100-9000',
      '127.0.0.01:9000',
      '1.2.3.4/8/8:1',
    ])
      expect(parseHostRule(text, grid).ok).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.boolean(), fc.boolean(), (text, names, portRequired) => {
        const r = parseHostRule(text, { names, portRequired, minPrefix: 8 });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
