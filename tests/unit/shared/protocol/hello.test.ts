import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientMessage,
  encodeClientMessage,
  type Hello,
  MAX_SESSION_BYTES,
  MAX_START_COORDINATE,
  MAX_TOKEN_BYTES,
  PROTOCOL_VERSION,
  ProtocolError,
} from '../../../../shared/protocol';

const hello = (over: Partial<Hello> = {}): Hello => ({
  type: 'hello',
  version: PROTOCOL_VERSION,
  token: 'v1.abc.def',
  world: 'plaza',
  resumeId: '',
  baseline: 0,
  ...over,
});

const codeOf = (bytes: Uint8Array): string => {
  try {
    decodeClientMessage(bytes);
    return 'ok';
  } catch (err) {
    return err instanceof ProtocolError ? err.code : 'foreign';
  }
};

describe('the hello handshake frame', () => {
  it('round-trips with and without a start place', () => {
    for (const msg of [hello(), hello({ at: [100, 90.5, 25] }), hello({ resumeId: 's_1', baseline: 7, at: [-3, 0, 1e6] })])
      expect(decodeClientMessage(encodeClientMessage(msg))).toEqual(msg);
  });

  it('refuses unknown flag bits, a start place that is not finite or out of range, and an oversized token', () => {
    const bytes = encodeClientMessage(hello());
    bytes[bytes.length - 1] = 2;
    expect(codeOf(bytes)).toBe('protocol_invalid');
    const withAt = encodeClientMessage(hello({ at: [1, 2, 3] }));
    new DataView(withAt.buffer, withAt.byteOffset).setFloat64(withAt.length - 8, Number.NaN, true);
    expect(codeOf(withAt)).toBe('protocol_invalid');
    new DataView(withAt.buffer, withAt.byteOffset).setFloat64(withAt.length - 8, MAX_START_COORDINATE * 2, true);
    expect(codeOf(withAt)).toBe('protocol_invalid');
    expect(() => encodeClientMessage(hello({ token: 'x'.repeat(MAX_TOKEN_BYTES + 1) }))).toThrow(ProtocolError);
  });

  it('arbitrary hellos round-trip, and every truncation of one is refused with a ProtocolError', () => {
    const arb = fc.record({
      token: fc.string({ minLength: 1, maxLength: 200 }),
      world: fc.stringMatching(/^[a-z0-9-]{1,32}$/),
      resumeId: fc.string({ maxLength: MAX_SESSION_BYTES / 4 }),
      baseline: fc.nat(),
      at: fc.option(
        fc.tuple(...[0, 1, 2].map(() => fc.double({ min: -1e7, max: 1e7, noNaN: true }))) as fc.Arbitrary<
          [number, number, number]
        >,
        {
          nil: undefined,
        },
      ),
    });
    fc.assert(
      fc.property(arb, ({ at, ...rest }) => {
        const msg = hello(at === undefined ? rest : { ...rest, at });
        const bytes = encodeClientMessage(msg);
        expect(decodeClientMessage(bytes)).toEqual(msg);
        for (let n = 0; n < bytes.length; n++) expect(codeOf(bytes.subarray(0, n))).not.toMatch(/^(ok|foreign)$/);
      }),
      { numRuns: 300 },
    );
  });
});
