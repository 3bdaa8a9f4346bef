/**
 * The production build as people get it, served locally: `vite build` into a temporary folder (the client bundle and
 * the edge Worker), `vite preview` serving it (the Cloudflare plugin runs the built Worker in workerd), and the UDP
 * relay beside it, as `npm start` runs it (OpenSim visits need it). For benchmarks that compare the dev server with
 * what a deployment serves.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type RunningServer } from './dev-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const vite = join(root, 'node_modules/vite/bin/vite.js');

export interface PreviewServer extends RunningServer {
  /** How long `vite build` took (ms). */
  buildMs: number;
}

/** Stops a detached child's whole process group (SIGTERM, SIGKILL after 5 s). */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-pid, 'SIGTERM');
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

/**
 * Builds the viewer and edge into a temporary folder and serves it with `vite preview` on a free loopback port, with
 * the relay on its usual port; resolves once GET /api/health answers 200. `stop()` ends both and removes the build.
 */
export async function startPreviewServer(timeoutMs = 90_000): Promise<PreviewServer> {
  const out = mkdtempSync(join(tmpdir(), 'stormcore-build-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', X_LOCAL_OBSERVABILITY: 'false', CI: 'true' };
  const started = performance.now();
  const build = spawnSync(process.execPath, [vite, 'build', '--outDir', out, '--logLevel', 'warn'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  const buildMs = performance.now() - started;
  if (build.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`preview: vite build failed (${build.status}):\n${build.stderr}`);
  }
  // The built Worker's local secrets: at preview time the plugin reads <outDir>/<worker>/.dev.vars.
  writeFileSync(join(out, 'stormcore_web', '.dev.vars'), `TOKEN_KEY=${randomBytes(32).toString('base64url')}\n`, {
    mode: 0o600,
  });
  const port = await freePort();
  let log = '';
  const collect = (child: ChildProcess): ChildProcess => {
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    return child;
  };
  const relay = collect(
    spawn(process.execPath, ['--import', 'tsx', 'edge/relay/main.ts'], {
      cwd: root,
      env: { ...env, RELAY_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  const preview = collect(
    spawn(process.execPath, [vite, 'preview', '--outDir', out, '--port', String(port), '--strictPort'], {
      cwd: root,
      env: { ...env, PORT: String(port), STORM_STATE_DIR: mkdtempSync(join(tmpdir(), 'stormcore-state-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await Promise.all([stopGroup(preview), stopGroup(relay)]);
    rmSync(out, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (preview.exitCode !== null) {
      await stop();
      throw new Error(`preview: vite preview exited with ${preview.exitCode}:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return { url, process: preview, stop, buildMs };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`preview: the built viewer did not answer /api/health within ${timeoutMs} ms:\n${log}`);
}
