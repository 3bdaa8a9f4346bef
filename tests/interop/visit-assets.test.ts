/**
 * `visit --assets`: its pure parts (Ogg lengths, options, fetching and decoding with a stand-in asset store, the
 * per-entity report over the viewer's material table) on the StormArt assets from the OAR; and, when
 * OPENSIM_ART_LOGIN_URI is set, the CLI against the real StormArt region through the dev edge.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGltf } from '../../shared/assets/gltf-check';
import { SHAPE_PRESETS } from '../../shared/protocol';
import type { AssetKind, AssetStore } from '../../web/assets/asset-store';
import { AssetStoreError } from '../../web/assets/errors';
import { createMaterialBuffer, MaterialTableWriter } from '../../web/scene/material-table';
import { loadAssets, looksReport, namedAssets, type RawLooks, type VisitAsset } from '../../web/visit/assets';
import { oggInfo } from '../../web/visit/ogg';
import { parseVisitArgs } from '../../web/visit/options';
import type { VisitEntity } from '../../web/visit/report';
import { EXIT_CODES, runVisit } from '../../web/visit/visit';
import { house } from '../support/model-placer';
import { oarAsset, STORM_ART_OAR } from '../support/oar';
import { ART, ART_MESHES, ART_OAR_TEXTURES, ART_PRIMS, artFace } from '../unit/edge/fixtures/stormart';
import { ART_TEXTURES } from '../unit/web/assets/stormart-textures';
import { FIRST, LAST, PASSWORD, useEdge } from './grid-client';
import { runVisitCli } from './visit-run';

/** The stats of a store that fetched nothing (these stores answer from the OAR or from memory). */
function emptyStats(): ReturnType<AssetStore['stats']> {
  return { storage: 'memory', bytesFromNetwork: 0, bytesFromCache: 0, hits: 0, misses: 0, shared: 0, failures: 0, inFlight: 0 };
}

const ART_LOGIN_URI = process.env.OPENSIM_ART_LOGIN_URI ?? '';
const TONE = readFileSync(new URL('../support/fixtures/tone-440.ogg', import.meta.url));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The OAR's bytes of an art asset. */
function oarBytes(kind: AssetKind, id: string): Uint8Array {
  if (kind === 'sound') return new Uint8Array(TONE);
  return oarAsset(STORM_ART_OAR, `assets/${id}_${kind === 'texture' ? 'texture.jp2' : 'mesh.llmesh'}`);
}

/** An asset store over the OAR: `refuse` ids fail as the edge's answers would; `limited` ones are rate-limited once. */
function oarStore(refuse: Record<string, AssetStoreError>, limited: Set<string>): AssetStore & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async get(kind, id) {
      calls.push(id);
      if (limited.delete(id))
        throw new AssetStoreError('asset_unavailable', `${kind} ${id} answered HTTP 429: grid_rate_limited (slow down)`);
      const refusal = refuse[id];
      if (refusal) throw refusal;
      return oarBytes(kind, id).slice();
    },
    clearFailures() {},
    stats: emptyStats,
  };
}

describe('visit --assets: the pure parts', () => {
  it('measures an Ogg Vorbis sound from its headers (the StormArt tone: 44.1 kHz mono, 66150 samples, 1.5 s) and refuses what is not one', () => {
    expect(oggInfo(new Uint8Array(TONE))).toEqual({ sampleRate: 44100, channels: 1, samples: 66150, seconds: 1.5 });
    expect(() => oggInfo(new TextEncoder().encode('<html>not a sound</html>'))).toThrow(/ogg: no "OggS"/);
    expect(() => oggInfo(new Uint8Array(TONE).subarray(0, 100))).toThrow(/runs past the end/);
    const notVorbis = new Uint8Array(TONE);
    notVorbis[28 + (notVorbis[26] ?? 1)] = 0x7f;
    expect(() => oggInfo(notVorbis)).toThrow(/not a Vorbis identification header/);
  });

  it('--assets is a switch for one visitor', async () => {
    const env = { OPENSIM_FIRST: 'Test', OPENSIM_LAST: 'User', OPENSIM_PASSWORD: 'pw' };
    expect(parseVisitArgs(['http://127.0.0.1:9100/'], env).assets).toBe(false);
    expect(parseVisitArgs(['http://127.0.0.1:9100/', '--assets', '--seconds', '1'], env)).toMatchObject({
      assets: true,
      seconds: 1,
    });
    expect(() => parseVisitArgs(['http://127.0.0.1:9100/', '--assets=yes'], env)).toThrow(/--assets takes no value/);
    const deps = { fetch, createSocket: () => ({}) as never, now: () => 0, log: () => {} };
    expect(parseVisitArgs(['/#/fv/plaza', '--assets'], env).assets).toBe(true);
    const bots = await runVisit(parseVisitArgs(['http://127.0.0.1:9100/', '--assets', '--bots', '2'], env), deps);
    expect(bots.exitCode).toBe(EXIT_CODES.visit_usage);
  });

  it('decodes a Finalverse glTF model to what the viewer draws (vertices, triangles, faces, textures); a hostile one is an error entry', async () => {
    const good = sha256(house);
    const bad = 'ab'.repeat(32);
    const hostile = new TextEncoder().encode('{"asset":{"version":"2.0"},"buffers":[{"byteLength":1e12}]}');
    const store: AssetStore = {
      get: async (_kind, id) => (id === good ? house.slice() : hostile.slice()),
      clearFailures: () => {},
      stats: emptyStats,
    };
    const named = new Map<string, AssetKind>([
      [good, 'model'],
      [bad, 'model'],
    ]);
    const loaded = await loadAssets(named, new Set(), store, { log: () => {}, sleep: async () => {} });
    const checked = checkGltf(house);
    expect(loaded.report[good]).toEqual({
      kind: 'model',
      bytes: house.byteLength,
      sha256: good,
      vertices: checked.vertices,
      triangles: checked.triangles,
      faces: checked.json.materials?.length ?? 1,
      textures: checked.json.textures?.length ?? 0,
      // The house's faces are flat colours: no base colour images.
      images: [],
      error: null,
    });
    expect(checked.triangles).toBeGreaterThan(0);
    expect(loaded.report[bad]).toMatchObject({
      kind: 'model',
      bytes: hostile.byteLength,
      error: { code: expect.stringMatching(/^gltf_/) },
    });
    expect(loaded.report[bad]?.vertices).toBeUndefined();
  });

  it('fetches every asset once, decodes textures, sculpt maps, meshes and sounds, waits out a rate limit, and records failures', async () => {
    const missing = 'c3000000-0000-4000-8000-000000000404';
    const corrupt = ART.checker;
    const named = new Map<string, AssetKind>([
      ...ART_OAR_TEXTURES.map((id) => [id, 'texture'] as const),
      ...ART_MESHES.map((id) => [id, 'mesh'] as const),
      [ART.tone, 'sound'],
      [missing, 'texture'],
    ]);
    const store = oarStore(
      { [missing]: new AssetStoreError('asset_not_found', `the grid has no texture ${missing}`) },
      new Set([ART.rings]),
    );
    // The checker's bytes with the codestream's body cut away: the header reads, the decode fails.
    const realGet = store.get.bind(store);
    store.get = async (kind, id) => (id === corrupt ? (await realGet(kind, id)).subarray(0, 200) : realGet(kind, id));
    const sleeps: number[] = [];
    const loaded = await loadAssets(named, new Set([ART.sculptSphere]), store, {
      log: () => {},
      sleep: async (ms) => void sleeps.push(ms),
    });
    const r = loaded.report;
    expect(Object.keys(r)).toHaveLength(named.size);
    expect(sleeps).toEqual([1000]);
    expect(store.calls.filter((c) => c === ART.rings)).toHaveLength(2);
    for (const t of ART_TEXTURES) {
      if (t.uuid === corrupt) continue;
      expect(r[t.uuid], t.name).toMatchObject({
        kind: 'texture',
        width: t.width,
        height: t.height,
        components: t.components,
        error: null,
      });
      expect(r[t.uuid]?.sha256).toBe(sha256(oarBytes('texture', t.uuid)));
    }
    expect(r[corrupt]?.error?.code).toBe('texture_corrupt');
    expect(r[missing]).toMatchObject({ bytes: null, sha256: null, error: { code: 'asset_not_found' } });
    expect(r[ART.tone]).toMatchObject({ kind: 'sound', bytes: TONE.length, duration_s: 1.5, error: null });
    const tris = (id: string) => r[id]?.lods?.map((l) => l.triangles);
    expect(tris(ART.meshGem)).toEqual([48, 32, 24, 16]);
    expect(tris(ART.meshHouse)).toEqual([452, 52, 52, 52]);
    expect(r[ART.meshHouse]?.lods?.map((l) => `${l.lod}<-${l.source}`)).toEqual([
      'high<-high',
      'medium<-medium',
      'low<-medium',
      'lowest<-medium',
    ]);
    expect(r[ART.meshBlob]?.lods?.[0]).toMatchObject({ submeshes: 1, vertices: 2665, triangles: 4992 });
    expect(tris(ART.meshBlob)).toEqual([4992, 1216, 288, 64]);
    expect(loaded.sculptMaps.get(ART.sculptSphere)).toMatchObject({ width: 64, height: 64 });
    expect(loaded.sculptMaps.has(ART.checker)).toBe(false);
  });

  it("reports one face per face from the viewer's material table, the sculpt mesh's vertices and the mesh's LODs", async () => {
    const table = new MaterialTableWriter(createMaterialBuffer(false));
    const prism = ART_PRIMS['tex-prism-tint'];
    if (!prism) throw new Error('fixture');
    const f0 = artFace(prism, 0);
    const material = table.material({
      texture: f0.texture,
      repeats: f0.repeats,
      offset: f0.offset,
      rotation: (f0.rotationDeg * Math.PI) / 180,
      glow: f0.glow,
      fullbright: f0.fullbright,
      alphaMode: 'blend',
      alphaCutoff: 0,
      shiny: 0,
      bump: 0,
      texgen: 'default',
    });
    const base = { prim: true, text: null, sound: null, sculpt: null, textureAnim: null } as const;
    const prismLooks: RawLooks = {
      ...base,
      netId: 1,
      shape: SHAPE_PRESETS.prism,
      materials: [material],
      colors: [
        [128, 255, 255, 255],
        [128, 255, 255, 255],
        [128, 255, 255, 255],
        [128, 255, 255, 255],
        [255, 255, 255, 128],
      ],
    };
    const sphere: RawLooks = {
      ...base,
      netId: 2,
      shape: SHAPE_PRESETS.sphere,
      materials: [],
      colors: [[255, 255, 255, 255]],
      sculpt: { type: 'sphere', map: ART.sculptSphere, invert: false, mirror: false },
    };
    const house: RawLooks = {
      ...base,
      netId: 3,
      shape: SHAPE_PRESETS.box,
      materials: [],
      colors: [[255, 255, 255, 255]],
      sculpt: { type: 'mesh', map: ART.meshHouse, invert: false, mirror: false },
      text: { text: 'hi', color: [1, 2, 3, 255] },
    };
    const named = namedAssets([prismLooks, sphere, house], table, [ART.terrainSand]);
    expect([...named]).toEqual([
      [ART.terrainSand, 'texture'],
      [ART.rings, 'texture'],
      [ART.sculptSphere, 'texture'],
      [ART.meshHouse, 'mesh'],
    ]);
    const loaded = await loadAssets(named, new Set([ART.sculptSphere]), oarStore({}, new Set()), {
      log: () => {},
      sleep: async () => {},
    });
    const p = looksReport(prismLooks, table, loaded);
    expect(p.faces).toHaveLength(5);
    expect(p.faces[4]).toEqual({
      texture: ART.rings,
      color: [255, 255, 255, 128],
      repeats: [3, 3],
      offset: [0, 0],
      rotation: 0.7854,
      fullbright: false,
      glow: 0,
      texgen: 'default',
    });
    const s = looksReport(sphere, table, loaded);
    // A 64x64 map at the finest LOD: a 33x33 grid, its two poles each collapsed to one vertex... as SL builds it.
    expect(s.sculpt).toMatchObject({ type: 'sphere', map: ART.sculptSphere, vertices: 1087, triangles: 1984 });
    expect(s.faces).toHaveLength(1);
    const h = looksReport(house, table, loaded);
    expect(h.faces).toHaveLength(2);
    expect(h.mesh?.lods?.map((l) => l.submeshes)).toEqual([2, 2, 2, 2]);
    expect(h.text).toEqual({ text: 'hi', color: [1, 2, 3, 255] });
  });
});

if (ART_LOGIN_URI === '') {
  console.warn(
    'interop: OPENSIM_ART_LOGIN_URI is not set, so `visit --assets` against the StormArt region DID NOT RUN; start the art region (OPENSIM_OAR=../shared/opensim/StormArt.oar OPENSIM_PORT=9500 OPENSIM_FRESH=1 ../shared/opensim/region.sh start) and export OPENSIM_ART_LOGIN_URI=<its OPENSIM_LOGIN_URI>',
  );
}

describe.skipIf(ART_LOGIN_URI === '')('visit --assets against the StormArt region (interop)', () => {
  const edge = useEdge();

  it("reports every art prim's faces, sculpt, mesh and hover text, and every asset byte for byte, decoded", async () => {
    const run = await runVisitCli(
      [ART_LOGIN_URI, '--edge', edge.url, '--seconds', '2', '--assets'],
      { OPENSIM_FIRST: FIRST, OPENSIM_LAST: LAST, OPENSIM_PASSWORD: PASSWORD },
      120_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const entities = run.json.entities as VisitEntity[];
    const assets = run.json.assets as Record<string, VisitAsset>;
    const byName = new Map(entities.filter((e) => e.kind === 'prim').map((e) => [e.name, e]));
    let faces = 0;
    for (const [name, want] of Object.entries(ART_PRIMS)) {
      const e = byName.get(name);
      expect(e?.faces, name).toHaveLength(want.faces);
      for (const [i, f] of (e?.faces ?? []).entries()) {
        const w = artFace(want, i);
        const at = `${name} face ${i}`;
        expect(f.texture, at).toBe(w.texture);
        expect(f.color, at).toEqual(w.color);
        expect(f.repeats[0], at).toBeCloseTo(w.repeats[0], 3);
        expect(f.repeats[1], at).toBeCloseTo(w.repeats[1], 3);
        expect(f.offset[0], at).toBeCloseTo(w.offset[0], 3);
        expect(f.offset[1], at).toBeCloseTo(w.offset[1], 3);
        expect((f.rotation * 180) / Math.PI, at).toBeCloseTo(w.rotationDeg, 1);
        expect(f.glow, at).toBeCloseTo(w.glow, 2);
        expect(f.fullbright, at).toBe(w.fullbright);
        // The StormArt content has no planar faces and no texture animations.
        expect(f.texgen, at).toBe('default');
        faces += 1;
      }
      if (want.sculpt) expect(e?.sculpt, name).toMatchObject(want.sculpt);
      else expect(e?.sculpt ?? null, name).toBeNull();
      if (want.sculpt && want.sculpt.type !== 'mesh') expect(e?.sculpt?.vertices, name).toBeGreaterThan(1000);
      if (want.sculpt?.type === 'mesh') expect(e?.mesh?.lods, name).toHaveLength(4);
      expect(e?.text ?? null, name).toEqual(want.text ?? null);
      expect(e?.textureAnim ?? null, name).toBeNull();
    }
    expect(faces).toBe(63);
    // 14 OAR textures + 4 library textures, 3 meshes, 1 sound: all fetched and decoded.
    expect(Object.keys(assets)).toHaveLength(22);
    for (const [id, a] of Object.entries(assets)) {
      expect(a.error, id).toBeNull();
      if (a.kind !== 'texture' || (ART_OAR_TEXTURES as readonly string[]).includes(id))
        expect(a.sha256, id).toBe(sha256(oarBytes(a.kind, id)));
    }
    for (const t of ART_TEXTURES) expect(assets[t.uuid], t.name).toMatchObject({ width: t.width, height: t.height });
    expect(assets[ART.plywood]).toMatchObject({ width: 512, height: 512 });
    expect(assets[ART.blank]).toMatchObject({ width: 32, height: 32 });
    expect(assets[ART.tone]?.duration_s).toBe(1.5);
    expect(assets[ART.meshBlob]?.lods?.[0]).toMatchObject({ vertices: 2665, triangles: 4992 });
    expect(run.json.region).toMatchObject({ terrainStartHeights: [15, 15, 15, 15], waterHeight: 20 });
    console.error(`interop: visit --assets took ${Math.round(run.ms)} ms`);
  }, 150_000);
});
