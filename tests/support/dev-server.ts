/** Starts `npm start`'s server (scripts/start.mjs) on a free loopback port for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

/** Where a dev server listens and keeps its state (defaults: a free port, a fresh temporary folder). */
export interface DevServerPlace {
  readonly port?: number;
  /** Its Durable Objects' state: a restart on the same folder keeps the worlds (the load recorder restarts it). */
  readonly stateDir?: string;
}

/**
 * Spawns the dev server and resolves once GET /api/health answers 200 (or rejects after `timeoutMs`); `env` adds
 * variables (STORM_DEV_AI_ENDPOINT: the language model the edge asks).
 */
export async function startDevServer(
  timeoutMs = 90_000,
  env: Record<string, string> = {},
  place: DevServerPlace = {},
): Promise<RunningServer> {
  const port = place.port ?? (await freePort());
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    // A fresh Durable Object state per server: tests never see (or leave) another run's worlds.
    env: {
      ...process.env,
      PORT: String(port),
      CI: 'true',
      WRANGLER_SEND_METRICS: 'false',
      STORM_STATE_DIR: place.stateDir ?? mkdtempSync(join(tmpdir(), 'stormcore-state-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  // The last 64 KiB is what an error shows (a recorder's server runs for minutes).
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`e2e: dev server exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`e2e: dev server did not answer /api/health within ${timeoutMs} ms:\n${log}`);
}
