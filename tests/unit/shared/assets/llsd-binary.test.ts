import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetError } from '../../../../shared/assets/errors';
import { encodeLlsdBinary, type LlsdValue, parseLlsdBinary } from '../../../../shared/assets/llsd-binary';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const parse = (bytes: number[]): LlsdValue => parseLlsdBinary(Uint8Array.from(bytes)).value;

/** The error parsing `bytes` throws (fails the test when it does not throw an AssetError). */
function failure(bytes: number[] | Uint8Array, limits = {}): AssetError {
  try {
    parseLlsdBinary(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), 0, limits);
  } catch (e) {
    if (e instanceof AssetError) return e;
    throw e;
  }
  throw new Error('expected an AssetError, parsing succeeded');
}

const llsdValue: fc.Arbitrary<LlsdValue> = fc.letrec<{ value: LlsdValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    fc.double(),
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 40 }),
    fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .array(fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), tie('value')), { maxLength: 5 })
      .map((entries) => new Map(entries)),
  ),
})).value;

describe('binary LLSD parsing', () => {
  it('reads every scalar type', () => {
    expect(parse([0x21])).toBeNull();
    expect(parse([0x31])).toBe(true);
    expect(parse([0x30])).toBe(false);
    expect(parse([0x69, 0xff, 0xff, 0xff, 0xfe])).toBe(-2);
    expect(parse([0x72, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18])).toBe(Math.PI);
    expect(parse([0x75, 0x20, 0x00, 0x9c, 0xd8, 0x53, 0x13, 0x45, 0x66, 0xb9, 0x1a, 0x47, 0x9f, 0xad, 0x4d, 0x36, 0xdc])).toBe(
      '20009cd8-5313-4566-b91a-479fad4d36dc',
    );
    expect(parse([0x62, ...u32(3), 1, 2, 3])).toEqual(Uint8Array.from([1, 2, 3]));
    expect(parse([0x73, ...u32(3), 0x68, 0xc3, 0xa9])).toBe('hé');
    expect(parse([0x6c, ...u32(4), ...ascii('a:/b')])).toBe('a:/b');
    // Dates are little-endian seconds: 1.5 s after the epoch.
    expect(parse([0x64, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f])).toEqual(new Date(1500));
  });

  it('reads arrays and maps, and returns where the value ended', () => {
    const bytes = Uint8Array.from([
      0x7b,
      ...u32(2),
      0x6b,
      ...u32(1),
      ...ascii('a'),
      0x5b,
      ...u32(2),
      0x31,
      0x21,
      0x5d,
      0x6b,
      ...u32(1),
      ...ascii('b'),
      0x69,
      ...u32(7),
      0x7d,
      0xee, // trailing byte, left alone
    ]);
    const { value, end } = parseLlsdBinary(bytes);
    expect(value).toEqual(
      new Map<string, LlsdValue>([
        ['a', [true, null]],
        ['b', 7],
      ]),
    );
    expect(end).toBe(bytes.length - 1);
  });

  it('accepts the <? LLSD/Binary ?> header and starts at an offset', () => {
    expect(parse([...ascii('<? LLSD/Binary ?>\n'), 0x31])).toBe(true);
    const { value, end } = parseLlsdBinary(Uint8Array.from([0xff, 0xff, 0x69, ...u32(5)]), 2);
    expect(value).toBe(5);
    expect(end).toBe(7);
  });

  it('keeps keys like __proto__ as plain map keys', () => {
    const value = parse([
      0x7b,
      ...u32(1),
      0x6b,
      ...u32(9),
      ...ascii('__proto__'),
      0x7b,
      ...u32(1),
      0x6b,
      ...u32(1),
      0x78,
      0x31,
      0x7d,
      0x7d,
    ]);
    expect(value).toBeInstanceOf(Map);
    expect(value instanceof Map && value.get('__proto__')).toEqual(new Map([['x', true]]));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('a value cut short is rejected with asset_truncated', () => {
    expect(failure([0x69, 0, 0]).code).toBe('asset_truncated');
    expect(failure([0x73, ...u32(10), 0x61]).code).toBe('asset_truncated');
    expect(failure([0x5b, ...u32(1), 0x31]).code).toBe('asset_truncated');
    expect(failure([]).message).toMatch(/^assets: llsd: a value type at byte 0 needs 1 bytes, 0 left/);
  });

  it('a count larger than the bytes left is rejected before anything is allocated', () => {
    const e = failure([0x5b, ...u32(0xffffffff), 0x31, 0x5d]);
    expect(e.code).toBe('asset_truncated');
    expect(e.message).toContain('announces 4294967295 items');
    expect(failure([0x7b, ...u32(3), 0x6b, ...u32(0), 0x31, 0x7d]).code).toBe('asset_truncated');
  });

  it('unknown types, missing key markers and unclosed containers are asset_bad_format', () => {
    expect(failure([0x3f]).message).toContain('unknown value type 0x3f at byte 0');
    expect(failure([0x7b, ...u32(1), 0x73, ...u32(1), 0x61, 0x31, 0x7d]).code).toBe('asset_bad_format');
    expect(failure([0x5b, ...u32(1), 0x31, 0x31]).code).toBe('asset_bad_format');
    expect(failure([0x7b, ...u32(0), 0x5d]).code).toBe('asset_bad_format');
    expect(failure([0x73, ...u32(2), 0xc3, 0x28]).code).toBe('asset_bad_format');
  });

  it('nesting deeper than 32 and more items than the limit are asset_too_large', () => {
    const nest = (depth: number): number[] => [
      ...Array.from({ length: depth }, () => [0x5b, ...u32(1)]).flat(),
      0x21,
      ...Array.from({ length: depth }, () => 0x5d),
    ];
    expect(parse(nest(32))).toBeDefined();
    expect(failure(nest(33)).code).toBe('asset_too_large');
    expect(failure(nest(3), { maxDepth: 2 }).code).toBe('asset_too_large');
    expect(failure([0x5b, ...u32(3), 0x31, 0x31, 0x31, 0x5d], { maxItems: 2 }).code).toBe('asset_too_large');
  });

  it('random bytes never throw anything but AssetError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseLlsdBinary(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(AssetError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('damaged encodings (cut, bytes changed) never throw anything but AssetError', () => {
    fc.assert(
      fc.property(
        llsdValue,
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (v, cut, edits) => {
          const bytes = encodeLlsdBinary(v);
          const damaged = bytes.slice(0, bytes.length === 0 ? 0 : (cut % bytes.length) + 1);
          for (const [at, b] of edits) if (damaged.length > 0) damaged[at % damaged.length] = b;
          try {
            parseLlsdBinary(damaged);
          } catch (e) {
            expect(e).toBeInstanceOf(AssetError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('binary LLSD encoding', () => {
  it('round-trips arbitrary values through the parser', () => {
    fc.assert(
      fc.property(llsdValue, (v) => {
        const bytes = encodeLlsdBinary(v);
        const { value, end } = parseLlsdBinary(bytes);
        expect(value).toEqual(v);
        expect(end).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('writes integral numbers as integers and the rest as reals', () => {
    expect([...encodeLlsdBinary(7)]).toEqual([0x69, ...u32(7)]);
    expect(encodeLlsdBinary(0.5)[0]).toBe(0x72);
    expect(encodeLlsdBinary(2 ** 31)[0]).toBe(0x72);
    expect(encodeLlsdBinary(-0)[0]).toBe(0x72);
  });

  it('refuses values nested deeper than the parser accepts', () => {
    let v: LlsdValue = null;
    for (let i = 0; i < 33; i++) v = [v];
    expect(() => encodeLlsdBinary(v)).toThrow(AssetError);
  });
});
