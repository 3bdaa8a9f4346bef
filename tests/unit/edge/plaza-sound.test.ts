import { describe, expect, it } from 'vitest';
import { plazaSeed } from '../../../edge/world/seed';
import { BUILTIN_SOUNDS, SOUND_FLAGS } from '../../../shared/protocol';

describe('plaza seed: sound', () => {
  it('gives the fountain a looped water sound heard within 24 m, and nothing else a sound', () => {
    const prims = plazaSeed().prims;
    const sounding = prims.filter((p) => p.sound);
    expect(sounding.map((p) => p.name)).toEqual(['Fountain orb']);
    expect(sounding[0]?.sound).toEqual({ asset: BUILTIN_SOUNDS.fountain, gain: 0.6, radius: 24, flags: SOUND_FLAGS.loop });
  });
});
