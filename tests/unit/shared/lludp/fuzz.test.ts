/** Fuzzing the packet decoder: random and mutated datagrams fail only with LludpError, and quickly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  ESSENTIAL_MESSAGES,
  encodePacket,
  getMessageRegistry,
  LludpError,
  type PacketInit,
} from '../../../../shared/lludp';
import { packetArbitrary } from './arbitraries';

/** Decodes and, when that works, re-encodes; anything thrown must be the codec's own error. */
function decodeSafely(datagram: Uint8Array): void {
  try {
    const p = decodePacket(datagram);
    encodePacket(p);
  } catch (e) {
    if (!(e instanceof LludpError)) throw e;
    expect(e.message.startsWith('lludp: ')).toBe(true);
  }
}

const ESSENTIAL: readonly string[] = ESSENTIAL_MESSAGES;
const registry = getMessageRegistry();
const anyTemplate = fc.constantFrom(...registry.messages);
const essentialTemplate = fc.constantFrom(...ESSENTIAL.map((n) => registry.byName.get(n) ?? registry.messages[0]));

/** A valid encoded packet of a template chosen by `templates`. */
const validPacket = (templates: fc.Arbitrary<(typeof registry.messages)[number] | undefined>) =>
  templates
    .chain((t) => (t ? packetArbitrary(t) : fc.constant(null)))
    .map((init: PacketInit | null) => {
      if (!init) return new Uint8Array(0);
      try {
        return encodePacket(init);
      } catch {
        return new Uint8Array(0);
      }
    });

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; value: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(b: Uint8Array, ms: Mutation[]): Uint8Array {
  let out = Array.from(b);
  for (const m of ms) {
    const at = out.length ? m.at % (out.length + 1) : 0;
    if (m.kind === 'flip' && out.length) out[at % out.length] = m.value;
    else if (m.kind === 'cut') out = out.slice(0, at);
    else if (m.kind === 'insert') out.splice(at, 0, m.value);
  }
  return Uint8Array.from(out);
}

describe('decoder fuzzing', () => {
  it('random bytes throw only LludpError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), decodeSafely), { numRuns: 5000 });
  });

  it('random bytes behind a valid header and a real message id throw only LludpError', () => {
    const ids = registry.messages.map((m) =>
      m.frequency === 'High'
        ? [m.number]
        : m.frequency === 'Medium'
          ? [0xff, m.number]
          : [(m.id >>> 24) & 0xff, (m.id >>> 16) & 0xff, (m.id >>> 8) & 0xff, m.id & 0xff],
    );
    const arb = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...ids), fc.uint8Array({ maxLength: 400 }));
    fc.assert(
      fc.property(arb, ([flags, id, tail]) => decodeSafely(Uint8Array.from([flags, 0, 0, 0, 1, 0, ...id, ...tail]))),
      { numRuns: 5000 },
    );
  });

  it('mutated packets of the essential messages throw only LludpError', () => {
    fc.assert(
      fc.property(validPacket(essentialTemplate), fc.array(mutation, { minLength: 1, maxLength: 4 }), (b, ms) =>
        decodeSafely(mutate(b, ms)),
      ),
      { numRuns: 3000 },
    );
  });

  it('mutated packets of any message throw only LludpError', () => {
    fc.assert(
      fc.property(validPacket(anyTemplate), fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, ms) =>
        decodeSafely(mutate(b, ms)),
      ),
      { numRuns: 3000 },
    );
  });

  it('a worst-case datagram decodes or fails without hanging (under a second even on a busy machine)', () => {
    // A zero-coded body of 0x00 0xFF pairs, and a packet of empty Variable blocks, are the slowest shapes.
    const bomb = new Uint8Array(8192);
    bomb.set([0x80, 0, 0, 0, 1, 0, 0x0b]);
    for (let i = 7; i < bomb.length; i += 2) bomb[i + 1] = 0xff;
    const t0 = performance.now();
    decodeSafely(bomb);
    decodeSafely(new Uint8Array(8192).fill(0xff));
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
