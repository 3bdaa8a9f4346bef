/** A loopback server for plugin tests and benches: plugin fixtures under /<name>/, and a log of every request. */
import { createHash } from 'node:crypto';
import http from 'node:http';

/** One plugin: its code and manifest fields beyond the defaults (name, version 1.0.0, storm ^1.0.0, ./index.js, integrity). */
export interface Served {
  manifest: Record<string, unknown>;
  code: string;
}

/** The SRI integrity the fixture server gives `served`'s entry. */
export function integrityOf(served: Served): string {
  return `sha384-${createHash('sha384').update(served.code).digest('base64')}`;
}

/** The operator-list entry (TRUSTED_PLUGINS) for fixture `name` served at `url`. */
export function trustedEntry(url: string, name: string, served: Served): { url: string; integrity: string } {
  return { url: `${url}/${name}/storm-plugin.json`, integrity: integrityOf(served) };
}

/**
 * The plugin the e2e dev server's operator list trusts: three green local spheres above the plaza that bob each
 * frame, and two spellings of one world query per frame (the second is a cache hit).
 */
export const TRUSTED_E2E_PLUGIN: { name: string; served: Served } = {
  name: 'e2e-beacons',
  served: {
    manifest: { permissions: ['world:read', 'world:local', 'ui:panel'] },
    code: `const ids = [];
let t = 0;
export async function init(ctx) {
  for (let i = 0; i < 3; i++) ids.push(ctx.world.local.create({ shape: 'sphere', color: [0, 1, 0], position: [120 + 3 * i, 128, 30] }));
  await ctx.ui.panel({ title: 'beacons', items: [{ kind: 'field', label: 'local', value: String(ctx.world.local.count()) }] });
}
export function update(dt, ctx) {
  t += dt;
  ids.forEach((id, i) => ctx.world.local.update(id, { position: [120 + 3 * i, 128, 30 + Math.sin(t + i)] }));
  ctx.world.query({ all: ['Avatar', 'Transform'] });
  ctx.world.query({ all: ['Transform', 'Avatar', 'Avatar'] });
}`,
  },
};

/** Plugins the e2e dev server serves from a temporary folder at /dev-plugins/ (hot reload): a panel that says its version. */
export const HOT_E2E_PLUGINS = new Map<string, Served>([
  [
    'hot-panel',
    {
      manifest: { permissions: ['ui:panel'] },
      code: `export async function init(ctx) { await ctx.ui.panel({ title: 'hot', items: [{ kind: 'text', text: 'version one' }] }); }\n`,
    },
  ],
]);

/** A loopback server: plugin fixtures under /<name>/, and a log of every request. */
export async function serve(fixtures: Map<string, Served>): Promise<{ url: string; seen: string[]; close: () => void }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const [, name, file] = (req.url ?? '').split('/');
    const f = fixtures.get(name ?? '');
    if (f && file === 'storm-plugin.json') {
      const integrity = integrityOf(f);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ version: '1.0.0', storm: '^1.0.0', entry: './index.js', integrity, name, ...f.manifest }));
    } else if (f && file === 'index.js') {
      res.setHeader('Content-Type', 'text/javascript');
      res.end(f.code);
    } else res.end('spy');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}
