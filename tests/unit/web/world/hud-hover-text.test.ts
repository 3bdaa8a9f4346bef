/** The HUD snapshot's hover texts: nearby objects' floating text, placed just above them, from Storm frames. */
import { describe, expect, it } from 'vitest';
import type { Delta, Entity, ServerMessage } from '../../../../shared/protocol';
import { HOVER_TEXT_MAX, HOVER_TEXT_RANGE } from '../../../../web/world/plugins/hud';
import type { HoverTextView } from '../../../../web/world/world-snapshot';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { worldHarness } from '../../../support/world-harness';

/** You stand here. */
const ME: [number, number, number] = [100, 100, 20];

function harness() {
  const { posts, deliver, step } = worldHarness({ kind: 'os' });
  let tick = 1;
  const send = (...msgs: ServerMessage[]) => {
    for (const m of msgs) deliver(m);
    step(300);
  };
  send(
    testWelcome(1, { permissions: 3 }),
    testSnapshot([testEntity(1, { kind: 'avatar', position: ME, scale: [0.6, 0.6, 1.8], name: 'me' })]),
  );
  const deliverEntities = (entities: Delta['entities']) => {
    send({ type: 'delta', baseline: tick, tick: tick + 1, entities });
    tick++;
  };
  /** The hover texts of the last snapshot the page got. */
  const texts = (): HoverTextView[] => {
    const view = posts.filter((e) => e.type === 'view').at(-1);
    if (view?.type !== 'view') throw new Error('no view posted');
    return view.view.hoverTexts;
  };
  const despawn = (...ids: number[]) => send({ type: 'despawn', tick, ids });
  return { deliver: deliverEntities, despawn, texts };
}

const red = [255, 0, 0, 255] as [number, number, number, number];
const at = (dx: number, dy = 0, dz = 0): [number, number, number] => [ME[0] + dx, ME[1] + dy, ME[2] + dz];
const prim = (id: number, position: [number, number, number], text: string, over: Partial<Entity> = {}) =>
  testEntity(id, { position, text: { text, color: red }, ...over });

describe('HUD snapshot: hover texts', () => {
  it('places a nearby text just above its object: centre plus half its height plus 0.3 m, in its colour', () => {
    const h = harness();
    h.deliver([
      prim(30, at(5), 'For sale\nL$10', { scale: [1, 1, 2], text: { text: 'For sale\nL$10', color: [0, 255, 0, 200] } }),
    ]);
    const texts = h.texts();
    expect(texts).toHaveLength(1);
    expect(texts[0]?.id).toBe(30);
    expect(texts[0]?.text).toBe('For sale\nL$10');
    expect(texts[0]?.color).toEqual([0, 255, 0, 200]);
    const [x, y, z] = texts[0]?.position ?? [];
    expect(x).toBeCloseTo(ME[0] + 5);
    expect(y).toBeCloseTo(ME[1]);
    expect(z).toBeCloseTo(ME[2] + 1 + 0.3);
  });

  it('leaves out texts beyond 64 m and fully transparent ones', () => {
    const h = harness();
    h.deliver([
      prim(30, at(10), 'near'),
      prim(31, at(HOVER_TEXT_RANGE + 1), 'far'),
      prim(32, at(0, 50, 45), 'far above'),
      testEntity(33, { position: at(3), text: { text: 'invisible', color: [255, 255, 255, 0] } }),
    ]);
    expect(h.texts().map((t) => t.id)).toEqual([30]);
  });

  it('lists the nearest first, at most 64, and follows texts that change or are emptied', () => {
    const h = harness();
    const many = Array.from({ length: HOVER_TEXT_MAX + 6 }, (_, k) =>
      prim(100 + k, at(-(HOVER_TEXT_MAX + 6 - k) * 0.5), `#${k}`),
    );
    h.deliver(many);
    const ids = h.texts().map((t) => t.id);
    expect(ids).toHaveLength(HOVER_TEXT_MAX);
    // The last made is the nearest (0.5 m away); the six farthest are left out.
    expect(ids[0]).toBe(100 + HOVER_TEXT_MAX + 5);
    expect(ids.at(-1)).toBe(106);
    h.deliver([
      { id: 100 + HOVER_TEXT_MAX + 5, text: { text: '', color: [0, 0, 0, 0] } },
      { id: 106, text: { text: 'new', color: red } },
    ]);
    const after = h.texts();
    expect(after.map((t) => t.id)).not.toContain(100 + HOVER_TEXT_MAX + 5);
    expect(after.find((t) => t.id === 106)?.text).toBe('new');
    expect(after).toHaveLength(HOVER_TEXT_MAX);
  });

  it('shows none while your avatar is not in the world', () => {
    const h = harness();
    h.deliver([prim(30, at(2), 'hello')]);
    expect(h.texts().map((t) => t.id)).toEqual([30]);
    h.despawn(1);
    expect(h.texts()).toEqual([]);
  });
});
