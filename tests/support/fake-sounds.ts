/**
 * Sounds the fake simulator's ViewerAsset capability serves (`?sound_id=`): the real StormArt tone
 * (fixtures/tone-440.ogg: Ogg Vorbis, mono, 440 Hz, 1.5 s), one too large for the edge, one with the wrong
 * content type; any other id is 404. Shared by the fake simulator (Node) and the edge tests (workerd).
 */
export const FAKE_SOUNDS = {
  tone: '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c',
  huge: 'b1000000-0000-4000-8000-00000000b16e',
  html: 'b2000000-0000-4000-8000-0000000000ff',
  missing: 'b3000000-0000-4000-8000-000000000404',
} as const;
