/** fast-check arbitraries for LLUDP field values, blocks, messages and packets, driven by the template. */
import fc from 'fast-check';
import type { Message, PacketInit } from '../../../../shared/lludp';
import type { BlockTemplate, FieldTemplate, MessageTemplate } from '../../../../shared/lludp/parse-template';

const f32 = fc.float();
const f32Finite = fc.float({ noNaN: true, noDefaultInfinity: true });

/** Quaternion as the decoder returns it: x, y, z float32 and w derived (never negative). */
const quaternion = fc
  .tuple(
    fc.float({ min: -1, max: 1, noNaN: true }),
    fc.float({ min: -1, max: 1, noNaN: true }),
    fc.float({ min: -1, max: 1, noNaN: true }),
  )
  .map(([x, y, z]) => {
    const ww = 1 - (x * x + y * y + z * z);
    return [x, y, z, ww > 0 ? Math.sqrt(ww) : 0];
  });

/** Values of one field type (no NaN: NaN is not equal to itself, and the wire keeps its bits anyway). */
export function fieldArbitrary(f: FieldTemplate, small = true): fc.Arbitrary<unknown> {
  switch (f.type) {
    case 'U8':
      return fc.integer({ min: 0, max: 0xff });
    case 'U16':
    case 'IPPORT':
      return fc.integer({ min: 0, max: 0xffff });
    case 'U32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'S8':
      return fc.integer({ min: -0x80, max: 0x7f });
    case 'S16':
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case 'S32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'U64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'S64':
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case 'F32':
      return f32.filter((n) => !Number.isNaN(n));
    case 'F64':
      return fc.double({ noNaN: true });
    case 'LLVector3':
      return fc.tuple(f32Finite, f32Finite, f32Finite);
    case 'LLVector3d':
      return fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.double({ noNaN: true }));
    case 'LLVector4':
      return fc.tuple(f32Finite, f32Finite, f32Finite, f32Finite);
    case 'LLQuaternion':
      return quaternion;
    case 'LLUUID':
      return fc.uuid({ version: [1, 2, 3, 4, 5] });
    case 'BOOL':
      return fc.boolean();
    case 'IPADDR':
      return fc.ipV4();
    case 'Fixed':
      return fc.uint8Array({ minLength: f.size, maxLength: f.size });
    case 'Variable':
      return fc.uint8Array({ maxLength: f.size === 1 ? (small ? 40 : 255) : small ? 120 : 1000 });
  }
}

/** One block instance of a template block. */
export function blockArbitrary(b: BlockTemplate): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(b.fields.map((f) => [f.name, fieldArbitrary(f)])));
}

/** A message with every block filled: Single as an object, Multiple with exactly N, Variable with 0..3. */
export function messageArbitrary(t: MessageTemplate): fc.Arbitrary<Message> {
  const blocks = Object.fromEntries(
    t.blocks.map((b) => [
      b.name,
      b.kind === 'Single'
        ? blockArbitrary(b)
        : b.kind === 'Multiple'
          ? fc.array(blockArbitrary(b), { minLength: b.count, maxLength: b.count })
          : fc.array(blockArbitrary(b), { maxLength: 3 }),
    ]),
  );
  return fc.record(blocks).map((value) => ({ name: t.name, blocks: value }) as unknown as Message);
}

/** A packet around a message: random sequence, flags, extra header and appended acks. */
export function packetArbitrary(t: MessageTemplate): fc.Arbitrary<PacketInit> {
  return fc
    .record({
      sequence: fc.integer({ min: 0, max: 0xffffffff }),
      reliable: fc.boolean(),
      resent: fc.boolean(),
      zerocoded: fc.boolean(),
      extra: fc.uint8Array({ maxLength: 4 }),
      acks: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 5 }),
      message: messageArbitrary(t) as fc.Arbitrary<unknown>,
    })
    .map((r): PacketInit => {
      const packet: PacketInit = {
        header: { sequence: r.sequence, reliable: r.reliable, resent: r.resent, zerocoded: r.zerocoded, extra: r.extra },
        message: r.message as Message,
      };
      packet.acks = r.acks;
      return packet;
    });
}
