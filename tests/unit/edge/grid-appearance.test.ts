/**
 * The gateway's appearance translation: TextureEntry → per-face materials, ExtraParams' sculpt → sculpt/mesh,
 * Text → hover text, RegionHandshake → region_info. Checked against datagrams recorded from the real StormArt
 * region (both the full ObjectUpdate path and the cached → ObjectUpdateCompressed path) and against the art
 * content as written in its OAR (fixtures/stormart.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  faceMaterialOf,
  faceMaterials,
  hoverText,
  objectFaceCount,
  parseExtraParams,
  regionInfoFromHandshake,
  sculptFromExtraParams,
  textureAnimOf,
} from '../../../edge/grid/appearance';
import { estimateEntityBytes, frameParts } from '../../../edge/grid/frame-parts';
import { GridScene } from '../../../edge/grid/scene';
import {
  decodePacket,
  decodeTextureEntry,
  encodePacket,
  encodeTextureAnim,
  fieldText,
  isMessage,
  LludpError,
  type Message,
  type MessageName,
  type MessageOf,
  type Packet,
  textureFace,
} from '../../../shared/lludp';
import { decodeCompressedObject } from '../../../shared/lludp/compressed-object';
import {
  decodeServerMessage,
  type Entity,
  type EntityUpdate,
  encodeServerMessage,
  FaceMaterial,
  faceMaterial,
  MAX_SERVER_FRAME_BYTES,
  type RegionInfo,
  SHAPE_PRESETS,
  TextureAnim,
} from '../../../shared/protocol';
import { textureAnim } from '../../support/texture-anims';
import { buildCompressed } from '../shared/lludp/compressed-builder';
import { ART, ART_PRIMS, ART_REGION, artDatagrams, artFace, artMismatches } from './fixtures/stormart';

const packets = artDatagrams.map((d) => decodePacket(d));
function named<N extends MessageName>(name: N): Extract<Message, { name: N }>[] {
  const out: Extract<Message, { name: N }>[] = [];
  for (const p of packets) if (isMessage(p.message, name)) out.push(p.message);
  return out;
}

/** A scene fed the recorded datagrams of one path; names and descriptions from the recorded properties. */
function artScene(path: 'full' | 'compressed'): GridScene {
  const scene = new GridScene();
  if (path === 'full') for (const m of named('ObjectUpdate')) scene.applyObjectUpdate(m.blocks);
  else for (const m of named('ObjectUpdateCompressed')) scene.applyCompressed(m.blocks);
  for (const m of named('ObjectPropertiesFamily'))
    scene.applyName(
      m.blocks.ObjectData.ObjectID,
      fieldText(m.blocks.ObjectData.Name),
      fieldText(m.blocks.ObjectData.Description),
      m.blocks.ObjectData.OwnerID,
    );
  return scene;
}

function byName(scene: GridScene): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const o of scene.objects.values()) if (o.entity.kind === 'prim') out.set(o.entity.name, o.entity);
  return out;
}

const deg = (rad: number) => (rad * 180) / Math.PI;

/** Compares every face of every art prim with what was written; returns how many faces were checked. */
function expectArtFaces(prims: Map<string, Entity>): number {
  let faces = 0;
  for (const [name, want] of Object.entries(ART_PRIMS)) {
    const e = prims.get(name);
    expect(e, name).toBeDefined();
    if (!e?.materials) throw new Error(`${name} has no materials`);
    // Compact: never longer than the prim's faces, the last entry differs from the one before it.
    expect(e.materials.length, name).toBeLessThanOrEqual(want.faces);
    if (e.materials.length > 1) expect(e.materials.at(-1), name).not.toEqual(e.materials.at(-2));
    for (let i = 0; i < want.faces; i++) {
      const m = faceMaterial(e.materials, i);
      const w = artFace(want, i);
      const at = `${name} face ${i}`;
      expect(m.texture, at).toBe(w.texture);
      expect(m.repeats[0], at).toBeCloseTo(w.repeats[0], 5);
      expect(m.repeats[1], at).toBeCloseTo(w.repeats[1], 5);
      expect(m.offset[0], at).toBeCloseTo(w.offset[0], 4);
      expect(m.offset[1], at).toBeCloseTo(w.offset[1], 4);
      expect(deg(m.rotation), at).toBeCloseTo(w.rotationDeg, 2);
      expect(m.glow, at).toBeCloseTo(w.glow, 2);
      expect(m.fullbright, at).toBe(w.fullbright);
      expect(m.shiny, at).toBe(w.shiny);
      expect(m.alphaMode, at).toBe('blend');
      // Colours: face i uses colors[i], or colors[0] past the list's end.
      expect(e.colors[i] ?? e.colors[0], at).toEqual(w.color);
      faces += 1;
    }
    if (want.sculpt) expect(e.sculpt, name).toEqual({ ...want.sculpt, invert: false, mirror: false });
    else expect('sculpt' in e, name).toBe(false);
    if (want.text) expect(e.text, name).toEqual(want.text);
    else expect('text' in e, name).toBe(false);
    expect(e.description, name).toBe(want.description);
    expect(FaceMaterial.array().safeParse(e.materials).success, name).toBe(true);
    // The shared helper (the interop suite's) agrees.
    expect(artMismatches(name, e)).toEqual([]);
  }
  return faces;
}

describe('grid appearance: the StormArt region as recorded from the real simulator', () => {
  it("ObjectUpdate (right after the OAR load): the 18 prims' 63 faces carry the textures, repeats, offsets, rotations, glow, fullbright, shiny and colours written", () => {
    const prims = byName(artScene('full'));
    expect(prims.size).toBe(18);
    expect(expectArtFaces(prims)).toBe(63);
  });

  it('ObjectUpdateCompressed (after a restart, asked for with RequestMultipleObjects) gives the same entities', () => {
    const full = byName(artScene('full'));
    const compressed = byName(artScene('compressed'));
    expect(compressed.size).toBe(18);
    expect(expectArtFaces(compressed)).toBe(63);
    for (const [name, e] of full) {
      const c = compressed.get(name);
      for (const key of ['materials', 'colors', 'sculpt', 'text', 'description', 'shape'] as const)
        expect(c?.[key], `${name} ${key}`).toEqual(e[key]);
    }
  });

  it('the entities round-trip through the Storm codec with their materials, sculpt and hover text', () => {
    const entities = artScene('compressed').entities();
    const bounds = { min: [-64, -64, -64] as [number, number, number], max: [320, 320, 4096] as [number, number, number] };
    const back = decodeServerMessage(
      encodeServerMessage({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities }, bounds),
      bounds,
    );
    if (back.type !== 'snapshot') throw new Error('expected a snapshot');
    for (const [i, e] of entities.entries()) {
      const b = back.entities[i];
      expect(b?.sculpt ?? null).toEqual(e.sculpt ?? null);
      expect(b?.text).toEqual(e.text);
      expect(b?.materials?.map((m) => m.texture)).toEqual(e.materials?.map((m) => m.texture));
      expect(b?.materials?.map((m) => m.fullbright)).toEqual(e.materials?.map((m) => m.fullbright));
    }
  });

  it("every prim carries its owner's UUID (its properties', kept over updates) on both update paths, through the codec", () => {
    const family = new Map(
      named('ObjectPropertiesFamily').map((m) => [m.blocks.ObjectData.ObjectID, m.blocks.ObjectData.OwnerID]),
    );
    const full = byName(artScene('full'));
    const compressed = byName(artScene('compressed'));
    let checked = 0;
    for (const [name, e] of full) {
      expect(e.owner?.uuid, name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(e.owner?.uuid).not.toBe('00000000-0000-0000-0000-000000000000');
      expect(compressed.get(name)?.owner, name).toEqual(e.owner);
      const said = e.uuid === undefined ? undefined : family.get(e.uuid);
      if (said !== undefined) {
        expect(e.owner?.uuid, name).toBe(said);
        checked++;
      }
    }
    expect(checked).toBe(18);
    // A later ObjectUpdate (OwnerID null for most prims) keeps the owner the properties said.
    const again = artScene('full');
    for (const m of named('ObjectUpdate')) again.applyObjectUpdate(m.blocks);
    for (const [name, e] of byName(again)) expect(e.owner, name).toEqual(full.get(name)?.owner);
    const entities = [...full.values()];
    const bounds = { min: [-64, -64, -64] as [number, number, number], max: [320, 320, 4096] as [number, number, number] };
    const back = decodeServerMessage(
      encodeServerMessage({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities }, bounds),
      bounds,
    );
    if (back.type !== 'snapshot') throw new Error('expected a snapshot');
    expect(back.entities.map((e) => e.owner)).toEqual(entities.map((e) => e.owner));
  });

  it('before the prim properties arrive, the hover text also stands in the description (as before); the real description then replaces it', () => {
    const scene = new GridScene();
    for (const m of named('ObjectUpdate')) scene.applyObjectUpdate(m.blocks);
    const emitter = [...scene.objects.values()].find((o) => o.entity.text?.text === 'looped sound');
    expect(emitter?.entity.description).toBe('looped sound');
    const family = named('ObjectPropertiesFamily').find((m) => m.blocks.ObjectData.ObjectID === emitter?.uuid);
    if (!family || !emitter) throw new Error('no properties for the sound-emitter');
    scene.takeChanges();
    scene.applyName(emitter.uuid, 'sound-emitter', fieldText(family.blocks.ObjectData.Description));
    expect(scene.takeChanges().updates.find((u) => u.id === emitter.entity.id)?.description).toBe('attached looped sound');
    // A later object update keeps the real description.
    for (const m of named('ObjectUpdate')) scene.applyObjectUpdate(m.blocks);
    expect(scene.objects.get(emitter.entity.id)?.entity.description).toBe('attached looped sound');
  });

  it('RegionHandshake becomes region_info: the four dev-terrain textures, start heights 15, ranges 35 (as on the wire), water 20', () => {
    const hs = named('RegionHandshake')[0];
    if (!hs) throw new Error('no RegionHandshake recorded');
    const info: RegionInfo = regionInfoFromHandshake(hs.blocks.RegionInfo);
    expect(info).toEqual({ type: 'region_info', ...ART_REGION, terrainTextures: [...ART_REGION.terrainTextures] });
    const back = decodeServerMessage(encodeServerMessage(info));
    expect(back).toEqual(info);
  });
});

/** The first recorded ObjectUpdate block of a named art prim, to vary. */
function artBlock(name: string): MessageOf<'ObjectUpdate'>['blocks']['ObjectData'][number] {
  const scene = artScene('full');
  const e = byName(scene).get(name);
  for (const m of named('ObjectUpdate')) for (const b of m.blocks.ObjectData) if (b.ID === e?.id) return b;
  throw new Error(`no ObjectUpdate for ${name}`);
}

/** An ObjectUpdate of blocks, through real datagram bytes. */
function update(blocks: MessageOf<'ObjectUpdate'>['blocks']['ObjectData']): MessageOf<'ObjectUpdate'>['blocks'] {
  const template = named('ObjectUpdate')[0];
  if (!template) throw new Error('no ObjectUpdate');
  const p: Packet = decodePacket(
    encodePacket({ header: { sequence: 1 }, message: { ...template, blocks: { ...template.blocks, ObjectData: blocks } } }),
  );
  if (!isMessage(p.message, 'ObjectUpdate')) throw new Error('expected ObjectUpdate');
  return p.message.blocks;
}

describe('grid appearance: changes and bad input', () => {
  it('a prim that loses its sculpt is sent sculpt: null; one that loses its hover text an empty text', () => {
    const scene = new GridScene();
    const sculpt = artBlock('sculpt-torus');
    const emitter = artBlock('sound-emitter');
    scene.applyObjectUpdate(update([sculpt, emitter]));
    scene.takeChanges();
    scene.applyObjectUpdate(
      update([
        { ...sculpt, ExtraParams: Uint8Array.of(0) },
        { ...emitter, Text: new Uint8Array(0) },
      ]),
    );
    const changes = scene.takeChanges().updates;
    expect(changes.find((u) => u.id === sculpt.ID)?.sculpt).toBeNull();
    expect(changes.find((u) => u.id === emitter.ID)?.text).toEqual({ text: '', color: [0, 0, 0, 0] });
    // Nothing to say about a sculpt it never had.
    expect('sculpt' in (changes.find((u) => u.id === emitter.ID) ?? {})).toBe(false);
  });

  it('the mismatch helper notices a wrong texture, repeat, glow, colour, sculpt and hover text', () => {
    const e = byName(artScene('full')).get('sound-emitter');
    if (!e?.materials?.[0]) throw new Error('no sound-emitter');
    const m0 = e.materials[0];
    const wrong = {
      ...e,
      materials: [{ ...m0, texture: ART.checker, repeats: [2, 1] as [number, number], glow: 0.5 }],
      colors: [[0, 0, 0, 255] as [number, number, number, number]],
      sculpt: { type: 'sphere' as const, map: ART.sculptSphere, invert: false, mirror: false },
      text: { text: 'other', color: [255, 255, 255, 255] as [number, number, number, number] },
    };
    expect(artMismatches('sound-emitter', wrong).map((s) => s.split(':')[1]?.trim().split(' ')[0])).toEqual([
      'texture',
      'repeats',
      'glow',
      'colour',
      'a',
      'hover',
    ]);
  });

  it('a truncated ExtraParams skips that object (counted) and the others in the message still arrive', () => {
    const scene = new GridScene();
    const bad = artBlock('sculpt-plane');
    const good = artBlock('tex-checker-box');
    scene.applyObjectUpdate(update([{ ...bad, ExtraParams: bad.ExtraParams.subarray(0, 10) }, good]));
    expect(scene.badPayloads).toBe(1);
    expect(scene.objects.has(bad.ID)).toBe(false);
    expect(scene.objects.get(good.ID)?.entity.materials?.[0]?.texture).toBe(ART.checker);
  });

  it("an ImprovedTerseObjectUpdate's TextureEntry updates the materials as well as the colours", () => {
    const scene = artScene('full');
    const box = byName(scene).get('tex-checker-box');
    const sphere = artBlock('tex-stripes-sphere');
    const terse = named('ObjectUpdate')[0];
    if (!box || !terse) throw new Error('fixture');
    // The terse block: local id and position data (decodeTerseUpdate), then a 4-byte length and the TextureEntry.
    const data = new Uint8Array(44);
    new DataView(data.buffer).setUint32(0, box.id, true);
    const te = new Uint8Array(4 + sphere.TextureEntry.length);
    new DataView(te.buffer).setUint32(0, sphere.TextureEntry.length, true);
    te.set(sphere.TextureEntry, 4);
    scene.takeChanges();
    const m = decodePacket(
      encodePacket({
        header: { sequence: 2 },
        message: {
          name: 'ImprovedTerseObjectUpdate',
          blocks: { RegionData: { RegionHandle: 0n, TimeDilation: 65535 }, ObjectData: [{ Data: data, TextureEntry: te }] },
        },
      }),
    ).message;
    if (!isMessage(m, 'ImprovedTerseObjectUpdate')) throw new Error('expected terse');
    scene.applyTerse(m.blocks);
    const e = scene.objects.get(box.id)?.entity;
    expect(e?.materials?.[0]?.texture).toBe(ART.stripes);
    expect(e?.materials?.[0]?.fullbright).toBe(true);
    expect(scene.takeChanges().updates.find((u) => u.id === box.id)?.materials?.[0]?.texture).toBe(ART.stripes);
    expect(terse.blocks.ObjectData.length).toBeGreaterThan(0);
  });

  it('parseExtraParams reads entries and refuses ones that run past the bytes or too many', () => {
    const map = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const bytes = Uint8Array.of(2, 0x20, 0, 2, 0, 0, 0, 9, 9, 0x30, 0, 17, 0, 0, 0, ...map, 0x42);
    const params = parseExtraParams(bytes);
    expect(params.map((p) => p.type)).toEqual([0x20, 0x30]);
    // 0x42: torus (2) with invert (0x40).
    expect(sculptFromExtraParams(params)).toEqual({
      type: 'torus',
      map: '01020304-0506-0708-090a-0b0c0d0e0f10',
      invert: true,
      mirror: false,
    });
    expect(sculptFromExtraParams(parseExtraParams(Uint8Array.of(1, 0x30, 0, 17, 0, 0, 0, ...map, 0x83)))).toMatchObject({
      // plane (3) mirrored (0x80)
      type: 'plane',
      mirror: true,
    });
    // Type none / unknown: no sculpt.
    expect(sculptFromExtraParams(parseExtraParams(Uint8Array.of(1, 0x30, 0, 17, 0, 0, 0, ...map, 0)))).toBeNull();
    expect(parseExtraParams(new Uint8Array(0))).toEqual([]);
    expect(() => parseExtraParams(Uint8Array.of(1, 0x30, 0, 200, 0, 0, 0, 1))).toThrow(/says 200 bytes/);
    expect(() => parseExtraParams(Uint8Array.of(1, 0x30))).toThrow(LludpError);
    expect(() => parseExtraParams(Uint8Array.of(200))).toThrow(/at most 16/);
    expect(() => sculptFromExtraParams([{ type: 0x30, data: new Uint8Array(5) }])).toThrow(/5 bytes, not 17/);
  });

  it('the TE material byte splits into bump (bits 0-4), fullbright (bit 5) and shiny (bits 6-7); wild numbers are clamped', () => {
    const face = textureFace(decodeTextureEntry(new Uint8Array(0)), 0);
    expect(faceMaterialOf({ ...face, material: 0xff })).toMatchObject({ bump: 31, fullbright: true, shiny: 3 });
    expect(faceMaterialOf({ ...face, material: 0x4a })).toMatchObject({ bump: 10, fullbright: false, shiny: 1 });
    const wild = faceMaterialOf({ ...face, repeatU: Number.NaN, repeatV: 1e9, offsetU: -1.00003, rotation: 99, glow: 3 });
    expect(wild).toMatchObject({ repeats: [1, 100], offset: [-1, 0], rotation: 2 * Math.PI, glow: 1 });
    expect(FaceMaterial.safeParse(wild).success).toBe(true);
  });

  it('materials are one per face, compact: trailing faces equal to the one before collapse', () => {
    const entry = decodeTextureEntry(artBlock('tex-wide-panel').TextureEntry);
    const m = faceMaterials(entry, 6);
    // Faces 4 and 5 are both the default: the list ends at face 4.
    expect(m).toHaveLength(5);
    expect(faceMaterials(entry, 2)).toHaveLength(2);
    expect(faceMaterials(decodeTextureEntry(new Uint8Array(0)), 9)).toHaveLength(1);
  });

  it("face counts follow OpenSim's (GetNumberOfSides) for every basic shape with hollow, profile cut and path cut", () => {
    const none = decodeTextureEntry(new Uint8Array(0));
    // plain, hollow, profile cut, profile cut + hollow, path cut, all three
    const want: Record<keyof typeof SHAPE_PRESETS, number[]> = {
      box: [6, 7, 8, 9, 6, 9],
      cylinder: [3, 4, 5, 6, 3, 6],
      prism: [5, 6, 7, 8, 5, 8],
      sphere: [1, 2, 3, 4, 3, 6],
      torus: [1, 2, 3, 4, 3, 6],
      tube: [4, 5, 6, 7, 6, 9],
      ring: [3, 4, 5, 6, 5, 8],
    };
    for (const [name, s] of Object.entries(SHAPE_PRESETS) as [keyof typeof SHAPE_PRESETS, (typeof SHAPE_PRESETS)['box']][]) {
      const hollow = { profileHollow: 25000 };
      const cut = { profileBegin: 5000, profileEnd: 5000 };
      const path = { pathBegin: 5000, pathEnd: 5000 };
      const got = [{}, hollow, cut, { ...cut, ...hollow }, path, { ...path, ...cut, ...hollow }].map((v) =>
        objectFaceCount({ ...s, ...v }, null, none),
      );
      expect(got, name).toEqual(want[name]);
    }
    expect(
      objectFaceCount(SHAPE_PRESETS.box, { type: 'sphere', map: ART.sculptSphere, invert: false, mirror: false }, none),
    ).toBe(1);
    const house = decodeTextureEntry(artBlock('mesh-house').TextureEntry);
    expect(objectFaceCount(SHAPE_PRESETS.box, { type: 'mesh', map: ART.meshHouse, invert: false, mirror: false }, house)).toBe(2);
  });

  it('hover text: the wire alpha is inverted; text is clipped to 254 bytes; none stays absent', () => {
    expect(hoverText('hi', Uint8Array.of(255, 0, 0, 0), undefined)).toEqual({ text: 'hi', color: [255, 0, 0, 255] });
    expect(hoverText('hi', Uint8Array.of(0, 0, 0, 255), undefined)?.color[3]).toBe(0);
    expect(hoverText('é'.repeat(200), undefined, undefined)?.text).toHaveLength(127);
    expect(hoverText('', undefined, undefined)).toBeUndefined();
  });
});

describe('grid frames: snapshots and deltas cut by size', () => {
  it("the estimate is never below an entity's encoded size, and frames of 32-face entities stay under the frame limit", () => {
    const base = artScene('full').entities();
    const heavy: EntityUpdate[] = base.map((e, i) => ({
      ...e,
      id: i + 1,
      name: 'n'.repeat(64),
      description: 'd'.repeat(256),
      colors: Array.from({ length: 32 }, () => [1, 2, 3, 4] as [number, number, number, number]),
      materials: Array.from({ length: 32 }, (_, k) => ({
        ...(e.materials?.[0] ?? faceMaterialOf(textureFace(decodeTextureEntry(new Uint8Array(0)), 0))),
        glow: k / 64,
      })),
      text: { text: 't'.repeat(254), color: [1, 2, 3, 4] as [number, number, number, number] },
    }));
    for (const e of [...base, ...heavy]) {
      const alone = encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [e] }).length;
      expect(estimateEntityBytes(e)).toBeGreaterThanOrEqual(alone);
    }
    const many = Array.from({ length: 1500 }, (_, i) => ({ ...heavy[i % heavy.length], id: i + 1 }) as EntityUpdate);
    const parts = frameParts(many);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.flat()).toHaveLength(1500);
    for (const p of parts)
      expect(encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: p }).length).toBeLessThan(
        MAX_SERVER_FRAME_BYTES,
      );
    expect(frameParts([])).toEqual([[]]);
  });
});

/** A TextureEntry of one default face (nil texture, white) with `media` as its media byte, and face 1 overriding it. */
function teWithMedia(media: number, face1Media: number): Uint8Array {
  const out: number[] = [];
  const f32 = (v: number) => out.push(...new Uint8Array(Float32Array.of(v).buffer));
  out.push(...new Uint8Array(16), 0); // texture
  out.push(0, 0, 0, 0, 0); // colour (inverted: white, opaque)
  f32(1);
  out.push(0); // repeatU
  f32(1);
  out.push(0); // repeatV
  out.push(0, 0, 0, 0, 0, 0, 0, 0, 0); // offsetU, offsetV, rotation: s16 each + end
  out.push(0, 0); // material
  out.push(media, 0x02, face1Media, 0); // media: default, then face 1 (bitfield 0b10)
  out.push(0, 0); // glow
  return Uint8Array.from(out);
}

describe('grid appearance: planar TexGen and texture animation', () => {
  it('the TE media byte bits 1-2 give texgen: 1 planar; 0, 2 and 3 the default UVs (the media flag is ignored)', () => {
    const entry = decodeTextureEntry(teWithMedia(0x01, 0x03));
    expect(faceMaterials(entry, 2).map((m) => m.texgen)).toEqual(['default', 'planar']);
    for (const [media, texgen] of [
      [0x00, 'default'],
      [0x02, 'planar'],
      [0x04, 'default'],
      [0x06, 'default'],
    ] as const)
      expect(faceMaterialOf({ ...textureFace(entry, 0), media }).texgen).toBe(texgen);
  });

  it('a prim with a planar face and a texture animation arrives with both, over the full and the compressed path, and is sent stopped when the animation ends', () => {
    const panel = artBlock('tex-wide-panel');
    const block = { mode: 0x01 | 0x02 | 0x10, face: 1, sizeX: 0, sizeY: 0, start: 0, length: 1, rate: 0.25 };
    const scene = new GridScene();
    scene.applyObjectUpdate(update([{ ...panel, TextureEntry: teWithMedia(0, 0x02), TextureAnim: encodeTextureAnim(block) }]));
    const e = scene.objects.get(panel.ID)?.entity;
    expect(e?.materials?.map((m) => m.texgen)).toEqual(['default', 'planar', 'default']);
    expect(e?.textureAnim).toEqual(textureAnim({ face: 1, sizeX: 0, sizeY: 0 }));
    // Through the Storm codec as the session sends it.
    const back = decodeServerMessage(encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [e as Entity] }));
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]?.textureAnim).toEqual(e?.textureAnim);
    expect(back.entities[0]?.materials?.[1]?.texgen).toBe('planar');
    scene.takeChanges();
    scene.applyObjectUpdate(update([{ ...panel, TextureAnim: new Uint8Array(0) }]));
    expect(scene.takeChanges().updates.find((u) => u.id === panel.ID)?.textureAnim).toBeNull();

    // The compressed path (flag 0x40, u32 length, the block): the recorded compressed update of the same prim, varied.
    let recorded: MessageOf<'ObjectUpdateCompressed'>['blocks'] | undefined;
    let index = -1;
    for (const m of named('ObjectUpdateCompressed'))
      m.blocks.ObjectData.forEach((d, i) => {
        if (decodeCompressedObject(d.Data).fullId === panel.FullID) {
          recorded = m.blocks;
          index = i;
        }
      });
    const original = recorded?.ObjectData[index];
    if (!recorded || !original) throw new Error('no compressed update of tex-wide-panel');
    const o = decodeCompressedObject(original.Data);
    const data = buildCompressed({
      ...o,
      textureEntry: teWithMedia(0x02, 0x02),
      textureAnim: encodeTextureAnim({ ...block, mode: 0x01 | 0x20 | 0x10 | 0x02, face: -1 }),
    });
    const c = new GridScene();
    c.applyCompressed({ ...recorded, ObjectData: [{ ...original, Data: data }] });
    const ce = c.objects.get(o.localId)?.entity;
    expect(ce?.materials).toEqual([expect.objectContaining({ texgen: 'planar' })]);
    expect(ce?.textureAnim).toMatchObject({ rotate: true, smooth: true, loop: true, face: -1, rate: 0.25 });
  });

  it('a TextureAnim block of the wrong size skips that object (counted), not the message', () => {
    const panel = artBlock('tex-wide-panel');
    const emitter = artBlock('sound-emitter');
    const scene = new GridScene();
    const before = scene.badPayloads;
    scene.applyObjectUpdate(update([{ ...panel, TextureAnim: new Uint8Array(7) }, emitter]));
    expect(scene.badPayloads).toBe(before + 1);
    expect(scene.objects.has(emitter.ID)).toBe(true);
    expect(scene.objects.has(panel.ID)).toBe(false);
  });

  it('any TextureAnim bytes give an animation within the protocol schema, null, or a LludpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.boolean(), (bytes, on) => {
        const b = bytes.length === 16 ? Uint8Array.from(bytes, (v, i) => (i === 0 ? (on ? v | 1 : v & ~1) : v)) : bytes;
        try {
          const a = textureAnimOf(b);
          if (a !== null) expect(TextureAnim.safeParse(a).success).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(LludpError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
