import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const get = (path: string) => exports.default.fetch(new Request(`http://edge.test${path}`));

describe('the built Worker puts isolation headers on what it serves', () => {
  it('sends COOP + COEP on pages and assets', async () => {
    for (const path of ['/', '/assets/anything.js', '/#/fv/plaza/128/128/25']) {
      const res = await get(path);
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), path).toBe('require-corp');
      expect(res.headers.get('document-isolation-policy'), path).toBeNull();
    }
    // The first request warms the Worker and its assets up: seconds on a busy 2-core machine.
  }, 30_000);

  it('sends Document-Isolation-Policy (and COEP, not COOP) on the embed route', async () => {
    for (const path of ['/embed', '/embed/', '/embed?x=1']) {
      const res = await get(path);
      expect(res.headers.get('document-isolation-policy'), path).toBe('isolate-and-require-corp');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBeNull();
      expect(res.headers.get('cross-origin-embedder-policy'), path).toBe('require-corp');
    }
  });

  it('lets other sites import the embed SDK and the scripts it shares (CORS), and nothing else', async () => {
    for (const path of ['/embed-sdk.js', '/assets/protocol-abc123.js'])
      expect((await get(path)).headers.get('access-control-allow-origin'), path).toBe('*');
    for (const path of ['/', '/embed', '/api/health', '/assets/main.css'])
      expect((await get(path)).headers.get('access-control-allow-origin'), path).toBeNull();
  });

  it('serves the plugin sandbox with a policy that allows no connections and no script but data: URLs, and only it', async () => {
    const res = await get('/plugin-sandbox.js');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; script-src data:; worker-src 'none'");
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    for (const path of ['/', '/embed', '/plugin-sandbox.js.map', '/plugins/chat-log/index.js'])
      expect((await get(path)).headers.get('content-security-policy'), path).toBeNull();
  });
});
