/** A loopback server for plugin tests and benches: plugin fixtures under /<name>/, and a log of every request. */
import { createHash } from 'node:crypto';
import http from 'node:http';

/** One plugin: its code and manifest fields beyond the defaults (name, version 1.0.0, storm ^1.0.0, ./index.js, integrity). */
export interface Served {
  manifest: Record<string, unknown>;
  code: string;
}

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
      const integrity = `sha384-${createHash('sha384').update(f.code).digest('base64')}`;
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
