/** Every message of the template survives encode → decode → encode with generated field values. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, getMessageRegistry, LludpError } from '../../../../shared/lludp';
import { packetArbitrary } from './arbitraries';

const messages = getMessageRegistry().messages;

describe('every template message round-trips', () => {
  it('the template holds 483 messages', () => {
    expect(messages).toHaveLength(483);
  });

  it.each(messages.map((m) => [m.name, m] as const))('%s decodes to what was encoded and re-encodes byte for byte', (_, t) => {
    fc.assert(
      fc.property(packetArbitrary(t), (init) => {
        let bytes: Uint8Array;
        try {
          bytes = encodePacket(init);
        } catch (e) {
          // A random message can exceed the packet limit; that must be the codec's own error.
          expect(e).toBeInstanceOf(LludpError);
          expect((e as LludpError).code).toBe('lludp_too_large');
          return;
        }
        const packet = decodePacket(bytes);
        expect(packet.message.name).toBe(t.name);
        expect(packet.header.sequence).toBe(init.header.sequence);
        expect(packet.header.reliable).toBe(init.header.reliable);
        expect(packet.header.resent).toBe(init.header.resent);
        expect(packet.header.zerocoded).toBe(init.header.zerocoded);
        expect(packet.acks).toEqual(init.acks);
        expect(packet.header.extra).toEqual(init.header.extra);
        expect(packet.message.blocks).toEqual(init.message.blocks);
        expect(encodePacket(packet)).toEqual(bytes);
      }),
      { numRuns: 15 },
    );
  });
});
