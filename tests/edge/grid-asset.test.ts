/**
 * GET /api/grid/<session>/asset/<kind>/<uuid> inside workerd: a grid session logged into the fake simulator
 * (tests/support/fake-sim.ts), whose capabilities serve real StormArt assets (the tone through ViewerAsset,
 * textures through GetTexture, meshes through GetMesh, both through ViewerAsset for an "Oldcaps" login) and a few
 * bad answers.
 */
import { describe, expect, inject, it } from 'vitest';
import { ASSET_RATE } from '../../edge/grid/assets';
import { RETRY_AFTER_MS_HEADER } from '../../shared/protocol';
import { FAKE_MESHES, FAKE_TEXTURES, OLD_CAPS_FIRST_NAME } from '../support/fake-assets';
import { FAKE_SOUNDS } from '../support/fake-sounds';
import { call, post, tokenWith } from './support';

const simPort = inject('gridFakeSimPort');
const loginUri = `http://127.0.0.1:${simPort}/`;

interface Login {
  session: string;
  token: string;
}

async function login(first = 'Test'): Promise<Login> {
  const res = await post('/api/grid/login', { loginUri, first, last: 'User', password: 'password' });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  return res.json<Login>();
}

function asset(l: Login, id: string, token: string | null = l.token, kind = 'sound'): Promise<Response> {
  return call(
    `/api/grid/${l.session}/asset/${kind}/${id}`,
    token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
}

async function code(res: Response): Promise<[number, string]> {
  return [res.status, (await res.json<{ error: { code: string } }>()).error.code];
}

async function fetches(id: string): Promise<number> {
  const all = await (await fetch(`http://127.0.0.1:${simPort}/fake/assets`)).json<Record<string, number>>();
  return all[id] ?? 0;
}

/** The seed capability is asked right after login; the asset capabilities arrive shortly after. */
async function soundOnceReady(l: Login, id: string, kind = 'sound'): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    const res = await asset(l, id, l.token, kind);
    if (res.status !== 503) return res;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the ViewerAsset capability never arrived');
}

describe('GET /api/grid/<session>/asset/sound/<uuid>', () => {
  it('serves the Ogg from the grid once, then from the edge cache, with immutable caching', async () => {
    const l = await login();
    const first = await soundOnceReady(l, FAKE_SOUNDS.tone);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('audio/ogg');
    expect(first.headers.get('cache-control')).toContain('immutable');
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('OggS');
    expect(bytes.length).toBe(6026);
    const before = await fetches(FAKE_SOUNDS.tone);
    const second = await asset(l, FAKE_SOUNDS.tone.toUpperCase());
    expect(second.status).toBe(200);
    expect(second.headers.get('x-storm-cache')).toBe('hit');
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(bytes);
    expect(await fetches(FAKE_SOUNDS.tone)).toBe(before);
  });

  it('never shows the capability URL: answers carry only the asset or an error', async () => {
    const l = await login();
    const res = await soundOnceReady(l, FAKE_SOUNDS.missing);
    const text = await res.text();
    expect(text).not.toContain('CAPS');
    expect(text).not.toContain(String(simPort));
  });

  it('refuses without the session token, with another session token, and with a bad id or kind', async () => {
    const l = await login();
    expect(await code(await asset(l, FAKE_SOUNDS.tone, null))).toEqual([401, 'token_missing']);
    expect(await code(await asset(l, FAKE_SOUNDS.tone, await tokenWith('g-000000000000000000000000', 3)))).toEqual([
      403,
      'token_wrong_world',
    ]);
    expect(await code(await asset(l, 'not-a-uuid'))).toEqual([400, 'grid_bad_request']);
    expect(await code(await asset(l, FAKE_SOUNDS.tone, l.token, 'animation'))).toEqual([400, 'grid_bad_request']);
    expect(await code(await call(`/api/grid/nope/asset/sound/${FAKE_SOUNDS.tone}`))).toEqual([404, 'grid_session_not_found']);
  });

  it('answers a missing asset 404, one over 1 MiB and one of the wrong type 502, each with its code', async () => {
    const l = await login();
    expect(await code(await soundOnceReady(l, FAKE_SOUNDS.missing))).toEqual([404, 'grid_asset_not_found']);
    const huge = await asset(l, FAKE_SOUNDS.huge);
    const body = await huge.json<{ error: { code: string; message: string } }>();
    expect([huge.status, body.error.code]).toEqual([502, 'grid_asset_too_large']);
    expect(body.error.message).toMatch(/^grid: sound .* more than 1048576 bytes/);
    expect(await code(await asset(l, FAKE_SOUNDS.html))).toEqual([502, 'grid_asset_bad_type']);
  });

  it('limits how fast one session fetches from the grid: 429 with its code and when to ask again', async () => {
    const l = await login();
    await (await soundOnceReady(l, FAKE_SOUNDS.missing)).body?.cancel();
    // More than the burst at once.
    const answers = await Promise.all(
      Array.from({ length: ASSET_RATE.burst + 80 }, async () => {
        const res = await asset(l, FAKE_SOUNDS.missing);
        const out = {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          ms: res.headers.get(RETRY_AFTER_MS_HEADER),
        };
        await res.body?.cancel();
        return out;
      }),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 404).length).toBeGreaterThanOrEqual(ASSET_RATE.burst - 1);
    for (const a of limited) {
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      // A token comes every 1000 / perSecond ms.
      expect(Number(a.ms)).toBeGreaterThan(0);
      expect(Number(a.ms)).toBeLessThanOrEqual(Math.ceil(1000 / ASSET_RATE.perSecond));
    }
  });
});

/** sha-256 of bytes, hex. */
async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** What the fake serves for an id (sha-256 and size), asked without counting as a fetch. */
async function served(id: string): Promise<{ sha256: string; bytes: number }> {
  return (await fetch(`http://127.0.0.1:${simPort}/fake/asset-sha?id=${id}`)).json();
}

describe('GET /api/grid/<session>/asset/texture|mesh/<uuid>', () => {
  it('serves a StormArt J2K texture through GetTexture byte for byte, then from the edge cache', async () => {
    const l = await login();
    const first = await soundOnceReady(l, FAKE_TEXTURES.checker, 'texture');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/x-j2c');
    expect(first.headers.get('cache-control')).toContain('immutable');
    expect(first.headers.get('x-storm-cache')).toBe('miss');
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
    expect({ sha256: await sha256(bytes), bytes: bytes.length }).toEqual(await served(FAKE_TEXTURES.checker));
    expect(await fetches(`${FAKE_TEXTURES.checker}@texture`)).toBe(1);
    const second = await asset(l, FAKE_TEXTURES.checker, l.token, 'texture');
    expect(second.headers.get('x-storm-cache')).toBe('hit');
    expect(await sha256(new Uint8Array(await second.arrayBuffer()))).toBe(await sha256(bytes));
    expect(await fetches(FAKE_TEXTURES.checker)).toBe(1);
  });

  it('serves a StormArt LLMesh through GetMesh byte for byte, then from the edge cache', async () => {
    const l = await login();
    const first = await soundOnceReady(l, FAKE_MESHES.gem, 'mesh');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/vnd.ll.mesh');
    const bytes = new Uint8Array(await first.arrayBuffer());
    expect(bytes[0]).toBe(0x7b);
    expect({ sha256: await sha256(bytes), bytes: bytes.length }).toEqual(await served(FAKE_MESHES.gem));
    expect(await fetches(`${FAKE_MESHES.gem}@mesh`)).toBe(1);
    const second = await asset(l, FAKE_MESHES.gem, l.token, 'mesh');
    expect(second.headers.get('x-storm-cache')).toBe('hit');
    await second.body?.cancel();
    expect(await fetches(FAKE_MESHES.gem)).toBe(1);
  });

  it('falls back to ViewerAsset (texture_id, mesh_id) where the region grants no GetTexture or GetMesh', async () => {
    const l = await login(OLD_CAPS_FIRST_NAME);
    const tex = await soundOnceReady(l, FAKE_TEXTURES.rings, 'texture');
    expect(tex.status).toBe(200);
    expect(await sha256(new Uint8Array(await tex.arrayBuffer()))).toBe((await served(FAKE_TEXTURES.rings)).sha256);
    const mesh = await asset(l, FAKE_MESHES.house, l.token, 'mesh');
    expect(mesh.status).toBe(200);
    expect(await sha256(new Uint8Array(await mesh.arrayBuffer()))).toBe((await served(FAKE_MESHES.house)).sha256);
    expect(await fetches(`${FAKE_TEXTURES.rings}@asset`)).toBe(1);
    expect(await fetches(`${FAKE_MESHES.house}@asset`)).toBe(1);
    expect(await fetches(`${FAKE_TEXTURES.rings}@texture`)).toBe(0);
  });

  it('answers missing 404, over 4 MiB, the wrong content type and bytes not of the kind 502, each with its code', async () => {
    const l = await login();
    expect(await code(await soundOnceReady(l, FAKE_TEXTURES.missing, 'texture'))).toEqual([404, 'grid_asset_not_found']);
    expect(await code(await asset(l, FAKE_MESHES.missing, l.token, 'mesh'))).toEqual([404, 'grid_asset_not_found']);
    for (const [id, kind] of [
      [FAKE_TEXTURES.huge, 'texture'],
      [FAKE_MESHES.huge, 'mesh'],
    ] as const) {
      const res = await asset(l, id, l.token, kind);
      const body = await res.json<{ error: { code: string; message: string } }>();
      expect([res.status, body.error.code]).toEqual([502, 'grid_asset_too_large']);
      expect(body.error.message).toMatch(new RegExp(`^grid: ${kind} ${id} .*more than 4194304`));
    }
    expect(await code(await asset(l, FAKE_TEXTURES.html, l.token, 'texture'))).toEqual([502, 'grid_asset_bad_type']);
    expect(await code(await asset(l, FAKE_MESHES.html, l.token, 'mesh'))).toEqual([502, 'grid_asset_bad_type']);
    const png = await asset(l, FAKE_TEXTURES.notJ2k, l.token, 'texture');
    const pngBody = await png.json<{ error: { code: string; message: string } }>();
    expect([png.status, pngBody.error.code]).toEqual([502, 'grid_asset_bad_type']);
    expect(pngBody.error.message).toContain('first bytes');
    expect(await code(await asset(l, FAKE_MESHES.notMesh, l.token, 'mesh'))).toEqual([502, 'grid_asset_bad_type']);
    // Nothing bad is cached: the grid is asked again.
    const before = await fetches(FAKE_TEXTURES.notJ2k);
    await (await asset(l, FAKE_TEXTURES.notJ2k, l.token, 'texture')).body?.cancel();
    expect(await fetches(FAKE_TEXTURES.notJ2k)).toBe(before + 1);
  });
});
