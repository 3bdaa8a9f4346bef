/** Face materials, sculpts, hover text and region info: from Storm frames into the ECS and the material table. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FACE_MATERIAL, type FaceMaterial, type ServerMessage } from '../../../../shared/protocol';
import { Sculpt, Surface, TextureAnimation } from '../../../../web/scene/components';
import { MATERIAL_FIELD, MATERIAL_FLAGS, MaterialTableReader } from '../../../../web/scene/material-table';
import { Entities, Materials } from '../../../../web/world/keys';
import { testEntity, testWelcome } from '../../../support/entities';
import { textureAnim } from '../../../support/texture-anims';
import { worldHarness } from '../../../support/world-harness';

const CHECKER = 'ada1326f-d5c7-414a-b86b-521f4d63498e';
const MESH = '20009cd8-5313-4566-b91a-479fad4d36dc';

function harness() {
  const { world, posts, deliver, step } = worldHarness({ kind: 'os' });
  const send = (...msgs: ServerMessage[]) => {
    for (const m of msgs) deliver(m);
    step(300);
  };
  send(testWelcome(1, { permissions: 3 }));
  const reader = new MaterialTableReader(world.app.resource(Materials).buffer);
  const ecs = (id: number) => {
    const e = world.app.resource(Entities).byNet.get(id);
    if (e === undefined) throw new Error(`entity ${id} is missing`);
    return e;
  };
  return { world, posts, send, reader, ecs };
}

const checker: FaceMaterial = {
  ...DEFAULT_FACE_MATERIAL,
  texture: CHECKER,
  repeats: [2, -1],
  rotation: Math.PI / 4,
  fullbright: true,
};

describe('world App: materials, sculpts and hover text', () => {
  it('writes each face as an index into the shared material table, interning equal materials once', () => {
    const h = harness();
    h.send({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [
        testEntity(10, { materials: [DEFAULT_FACE_MATERIAL, checker] }),
        testEntity(11, { materials: [checker] }),
        testEntity(12, {}),
      ],
    });
    const w = h.world.app.world;
    const count = w.column(Surface, 'count');
    const bytes = w.column(Surface, 'material');
    const face = (id: number, f: number) => {
      const i = w.indexOf(h.ecs(id));
      return (bytes[i * 64 + f * 2] ?? 0) | ((bytes[i * 64 + f * 2 + 1] ?? 0) << 8);
    };
    expect(count[w.indexOf(h.ecs(10))]).toBe(2);
    expect(face(10, 0)).toBe(0);
    const k = face(10, 1);
    expect(k).toBeGreaterThan(0);
    expect(face(11, 0)).toBe(k);
    expect(w.has(h.ecs(12), Surface)).toBe(false);
    expect(h.reader.assetId(h.reader.word(k, MATERIAL_FIELD.texture))).toBe(CHECKER);
    expect(h.reader.float(k, MATERIAL_FIELD.repeatV)).toBe(-1);
    expect(h.reader.float(k, MATERIAL_FIELD.rotation)).toBeCloseTo(Math.PI / 4, 6);
    expect(h.reader.word(k, MATERIAL_FIELD.flags) & MATERIAL_FLAGS.fullbright).toBe(1);
    // Back to untextured: the component goes.
    h.send({ type: 'delta', baseline: 2, tick: 3, entities: [{ id: 11, materials: [DEFAULT_FACE_MATERIAL] }] });
    expect(w.has(h.ecs(11), Surface)).toBe(false);
  });

  it('gives a sculpted or mesh prim the Sculpt component and takes it away when the sculpt is removed', () => {
    const h = harness();
    h.send({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [testEntity(20, { sculpt: { type: 'mesh', map: MESH, invert: false, mirror: true } })],
    });
    const w = h.world.app.world;
    const i = w.indexOf(h.ecs(20));
    expect(w.column(Sculpt, 'type')[i]).toBe(5 | 0x80);
    expect(h.reader.assetId(w.column(Sculpt, 'asset')[i] ?? 0)).toBe(MESH);
    h.send({ type: 'delta', baseline: 2, tick: 3, entities: [{ id: 20, sculpt: null }] });
    expect(w.has(h.ecs(20), Sculpt)).toBe(false);
  });

  it('interns a planar face apart from the same face with default UVs, flagged planar in the table', () => {
    const h = harness();
    h.send({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [testEntity(40, { materials: [checker, { ...checker, texgen: 'planar' }] })],
    });
    const w = h.world.app.world;
    const i = w.indexOf(h.ecs(40));
    const bytes = w.column(Surface, 'material');
    const [a, b] = [0, 1].map((f) => (bytes[i * 64 + f * 2] ?? 0) | ((bytes[i * 64 + f * 2 + 1] ?? 0) << 8));
    expect(a).not.toBe(b);
    expect(h.reader.read(a ?? 0).planar).toBe(false);
    expect(h.reader.read(b ?? 0).planar).toBe(true);
    expect(h.reader.word(b ?? 0, MATERIAL_FIELD.flags) & MATERIAL_FLAGS.planar).toBe(MATERIAL_FLAGS.planar);
  });

  it('gives an animated prim the TextureAnimation component (SL mode byte), changes it and takes it away when it stops', () => {
    const h = harness();
    const scroll = textureAnim();
    h.send({ type: 'delta', baseline: 1, tick: 2, entities: [testEntity(50, { textureAnim: scroll })] });
    const w = h.world.app.world;
    // The component holds SL's mode byte (ON | LOOP | SMOOTH) and the animation's numbers as they are.
    const { face, sizeX, sizeY, start, length, rate } = scroll;
    expect(w.get(h.ecs(50), TextureAnimation)).toEqual({ mode: 0x13, face, sizeX, sizeY, start, length, rate });
    h.send({ type: 'delta', baseline: 2, tick: 3, entities: [{ id: 50, textureAnim: { ...scroll, rotate: true, face: 2 } }] });
    expect(w.get(h.ecs(50), TextureAnimation)).toMatchObject({ mode: 0x33, face: 2 });
    h.send({ type: 'delta', baseline: 3, tick: 4, entities: [{ id: 50, textureAnim: null }] });
    expect(w.has(h.ecs(50), TextureAnimation)).toBe(false);
  });

  it('keeps hover text by server id, and forgets it when the text is emptied', () => {
    const h = harness();
    h.send({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [testEntity(30, { text: { text: 'Hello', color: [255, 0, 0, 255] } })],
    });
    const texts = h.world.app.resource(Entities).texts;
    expect(texts.get(30)?.text).toBe('Hello');
    h.send({ type: 'delta', baseline: 2, tick: 3, entities: [{ id: 30, text: { text: '', color: [0, 0, 0, 0] } }] });
    expect(texts.has(30)).toBe(false);
  });

  it('posts the region terrain textures and its water height with the terrain', () => {
    const h = harness();
    const ids: [string, string, string, string] = [CHECKER, CHECKER, MESH, MESH];
    h.send(
      {
        type: 'region_info',
        terrainTextures: ids,
        terrainStartHeights: [15, 15, 15, 15],
        terrainHeightRanges: [35, 35, 35, 35],
        waterHeight: 18,
      },
      { type: 'terrain', x: 0, y: 0, size: 2, spacing: 1, heights: [20, 20, 20, 20] },
    );
    const terrain = h.posts.filter((e) => e.type === 'terrain').at(-1);
    expect(terrain?.type === 'terrain' && terrain.textures?.ids).toEqual(ids);
    expect(terrain?.type === 'terrain' && terrain.waterLevel).toBe(18);
  });
});
