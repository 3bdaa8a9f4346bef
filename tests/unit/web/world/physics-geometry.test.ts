/**
 * The physics plugin's collision-geometry loader (web/world/plugins/physics-geometry.ts): which shape a sculpt or
 * mesh collides as, on StormArt's real assets (../shared/opensim/StormArt.oar), and how loads are ordered, bounded
 * and failed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeLlmesh } from '../../../../shared/assets/llmesh';
import type { MeshData } from '../../../../shared/geometry/mesh-data';
import { PRIM_LOD_COUNT } from '../../../../shared/geometry/prim-mesh';
import { generateSculptMesh, SCULPT_SPHERE, type SculptMap } from '../../../../shared/geometry/sculpt';
import { decodeJ2k } from '../../../../web/assets/j2k';
import {
  collisionMeshOfLlmesh,
  createPhysicsGeometry,
  gridGeometrySources,
  type PhysicsGeometrySources,
} from '../../../../web/world/plugins/physics-geometry';
import { oarAsset, STORM_ART_OAR } from '../../../support/oar';
import { llmeshAsset, lodBlock, submeshLlsd, TRIANGLE } from '../../shared/assets/llmesh-fixture';

const HOUSE = '55a97283-cfcf-43fe-98c6-b009f4332a46';
const GEM = '20009cd8-5313-4566-b91a-479fad4d36dc';
const SCULPT_SPHERE_MAP = '3d622eb0-11a3-42eb-a662-3eacf2d4ad8f';
const MESH = 5;
const meshAsset = (uuid: string) => oarAsset(STORM_ART_OAR, `assets/${uuid}_mesh.llmesh`);
const texture = (uuid: string) => oarAsset(STORM_ART_OAR, `assets/${uuid}_texture.jp2`);
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the collision shape of a mesh or sculpt', () => {
  it('a mesh with a physics_mesh block collides as that block, not as a visual LOD', async () => {
    const quad = { positions: [-0.5, -0.5, 0, 0.5, -0.5, 0, 0.5, 0.5, 0, -0.5, 0.5, 0], triangles: [0, 1, 2, 0, 2, 3] };
    const asset = llmeshAsset({
      high_lod: lodBlock([submeshLlsd(TRIANGLE)]),
      low_lod: lodBlock([submeshLlsd(TRIANGLE)]),
      physics_mesh: lodBlock([submeshLlsd(quad)]),
    });
    const m = await collisionMeshOfLlmesh(asset);
    // The quad's two triangles over four corners, not the visual LODs' one triangle.
    expect(m.indexCount).toBe(6);
    expect(m.vertexCount).toBe(4);
  });

  it('a mesh without a physics block collides as its low LOD: the gem its 24 triangles, the house its medium (it has no low)', async () => {
    expect((await collisionMeshOfLlmesh(meshAsset(GEM))).indexCount / 3).toBe(24);
    const house = await collisionMeshOfLlmesh(meshAsset(HOUSE));
    expect(house.indexCount / 3).toBe(52);
    expect(house.positions).toEqual((await decodeLlmesh(meshAsset(HOUSE))).lods[1]?.positions);
  });

  it('a sculpt collides as its coarsest LOD', async () => {
    const image = await decodeJ2k(texture(SCULPT_SPHERE_MAP));
    const map: SculptMap = { width: image.width, height: image.height, rgba: image.rgba };
    const loader = createPhysicsGeometry({ meshBytes: () => Promise.reject(new Error('unused')), sculptMap: async () => map });
    expect(loader.meshOf(SCULPT_SPHERE_MAP, SCULPT_SPHERE, 0)).toBeNull();
    loader.pump();
    await settle();
    const m = loader.meshOf(SCULPT_SPHERE_MAP, SCULPT_SPHERE, 0);
    const coarsest = generateSculptMesh(map, SCULPT_SPHERE, PRIM_LOD_COUNT - 1);
    expect(m?.indexCount).toBe(coarsest.indexCount);
    expect(m?.positions).toEqual(coarsest.positions);
    expect(m?.indexCount).toBeLessThan(generateSculptMesh(map, SCULPT_SPHERE, 0).indexCount);
  });
});

/** Sources whose loads wait until the test settles them; `asked` lists what was fetched, in order. */
function heldSources() {
  const asked: string[] = [];
  const waiting = new Map<string, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  const sources: PhysicsGeometrySources = {
    meshBytes: (id) =>
      new Promise((resolve, reject) => {
        asked.push(id);
        waiting.set(id, { resolve, reject });
      }),
    sculptMap: () => Promise.reject(new Error('no sculpts here')),
  };
  return { sources, asked, waiting };
}

describe('createPhysicsGeometry', () => {
  it('loads nearest first, a bounded number at once, and says when geometry arrived', async () => {
    const { sources, asked, waiting } = heldSources();
    const loader = createPhysicsGeometry(sources, { maxLoading: 2 });
    loader.beginPass();
    for (const [n, distance] of [
      [1, 40],
      [2, 5],
      [3, 20],
      [4, 10],
    ] as const)
      loader.meshOf(uuid(n), MESH, distance);
    loader.pump();
    expect(asked).toEqual([uuid(2), uuid(4)]);
    loader.pump();
    expect(asked).toHaveLength(2);
    waiting.get(uuid(2))?.resolve(meshAsset(GEM));
    await settle();
    expect(loader.version).toBe(1);
    expect(loader.meshOf(uuid(2), MESH, 5)?.indexCount).toBe(72);
    loader.pump();
    expect(asked).toEqual([uuid(2), uuid(4), uuid(3)]);
    expect(loader.stats()).toEqual({ ready: 1, loading: 2, failed: 0 });
  });

  it('starts only what the last gathering pass asked for (a prim you walked away from waits)', () => {
    const { sources, asked } = heldSources();
    const loader = createPhysicsGeometry(sources);
    loader.beginPass();
    loader.meshOf(uuid(1), MESH, 1);
    loader.beginPass();
    loader.meshOf(uuid(2), MESH, 9);
    loader.pump();
    expect(asked).toEqual([uuid(2)]);
    // Asked for again (you came back): it loads.
    loader.beginPass();
    loader.meshOf(uuid(1), MESH, 1);
    loader.pump();
    expect(asked).toEqual([uuid(2), uuid(1)]);
  });

  it('a failed asset is logged once and stays null (its base prim), however often it is asked for', async () => {
    const { sources, waiting } = heldSources();
    const log = vi.fn();
    const loader = createPhysicsGeometry(sources, { log });
    loader.meshOf(uuid(1), MESH, 1);
    loader.meshOf(uuid(2), MESH, 1);
    loader.pump();
    waiting.get(uuid(1))?.reject(new Error('asset_unavailable'));
    waiting.get(uuid(2))?.resolve(new Uint8Array([1, 2, 3]));
    await settle();
    for (let pass = 0; pass < 5; pass++) {
      loader.beginPass();
      expect(loader.meshOf(uuid(1), MESH, 1)).toBeNull();
      expect(loader.meshOf(uuid(2), MESH, 1)).toBeNull();
      loader.pump();
    }
    await settle();
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[0]?.[0]).toMatch(
      /^physics: mesh 00000000-0000-4000-8000-000000000001 could not be used \(asset_unavailable\); it collides as its base prim$/,
    );
    expect(log.mock.calls[1]?.[0]).toMatch(/^physics: mesh 00000000-0000-4000-8000-000000000002 could not be used \(/);
    expect(loader.version).toBe(0);
    expect(loader.stats()).toEqual({ ready: 0, loading: 0, failed: 2 });
  });

  it('a mesh without a triangle counts as failed', async () => {
    const empty = llmeshAsset({ low_lod: lodBlock([new Map([['NoGeometry', true]])]) });
    const log = vi.fn();
    const loader = createPhysicsGeometry(
      { meshBytes: async () => empty, sculptMap: () => Promise.reject(new Error('-')) },
      { log },
    );
    loader.meshOf(uuid(1), MESH, 1);
    loader.pump();
    await settle();
    expect(loader.meshOf(uuid(1), MESH, 1)).toBeNull();
    expect(log).toHaveBeenCalledWith(
      'physics: mesh 00000000-0000-4000-8000-000000000001 has no triangles; it collides as its base prim',
    );
  });

  it('after close, loads under way are dropped and nothing new starts', async () => {
    const { sources, asked, waiting } = heldSources();
    const closed = vi.fn();
    const loader = createPhysicsGeometry({ ...sources, close: closed });
    loader.meshOf(uuid(1), MESH, 1);
    loader.pump();
    loader.close();
    expect(closed).toHaveBeenCalledOnce();
    waiting.get(uuid(1))?.resolve(meshAsset(GEM));
    await settle();
    loader.meshOf(uuid(2), MESH, 1);
    loader.pump();
    expect(loader.version).toBe(0);
    expect(asked).toEqual([uuid(1)]);
  });
});

describe('gridGeometrySources', () => {
  it("fetches meshes and sculpt maps from the session's asset route with its token, and decodes the maps", async () => {
    const urls: string[] = [];
    const auth: (string | undefined)[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      urls.push(url);
      auth.push((init.headers as Record<string, string>).authorization);
      const bytes = url.endsWith(`/mesh/${HOUSE}`) ? meshAsset(HOUSE) : texture(SCULPT_SPHERE_MAP);
      return new Response(bytes.slice(), { status: 200 });
    });
    const sources = gridGeometrySources({ origin: 'http://127.0.0.1:5173', session: 'g-0123456789abcdef01234567', token: 'tok' });
    const loader = createPhysicsGeometry(sources);
    loader.meshOf(HOUSE, MESH, 1);
    loader.meshOf(SCULPT_SPHERE_MAP, SCULPT_SPHERE, 2);
    loader.pump();
    for (let i = 0; i < 50 && loader.stats().loading > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(urls).toEqual([
      `http://127.0.0.1:5173/api/grid/g-0123456789abcdef01234567/asset/mesh/${HOUSE}`,
      `http://127.0.0.1:5173/api/grid/g-0123456789abcdef01234567/asset/texture/${SCULPT_SPHERE_MAP}`,
    ]);
    expect(auth).toEqual(['Bearer tok', 'Bearer tok']);
    expect(loader.stats()).toEqual({ ready: 2, loading: 0, failed: 0 });
    const house: MeshData | null = loader.meshOf(HOUSE, MESH, 1);
    expect(house?.indexCount).toBe(52 * 3);
    expect(loader.meshOf(SCULPT_SPHERE_MAP, SCULPT_SPHERE, 2)?.indexCount).toBeGreaterThan(0);
    loader.close();
  });
});
