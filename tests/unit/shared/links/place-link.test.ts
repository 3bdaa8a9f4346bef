import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLink, LinkError, type Place, parseLink, roundPosition } from '../../../../shared/links/place-link';

const coordinate = fc.integer({ min: -100_000_000, max: 100_000_000 }).map((n) => n / 100);
const position = fc.option(fc.tuple(coordinate, coordinate, coordinate), { nil: null });
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
);
const grid = fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`);
const regionName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: generated names must not contain them.
  .map((s) => s.replace(/[\u0000-\u001f\u007f/]/g, '').trim())
  .filter((s) => s.length > 0);
const place: fc.Arbitrary<Place> = fc.oneof(
  fc.record({ kind: fc.constant('fv' as const), world: fc.stringMatching(/^[a-z0-9-]{1,32}$/), position }),
  fc.record({ kind: fc.constant('os' as const), grid, region: regionName, position }),
  fc.record({ kind: fc.constant('region' as const), region: regionName, position }),
);

describe('place links', () => {
  it('parse what they format, for every place (round trip)', () => {
    fc.assert(
      fc.property(place, (p) => {
        const link = formatLink(p);
        const back = parseLink(link);
        expect(back).toEqual({ ...p, position: p.position && roundPosition(p.position) });
        expect(formatLink(back)).toBe(link);
        if (p.kind !== 'region') expect(parseLink(`https://view.example.org/embed${link}`)).toEqual(back);
      }),
    );
  });

  it('understand hop://, secondlife:// and SLURL forms', () => {
    expect(parseLink('hop://grid.example.org:8002/Welcome%20Island/10/20/30')).toEqual({
      kind: 'os',
      grid: 'grid.example.org:8002',
      region: 'Welcome Island',
      position: [10, 20, 30],
    });
    expect(parseLink('secondlife://Ahern/128/128/25')).toEqual({ kind: 'region', region: 'Ahern', position: [128, 128, 25] });
    expect(parseLink('http://maps.secondlife.com/secondlife/Da%20Boom/12/34/56')).toEqual({
      kind: 'region',
      region: 'Da Boom',
      position: [12, 34, 56],
    });
    expect(parseLink('/#/os/127.0.0.1:9000/StormTest/128/128/25')).toEqual({
      kind: 'os',
      grid: '127.0.0.1:9000',
      region: 'StormTest',
      position: [128, 128, 25],
    });
    expect(parseLink('http://localhost:5173/#/fv/plaza')).toEqual({ kind: 'fv', world: 'plaza', position: null });
  });

  it('fill missing y and z with the Second Life defaults', () => {
    expect(parseLink('secondlife://Ahern/40')).toMatchObject({ position: [40, 128, 0] });
  });

  it('reject bad links with a plain LinkError', () => {
    const bad = [
      '',
      'https://example.org/',
      '/#/fv/Not_A_World/1/2/3',
      '/#/fv/plaza/1/2/3/4',
      '/#/fv/plaza/x/2/3',
      '/#/os/no-port/Region/1/2/3',
      '/#/os/host:70000/Region',
      '/#/os/host:9000/',
      '/#/xx/whatever',
      'secondlife:///app/agent/123/about',
      `/#/fv/plaza/${'9'.repeat(3000)}`,
      '/#/fv/plaza/1e400/2/3',
      '/#/os/host:9000/%E0%A4%A/1/2/3',
    ];
    for (const link of bad) {
      expect(() => parseLink(link), link).toThrow(LinkError);
    }
    try {
      parseLink('/#/fv/Not_A_World');
    } catch (err) {
      expect(err).toMatchObject({ code: 'link_invalid', message: expect.stringMatching(/^links: world name/) });
    }
  });

  it('throw nothing but LinkError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `/#/os/${s}`),
          fc.string().map((s) => `hop://${s}`),
        ),
        (s) => {
          try {
            parseLink(s);
          } catch (err) {
            expect(err).toBeInstanceOf(LinkError);
          }
        },
      ),
    );
  });
});
