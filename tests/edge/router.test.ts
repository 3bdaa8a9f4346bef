import { exports } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { handleError } from '../../edge/errors';

const get = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://edge.test${path}`, init));

describe('edge router', () => {
  it('answers /api/health with the build version and isolation headers', async () => {
    const res = await get('/api/health');
    expect(res.status).toBe(200);
    const body = await res.json<{ ok: boolean; version: string; service: string }>();
    expect(body).toMatchObject({ ok: true, service: 'stormcore-edge', version: '0.1.0' });
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('answers an unknown /api route with 404 JSON', async () => {
    const res = await get('/api/does-not-exist', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'edge: no API route POST /api/does-not-exist' },
    });
  });

  it('turns a thrown error into 500 with a code and no stack', async () => {
    const app = new Hono();
    app.get('/boom', () => {
      throw new Error('secret internals at line 42');
    });
    app.onError(handleError);
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: 'edge: internal error; the request was not completed' },
    });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('at ');
  });
});
