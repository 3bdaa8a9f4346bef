/**
 * Interop: the StormArt region (../shared/opensim/README.md, "Art content") through the whole path (Node → the dev
 * edge → GridSession → relay → the real simulator): every prim's per-face materials, sculpt or mesh and hover text
 * as written in the OAR (tests/unit/edge/fixtures/stormart.ts), region_info from the RegionHandshake, and every
 * texture and mesh the region names served through the asset route byte for byte (sha-256 of the OAR's asset),
 * the second fetch from the edge cache. Runs only when OPENSIM_ART_LOGIN_URI is set.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NO_TEXTURE, type RegionInfo } from '../../shared/protocol';
import { oarAsset, STORM_ART_OAR } from '../support/oar';
import {
  ART_LIBRARY_TEXTURES,
  ART_MESHES,
  ART_OAR_TEXTURES,
  ART_PRIMS,
  ART_REGION,
  artMismatches,
} from '../unit/edge/fixtures/stormart';
import { FIRST, LAST, openStorm, PASSWORD, postLogin, useEdge } from './grid-client';

const ART_LOGIN_URI = process.env.OPENSIM_ART_LOGIN_URI ?? '';

if (ART_LOGIN_URI === '') {
  console.warn(
    'interop: OPENSIM_ART_LOGIN_URI is not set, so the StormArt appearance and asset suite DID NOT RUN; start the art region (OPENSIM_OAR=../shared/opensim/StormArt.oar OPENSIM_PORT=9500 OPENSIM_FRESH=1 ../shared/opensim/region.sh start) and export OPENSIM_ART_LOGIN_URI=<its OPENSIM_LOGIN_URI>',
  );
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(ART_LOGIN_URI === '')('StormArt region appearance and assets through GridSession (interop)', () => {
  const edge = useEdge();

  it('every prim carries its faces, sculpt or mesh and hover text; region_info the terrain textures and water; every texture and mesh comes through the edge byte for byte, then from its cache', async () => {
    const login = await postLogin(edge.url, { loginUri: ART_LOGIN_URI, first: FIRST, last: LAST, password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    const session = String(login.json.session);
    const token = String(login.json.token);
    const view = await openStorm(edge.url, session, token);
    try {
      const names = Object.keys(ART_PRIMS);
      const byName = () => new Map([...view.entities.values()].filter((e) => e.kind === 'prim').map((e) => [e.name, e]));
      // Names and descriptions arrive with the object properties, a moment after the objects.
      await view.waitFor(
        () => names.every((n) => byName().get(n)?.description === ART_PRIMS[n]?.description),
        20_000,
        'the 18 art prims with their names and descriptions',
      );
      const prims = byName();
      const mismatches = names.flatMap((n) => {
        const e = prims.get(n);
        return e ? artMismatches(n, e) : [`${n}: missing`];
      });
      expect(mismatches).toEqual([]);
      // Every art prim is owned by Test User (../shared/opensim/region.sh AGENT_ID, the estate owner we log in as):
      // the UUID comes with the same object properties as the name, the name with the grid's UUIDNameReply.
      const owner = { uuid: '6f0a3c1e-5b1d-4a8e-9c3b-2d7e8f901234', name: 'Test User' };
      await view.waitFor(
        () => names.every((n) => byName().get(n)?.owner?.name === owner.name),
        20_000,
        "the art prims' owner named",
      );
      for (const n of names) expect(byName().get(n)?.owner, n).toEqual(owner);
      const faces = names.reduce((sum, n) => sum + (ART_PRIMS[n]?.faces ?? 0), 0);
      expect(faces).toBe(63);

      // region_info comes right after welcome and the regions shown.
      const types = view.frames.map((f) => f.type);
      expect(types.indexOf('region_info')).toBe(types.indexOf('welcome') + 2);
      expect(types.indexOf('regions')).toBe(types.indexOf('welcome') + 1);
      const info = view.frames.find((f): f is RegionInfo => f.type === 'region_info');
      expect(info).toEqual({ type: 'region_info', ...ART_REGION, terrainTextures: [...ART_REGION.terrainTextures] });

      // Every asset the region names: face textures, sculpt maps, meshes, terrain textures.
      const named = new Set<string>(info?.terrainTextures ?? []);
      const meshes = new Set<string>();
      for (const e of prims.values()) {
        for (const m of e.materials ?? []) if (m.texture !== NO_TEXTURE) named.add(m.texture);
        if (e.sculpt) (e.sculpt.type === 'mesh' ? meshes : named).add(e.sculpt.map);
      }
      expect([...named].sort()).toEqual([...ART_OAR_TEXTURES, ...ART_LIBRARY_TEXTURES].sort());
      expect([...meshes].sort()).toEqual([...ART_MESHES].sort());

      const get = (kind: string, id: string) =>
        fetch(`${edge.url}/api/grid/${session}/asset/${kind}/${id}`, { headers: { authorization: `Bearer ${token}` } });
      const assets = [...[...named].map((id) => ['texture', id] as const), ...[...meshes].map((id) => ['mesh', id] as const)];
      const report: string[] = [];
      for (const [kind, id] of assets) {
        let res = await get(kind, id);
        // The asset capabilities arrive with the seed capability's answer, just after login.
        for (let i = 0; i < 20 && res.status === 503; i++) {
          await new Promise((r) => setTimeout(r, 250));
          res = await get(kind, id);
        }
        expect(res.status, `${kind} ${id}: ${await res.clone().text()}`).toBe(200);
        expect(res.headers.get('content-type')).toBe(kind === 'texture' ? 'image/x-j2c' : 'application/vnd.ll.mesh');
        const bytes = new Uint8Array(await res.arrayBuffer());
        const inOar = (ART_OAR_TEXTURES as readonly string[]).includes(id) || kind === 'mesh';
        if (inOar) {
          const file = oarAsset(STORM_ART_OAR, `assets/${id}_${kind === 'texture' ? 'texture.jp2' : 'mesh.llmesh'}`);
          expect(sha256(bytes), `${kind} ${id}`).toBe(sha256(file));
        } else {
          // A library texture (not in the OAR): a raw J2K codestream.
          expect([...bytes.subarray(0, 4)], `${kind} ${id}`).toEqual([0xff, 0x4f, 0xff, 0x51]);
        }
        const again = await get(kind, id);
        expect(again.headers.get('x-storm-cache'), `${kind} ${id} again`).toBe('hit');
        expect(sha256(new Uint8Array(await again.arrayBuffer()))).toBe(sha256(bytes));
        report.push(`${kind} ${id.slice(0, 8)} ${bytes.length} B ${res.headers.get('x-storm-cache')}→hit`);
      }
      console.error(`interop: ${assets.length} assets through the edge: ${report.join('; ')}`);
    } finally {
      view.ws.close();
    }
  }, 120_000);
});
