/** The world App's sound plugin: which sources reach the page's mixer, with what gain, radius and loop, and footsteps. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_SOUNDS, type EntitySound, NO_SOUND_ASSET, type ServerMessage, SOUND_FLAGS } from '../../../../shared/protocol';
import type { AudioFrame } from '../../../../web/audio/audio-protocol';
import { Sound } from '../../../../web/scene/components';
import { Entities } from '../../../../web/world/keys';
import { listenerAt, selectAudible } from '../../../../web/world/plugins/sound';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { worldHarness } from '../../../support/world-harness';

const A = '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c';
const B = '0b000000-0000-4000-8000-00000000000b';
const loop = (asset: string, gain = 1, radius = 0): EntitySound => ({ asset, gain, radius, flags: SOUND_FLAGS.loop });

function harness(kind: 'fv' | 'os' = 'os') {
  const { world, posts, deliver, step } = worldHarness({ kind });
  const frames = (): AudioFrame[] => posts.flatMap((e) => (e.type === 'audio' ? [e.frame] : []));
  const send = (...msgs: ServerMessage[]) => {
    for (const m of msgs) deliver(m);
    step(120);
  };
  // You stand at (100, 100, 20) facing +x.
  send(
    testWelcome(1, { permissions: 3 }),
    testSnapshot([testEntity(1, { kind: 'avatar', position: [100, 100, 20], name: 'me' })]),
  );
  return { world, posts, frames, send, step };
}

describe('sound plugin: source selection', () => {
  it('sends sources within their radius (0 meaning 20 m) and never those beyond it', () => {
    const h = harness();
    h.send({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [
        testEntity(10, { position: [110, 100, 20], sound: loop(A, 0.8) }),
        testEntity(11, { position: [125, 100, 20], sound: loop(A) }),
        testEntity(12, { position: [125, 100, 20], sound: loop(B, 0.5, 30) }),
        testEntity(13, { position: [101, 100, 20] }),
      ],
    });
    const f = h.frames().at(-1);
    expect(f?.sources.map((s) => [s.asset, s.gain, s.radius, s.loop])).toEqual([
      [A, expect.closeTo(0.8, 6), 20, true],
      [B, 0.5, 30, true],
    ]);
    expect(f?.listener.position).toEqual([100, 100, 20]);
    expect(f?.listener.forward[0]).toBeCloseTo(1, 6);
  });

  it('a source going silent (nil asset, stop flag) or walking out of range is dropped from the next frame; a one-shot flag is no loop', () => {
    const h = harness();
    h.send({ type: 'delta', baseline: 1, tick: 2, entities: [testEntity(10, { position: [105, 100, 20], sound: loop(A) })] });
    expect(h.frames().at(-1)?.sources).toHaveLength(1);
    h.send({
      type: 'delta',
      baseline: 2,
      tick: 3,
      entities: [{ id: 10, sound: { asset: NO_SOUND_ASSET, gain: 0, radius: 0, flags: 0 } }],
    });
    expect(h.frames().at(-1)?.sources).toEqual([]);
    const ecs = h.world.app.resource(Entities).byNet.get(10);
    expect(ecs !== undefined && h.world.app.world.has(ecs, Sound)).toBe(false);
    h.send({ type: 'delta', baseline: 3, tick: 4, entities: [{ id: 10, sound: { asset: B, gain: 1, radius: 0, flags: 0 } }] });
    expect(h.frames().at(-1)?.sources[0]).toMatchObject({ asset: B, loop: false });
    h.send({
      type: 'delta',
      baseline: 4,
      tick: 5,
      entities: [{ id: 10, sound: { asset: B, gain: 1, radius: 0, flags: SOUND_FLAGS.stop } }],
    });
    expect(h.frames().at(-1)?.sources).toEqual([]);
    h.send({ type: 'delta', baseline: 5, tick: 6, entities: [{ id: 10, sound: loop(A) }] });
    expect(h.frames().at(-1)?.sources).toHaveLength(1);
    h.send({ type: 'delta', baseline: 6, tick: 7, entities: [{ id: 10, position: [140, 100, 20] }] });
    h.step(400);
    expect(h.frames().at(-1)?.sources).toEqual([]);
  });

  it('posts nothing while nothing is audible (after the frame that released the last voice)', () => {
    const h = harness();
    h.send({ type: 'delta', baseline: 1, tick: 2, entities: [testEntity(10, { position: [200, 200, 20], sound: loop(A) })] });
    for (let i = 0; i < 20; i++) h.step(50);
    expect(h.frames()).toEqual([]);
  });

  it('passes triggered sounds near you and preloads to the mixer, once', () => {
    const h = harness();
    h.send(
      { type: 'sound_trigger', asset: A, position: [102, 100, 20], gain: 0.5, parent: 0 },
      { type: 'sound_trigger', asset: B, position: [200, 100, 20], gain: 0.5, parent: 0 },
      { type: 'sound_preload', assets: [B] },
    );
    const f = h.frames().at(-1);
    expect(f?.triggers).toEqual([{ asset: A, gain: 0.5, radius: 20, position: [102, 100, 20] }]);
    expect(f?.preload).toEqual([B]);
    h.step(120);
    expect(h.frames().flatMap((x) => x.triggers)).toHaveLength(1);
  });

  it('keeps the nearest 32 when more are audible', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      asset: A,
      position: [i * 0.25, 0, 0] as const,
      sound: loop(A),
    }));
    const chosen = selectAudible([0, 0, 0], many);
    expect(chosen).toHaveLength(32);
    expect(chosen.map((s) => s.id)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('faces the listener where the avatar faces', () => {
    const l = listenerAt([0, 0, 0], [0, 0, Math.SQRT1_2, Math.SQRT1_2]);
    expect(l.forward[0]).toBeCloseTo(0, 6);
    expect(l.forward[1]).toBeCloseTo(1, 6);
  });
});

describe('sound plugin: footsteps', () => {
  const walker = (velocity: [number, number, number]) =>
    testEntity(2, { kind: 'avatar', name: 'walker', position: [104, 100, 21], velocity });

  it('a walking avatar on a Finalverse world makes a footstep each stride, at its feet', () => {
    const h = harness('fv');
    h.send({ type: 'delta', baseline: 1, tick: 2, entities: [walker([1.4, 0, 0])] });
    for (let i = 0; i < 30; i++) h.step(100);
    const steps = h.frames().flatMap((f) => f.triggers.filter((t) => t.asset === BUILTIN_SOUNDS.footstep));
    // 1.4 m/s over ~3 s with a 1.4 m stride: about 3 steps (the first at once).
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps.length).toBeLessThanOrEqual(5);
    expect(steps[0]?.position[2]).toBeLessThan(21);
  });

  it('standing, flying and OpenSim avatars make none', () => {
    const still = harness('fv');
    still.send({ type: 'delta', baseline: 1, tick: 2, entities: [walker([0, 0, 0])] });
    const flying = harness('fv');
    flying.send({ type: 'delta', baseline: 1, tick: 2, entities: [walker([2, 0, 5])] });
    const grid = harness('os');
    grid.send({ type: 'delta', baseline: 1, tick: 2, entities: [walker([2, 0, 0])] });
    for (const h of [still, flying, grid]) {
      for (let i = 0; i < 20; i++) h.step(100);
      expect(h.frames().flatMap((f) => f.triggers)).toEqual([]);
    }
  });
});
