/**
 * GET /api/grid/<session>/asset/<kind>/<uuid> inside workerd: a grid session logged into the fake simulator
 * (tests/support/fake-sim.ts), whose ViewerAsset capability serves the real StormArt tone and a few bad answers.
 */
import { describe, expect, inject, it } from 'vitest';
import { FAKE_SOUNDS } from '../support/fake-sounds';
import { call, post, tokenWith } from './support';

const simPort = inject('gridFakeSimPort');
const loginUri = `http://127.0.0.1:${simPort}/`;

interface Login {
  session: string;
  token: string;
}

async function login(): Promise<Login> {
  const res = await post('/api/grid/login', { loginUri, first: 'Test', last: 'User', password: 'password' });
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

/** The seed capability is asked right after login; the ViewerAsset URL arrives shortly after. */
async function soundOnceReady(l: Login, id: string): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    const res = await asset(l, id);
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
    expect(await code(await asset(l, FAKE_SOUNDS.tone, l.token, 'texture'))).toEqual([400, 'grid_bad_request']);
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

  it('limits how fast one session fetches from the grid (429 with its code)', async () => {
    const l = await login();
    await (await soundOnceReady(l, FAKE_SOUNDS.missing)).body?.cancel();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await asset(l, FAKE_SOUNDS.missing);
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 404).length).toBeGreaterThan(20);
  });
});
