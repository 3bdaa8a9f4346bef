/**
 * A dev edge for the edge bench with chosen Worker vars (STORM_DEAD_RECKONING=off) and throwaway state.
 *
 * `npm start` (tests/support/dev-server.ts) cannot take a var for one run: the Cloudflare Vite plugin
 * reads `.dev.vars` and, while that file exists, ignores process.env (CLOUDFLARE_INCLUDE_PROCESS_ENV
 * only applies when it falls back to `.env`). So this helper runs the same Worker (wrangler.toml,
 * edge/index.ts, the same .dev.vars for TOKEN_KEY) in its own Vite server whose plugin adds the vars
 * through the plugin's `config` customizer, and keeps Durable Object state in a temporary folder that is
 * deleted afterwards. No file of the project is written. The server runs in a child process (this file
 * with `--serve`) so that the bench's clients do not share an event loop with Vite's WebSocket relay.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, type RunningServer } from '../support/dev-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const self = fileURLToPath(import.meta.url);

/** Starts the edge with `vars` added to wrangler.toml's [vars]; resolves once /api/health answers 200. */
export async function startEdgeServer(vars: Record<string, string>, timeoutMs = 90_000): Promise<RunningServer> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'storm-edge-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      CI: 'true',
      WRANGLER_SEND_METRICS: 'false',
      STORM_BENCH_VARS: JSON.stringify(vars),
      STORM_BENCH_STATE: state,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const pid = child.pid;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`bench: edge server exited with ${child.exitCode}:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`bench: edge server did not answer /api/health within ${timeoutMs} ms:\n${log}`);
}

/** The child: a Vite server with only the Cloudflare plugin (the bench loads no pages). */
async function serve(): Promise<void> {
  const { createServer } = await import('vite');
  const { cloudflare } = await import('@cloudflare/vite-plugin');
  const vars = JSON.parse(process.env.STORM_BENCH_VARS ?? '{}') as Record<string, string>;
  const state = process.env.STORM_BENCH_STATE;
  if (!state) throw new Error('bench: STORM_BENCH_STATE is not set');
  const port = Number(process.env.PORT);
  const server = await createServer({
    configFile: false,
    root: `${root}web`,
    publicDir: false,
    envDir: root,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
    plugins: [
      cloudflare({
        configPath: `${root}wrangler.toml`,
        persistState: { path: state },
        inspectorPort: false,
        config: (config) => ({ vars: { ...config.vars, ...vars } }),
      }),
    ],
  });
  await server.listen();
  console.error(`bench: edge on http://127.0.0.1:${port}/ with ${JSON.stringify(vars)}`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv.includes('--serve')) await serve();
