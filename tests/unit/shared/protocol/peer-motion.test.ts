import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePeerMotion,
  encodePeerMotion,
  PEER_MOTION_BYTES,
  type PeerMotion,
  ProtocolError,
} from '../../../../shared/protocol';

const sample: PeerMotion = {
  seq: 7,
  sentAt: 1_764_000_000_123.5,
  position: [128.5, 64.25, 21],
  velocity: [3, -1.5, 0],
  rotation: [0, 0, 0.6, 0.8],
};

describe('peer motion frames', () => {
  it('round-trips an update in 60 bytes (f32 precision for the pose, the clock exact)', () => {
    const bytes = encodePeerMotion(sample);
    expect(bytes.length).toBe(PEER_MOTION_BYTES);
    const back = decodePeerMotion(bytes);
    expect(back.seq).toBe(7);
    expect(back.sentAt).toBe(sample.sentAt);
    for (const [i, v] of back.position.entries()) expect(v).toBeCloseTo(sample.position[i] ?? 0, 4);
    for (const [i, v] of back.rotation.entries()) expect(v).toBeCloseTo(sample.rotation[i] ?? 0, 6);
  });

  it('refuses wrong sizes, another magic or version, non-finite and out-of-range values, non-unit rotations', () => {
    const good = encodePeerMotion(sample);
    expect(() => decodePeerMotion(good.slice(0, 59))).toThrow(/60 bytes/);
    const bad = (patch: (v: DataView) => void) => {
      const b = good.slice();
      patch(new DataView(b.buffer));
      return () => decodePeerMotion(b);
    };
    expect(bad((v) => v.setUint8(0, 0x51))).toThrow(/not a version 1/);
    expect(bad((v) => v.setUint8(1, 2))).toThrow(/not a version 1/);
    expect(bad((v) => v.setFloat32(16, Number.NaN, true))).toThrow(ProtocolError);
    expect(bad((v) => v.setFloat32(16, 1e9, true))).toThrow(/position/);
    expect(bad((v) => v.setFloat32(28, 500, true))).toThrow(/velocity/);
    expect(bad((v) => v.setFloat32(40, 0.9, true))).toThrow(/unit quaternion/);
    expect(() => encodePeerMotion({ ...sample, rotation: [1, 1, 0, 0] })).toThrow(ProtocolError);
  });

  it('random bytes never throw anything but ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        try {
          decodePeerMotion(bytes);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
    // 60 random bytes behind a valid header: still only ProtocolError.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 56, maxLength: 56 }), (rest) => {
        try {
          decodePeerMotion(Uint8Array.of(0x50, 1, 0, 0, ...rest));
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
