import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeServerMessage,
  encodeServerMessage,
  FIELD,
  MAX_PRELOAD_SOUNDS,
  NO_SOUND_ASSET,
  ProtocolError,
  SERVER_TAGS,
  type ServerMessage,
  SOUND_FLAGS,
  soundPlays,
  soundRadius,
} from '../../../../shared/protocol';

const ASSET = '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c';

function roundTrip(msg: ServerMessage): ServerMessage {
  return decodeServerMessage(encodeServerMessage(msg));
}

describe('storm protocol: entity sound', () => {
  it('round-trips a looped sound on a delta and marks it with the sound field bit', () => {
    const bytes = encodeServerMessage({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [{ id: 7, sound: { asset: ASSET, gain: 0.5, radius: 20, flags: SOUND_FLAGS.loop } }],
    });
    // tag, baseline, tick, count, then the record: id u32 and its mask.
    const mask = new DataView(bytes.buffer).getUint16(1 + 4 + 4 + 2 + 4, true);
    expect(mask).toBe(FIELD.sound);
    const back = decodeServerMessage(bytes);
    expect(back).toEqual({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [{ id: 7, sound: { asset: ASSET, gain: 0.5, radius: 20, flags: 1 } }],
    });
  });

  it('clamps gain into 0..1 and radius into 0..1024 when encoding', () => {
    const back = roundTrip({
      type: 'delta',
      baseline: 0,
      tick: 1,
      entities: [{ id: 1, sound: { asset: ASSET, gain: 3, radius: 99999, flags: 0 } }],
    });
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]?.sound).toEqual({ asset: ASSET, gain: 1, radius: 1024, flags: 0 });
  });

  it('refuses a sound gain above 1 on the wire', () => {
    const bytes = encodeServerMessage({
      type: 'delta',
      baseline: 0,
      tick: 1,
      entities: [{ id: 1, sound: { asset: ASSET, gain: 1, radius: 0, flags: 0 } }],
    });
    // The gain f32 follows the 16 asset bytes.
    const at = 1 + 4 + 4 + 2 + 4 + 2 + 16;
    new DataView(bytes.buffer).setFloat32(at, 1.5, true);
    expect(() => decodeServerMessage(bytes)).toThrow(/sound\.gain/);
  });

  it('refuses to encode a sound asset that is not a UUID', () => {
    expect(() =>
      encodeServerMessage({
        type: 'delta',
        baseline: 0,
        tick: 1,
        entities: [{ id: 1, sound: { asset: 'nope', gain: 1, radius: 0, flags: 0 } }],
      }),
    ).toThrow(ProtocolError);
  });

  it('treats the nil asset, the stop flag and zero gain as silence; radius 0 as the 20 m default', () => {
    expect(soundPlays({ asset: ASSET, gain: 0.8, radius: 0, flags: 1 })).toBe(true);
    expect(soundPlays({ asset: NO_SOUND_ASSET, gain: 0.8, radius: 0, flags: 1 })).toBe(false);
    expect(soundPlays({ asset: ASSET, gain: 0.8, radius: 0, flags: SOUND_FLAGS.stop })).toBe(false);
    expect(soundPlays({ asset: ASSET, gain: 0, radius: 0, flags: 1 })).toBe(false);
    expect(soundRadius({ radius: 0 })).toBe(20);
    expect(soundRadius({ radius: 35 })).toBe(35);
  });
});

describe('storm protocol: sound_trigger and sound_preload', () => {
  it('round-trips a triggered sound with and without an owner', () => {
    const a: ServerMessage = { type: 'sound_trigger', asset: ASSET, position: [128, 132, 21.5], gain: 0.75, parent: 0 };
    expect(roundTrip(a)).toEqual(a);
    const b: ServerMessage = { ...a, parent: 42, owner: 'a2e76fcd-9360-4f6d-a924-000000000003' };
    expect(roundTrip(b)).toEqual(b);
  });

  it('round-trips a preload and refuses more assets than the limit', () => {
    const m: ServerMessage = { type: 'sound_preload', assets: [ASSET, NO_SOUND_ASSET] };
    expect(roundTrip(m)).toEqual(m);
    const many = Array.from({ length: MAX_PRELOAD_SOUNDS + 1 }, () => ASSET);
    expect(() => encodeServerMessage({ type: 'sound_preload', assets: many })).toThrow(/limit is 64/);
    const bytes = Uint8Array.of(SERVER_TAGS.sound_preload, 0xff, 0x00);
    expect(() => decodeServerMessage(bytes)).toThrow(/limit is 64/);
  });

  it('arbitrary triggers round-trip with positions and gain to f32', () => {
    const coord = fc.double({ min: -1000, max: 1000, noNaN: true });
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.tuple(coord, coord, coord),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        fc.option(fc.uuid(), { nil: undefined }),
        (asset, position, gain, parent, owner) => {
          const msg: ServerMessage = {
            type: 'sound_trigger',
            asset,
            position,
            gain,
            parent,
            ...(owner === undefined ? {} : { owner }),
          };
          expect(roundTrip(msg)).toEqual({
            ...msg,
            position: position.map(Math.fround),
            gain: Math.fround(gain),
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random bytes after a sound tag never throw anything but ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SERVER_TAGS.sound_trigger, SERVER_TAGS.sound_preload),
        fc.uint8Array({ maxLength: 120 }),
        (tag, rest) => {
          try {
            decodeServerMessage(Uint8Array.of(tag, ...rest));
          } catch (err) {
            if (!(err instanceof ProtocolError)) throw err;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
