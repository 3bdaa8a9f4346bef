/** The page's audio door: frames from the world worker are parsed before they reach the mixer; sound starts off. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAudioHost } from '../../../../web/audio/audio-host';
import { AudioFrame } from '../../../../web/audio/audio-protocol';
import type { AudioError } from '../../../../web/audio/errors';

const frame = {
  listener: { position: [1, 2, 3], forward: [1, 0, 0], up: [0, 0, 1] },
  sources: [{ id: 1, asset: '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c', gain: 0.8, radius: 20, loop: true, position: [4, 5, 6] }],
  triggers: [],
  preload: [],
};

describe('audio host', () => {
  it('starts with sound off, and makes no AudioContext until sound is switched on', () => {
    let made = 0;
    const host = createAudioHost({
      createContext: () => {
        made++;
        throw new Error('not in this test');
      },
    });
    expect(host.settings()).toEqual({ enabled: false, volume: 0.8 });
    host.receive(frame);
    host.setVolume(2);
    expect(host.settings().volume).toBe(1);
    expect(made).toBe(0);
  });

  it('logs one clear audio: error for malformed frames and keeps going', () => {
    const logged: AudioError[] = [];
    const host = createAudioHost({ log: (e) => logged.push(e) });
    host.receive({ ...frame, sources: [{ ...frame.sources[0], gain: 7 }] });
    host.receive('nonsense');
    host.receive(frame);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.message).toMatch(/^audio: a frame from the world worker is malformed at sources\.0\.gain/);
    expect(logged[0]?.code).toBe('audio_bad_frame');
  });

  it('the frame schema refuses too many sources and never throws on arbitrary input', () => {
    expect(AudioFrame.safeParse({ ...frame, sources: Array.from({ length: 33 }, () => frame.sources[0]) }).success).toBe(false);
    expect(AudioFrame.safeParse(frame).success).toBe(true);
    fc.assert(
      fc.property(fc.anything(), (x) => {
        AudioFrame.safeParse(x);
        AudioFrame.safeParse({ ...frame, sources: [x] });
      }),
      { numRuns: 1000 },
    );
  });
});
