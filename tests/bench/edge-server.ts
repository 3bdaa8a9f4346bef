/**
 * Edge servers for the edge bench with chosen Worker vars (STORM_DEAD_RECKONING=off) and throwaway state.
 *
 * `npm start` (tests/support/dev-server.ts) cannot take a var for one run: the Cloudflare Vite plugin
 * reads `.dev.vars` and, while that file exists, ignores process.env (CLOUDFLARE_INCLUDE_PROCESS_ENV
 * only applies when it falls back to `.env`). So both servers here run the same Worker (wrangler.toml,
 * edge/index.ts, the same .dev.vars for TOKEN_KEY) with the vars added, in a child process (this file
 * with `--serve` or `--workerd`, so that the bench's clients do not share an event loop with it), and
 * keep Durable Object state in a temporary folder that is deleted afterwards. No file of the project is
 * written.
 *
 * - startEdgeServer: a Vite server whose Cloudflare plugin adds the vars through the plugin's `config`
 *   customizer. Sockets pass through Vite's Node WebSocket relay on their way to workerd, as with
 *   `npm start`.
 * - startWorkerdServer: wrangler's dev server (its API, as `wrangler dev` uses it) on the Worker as
 *   `npm run deploy` ships it (built by Vite into the temporary folder), its config copied there (read by
 *   wrangler's own reader, `main` and `assets.directory` made absolute, the vars added to [vars]) beside a
 *   link to the project's .dev.vars,
 *   so that wrangler finds TOKEN_KEY and makes its `.wrangler/tmp` bundle folder there. The returned url
 *   is the Worker's own workerd: nothing relays the sockets, neither Vite nor the ProxyWorker (a second
 *   workerd, idle here) that `wrangler dev` puts in front of it. Source files are not watched, so an
 *   edit made during a run does not reload the Worker.
 *
 * Both resolve once GET /api/health answers 200; `stop` ends the child's process group (SIGTERM, then
 * SIGKILL after 5 s) and deletes the temporary folder.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, type RunningServer } from '../support/dev-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const self = fileURLToPath(import.meta.url);
/**
 * Wrangler's local trace collector (X_LOCAL_OBSERVABILITY, on by default in wrangler and the Vite plugin)
 * streams a trace of every event into a collector in the same workerd and stores it in SQLite: at 200
 * clients it took the room's workerd from 0.31 to 0.88 of a core. That collector is a local development
 * tool (a deployment's logs and traces are gathered by the platform, not by a Worker in the room's own
 * process), so the bench runs without it, as `npm start` does, unless the environment turns it on.
 */
export const LOCAL_TRACING = process.env.X_LOCAL_OBSERVABILITY ?? 'false';
/** The environment of a server child: no prompts or metrics, the local trace setting, the vars and state folder. */
function childEnv(vars: Record<string, string>, state: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    X_LOCAL_OBSERVABILITY: LOCAL_TRACING,
    STORM_BENCH_VARS: JSON.stringify(vars),
    STORM_BENCH_STATE: state,
  };
}
/** What the `--workerd` child prints once it knows the Worker's address. */
const URL_LINE = /^storm-bench-url (http:\/\/127\.0\.0\.1:\d+)\/?$/m;

/** Starts the edge in Vite with `vars` added to wrangler.toml's [vars]; resolves once /api/health answers 200. */
export async function startEdgeServer(vars: Record<string, string>, timeoutMs = 90_000): Promise<RunningServer> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'storm-edge-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve'], {
    cwd: root,
    env: { ...childEnv(vars, state), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return waitForHealth(child, () => `http://127.0.0.1:${port}`, state, timeoutMs);
}

/**
 * Starts the edge in wrangler's dev server with `vars` added to wrangler.toml's [vars]; resolves with the
 * url of the Worker's own workerd (no relay in front) once /api/health answers 200 there.
 */
export async function startWorkerdServer(vars: Record<string, string>, timeoutMs = 90_000): Promise<RunningServer> {
  const state = mkdtempSync(join(tmpdir(), 'storm-edge-bench-'));
  let child: ChildProcess;
  try {
    // cwd is the temporary folder, so tsx is named by its path.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    child = spawn(process.execPath, ['--no-warnings', '--import', tsx, self, '--workerd'], {
      cwd: state,
      env: childEnv(vars, state),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (err) {
    rmSync(state, { recursive: true, force: true });
    throw err;
  }
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  });
  // A failed build leaves wrangler waiting for the next edit: fail at once instead of at the time limit.
  return waitForHealth(child, () => out.match(URL_LINE)?.[1], state, timeoutMs, /Build failed/);
}

/**
 * Waits until the child answers GET /api/health with 200 at `url()` (undefined: not known yet). `stop`
 * ends the child's process group and deletes `state`; on failure the group is ended, `state` deleted
 * and the child's output thrown.
 */
async function waitForHealth(
  child: ChildProcess,
  url: () => string | undefined,
  state: string,
  timeoutMs: number,
  fatal?: RegExp,
): Promise<RunningServer> {
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async (): Promise<void> => {
    const pid = child.pid;
    if (pid !== undefined) {
      const running = child.exitCode === null && child.signalCode === null;
      const exited = running ? new Promise<void>((done) => child.once('exit', () => done())) : Promise.resolve();
      signalGroup(pid, running ? 'SIGTERM' : 'SIGKILL');
      // The child can exit before the workerd it started: wait for the whole group, SIGKILL it after 5 s.
      const killAt = Date.now() + 5000;
      while (signalGroup(pid, 0) && Date.now() < killAt) await new Promise((r) => setTimeout(r, 50));
      if (signalGroup(pid, 0)) signalGroup(pid, 'SIGKILL');
      await exited;
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`bench: edge server exited with ${child.exitCode ?? child.signalCode}:\n${log}`);
    }
    if (fatal?.test(log)) {
      await stop();
      throw new Error(`bench: edge server failed to start:\n${log}`);
    }
    const origin = url();
    if (origin !== undefined) {
      try {
        const res = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(5000) });
        if (res.ok) return { url: origin, process: child, stop };
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`bench: edge server did not answer /api/health within ${timeoutMs} ms:\n${log}`);
}

/** Sends `signal` to process group `pid`; false when the group has no process left (0 only asks). */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The `--workerd` child: wrangler's dev server; prints the url of the Worker's own workerd. */
async function serveWorkerd(): Promise<void> {
  const { experimental_readRawConfig, unstable_startWorker } = await import('wrangler');
  const vars = JSON.parse(process.env.STORM_BENCH_VARS ?? '{}') as Record<string, string>;
  const state = process.env.STORM_BENCH_STATE;
  if (!state) throw new Error('bench: STORM_BENCH_STATE is not set');
  // The Worker as `npm run deploy` ships it: built by Vite (the Cloudflare plugin writes its wrangler config
  // beside it). wrangler's own bundler cannot build it: Rapier's wasm needs the swap in
  // scripts/vite-rapier-workerd.ts (Workers may not compile wasm from bytes at run time).
  const out = join(state, 'dist');
  execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', out, '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // That config as wrangler reads it, its paths made absolute, in the temporary folder.
  const { rawConfig, configPath } = experimental_readRawConfig({ config: join(out, 'stormcore_web/wrangler.json') });
  const base = configPath ? dirname(configPath) : root;
  const config = { ...rawConfig, vars: { ...rawConfig.vars, ...vars } };
  if (config.main) config.main = resolve(base, config.main);
  if (config.assets?.directory) {
    // The bench loads no pages; an empty folder stands in for a client build that is not there.
    let directory = resolve(base, config.assets.directory);
    if (!existsSync(directory)) {
      directory = join(state, 'assets');
      mkdirSync(directory);
    }
    config.assets = { ...config.assets, directory };
  }
  // wrangler looks for secrets next to the config.
  for (const name of ['.dev.vars', '.env']) {
    if (existsSync(join(base, name))) symlinkSync(join(base, name), join(state, name));
  }
  const path = join(state, 'wrangler.json');
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  const worker = await unstable_startWorker({
    config: path,
    dev: {
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      watch: false,
      persist: join(state, 'persist'),
    },
  });
  const stop = async () => {
    await worker.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await worker.ready;
  // worker.url is wrangler's ProxyWorker; the Worker's own Miniflare appears once its first build has loaded.
  const deadline = Date.now() + 120_000;
  let mf = worker.raw.runtimes.find((r) => r.mf)?.mf;
  while (!mf && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    mf = worker.raw.runtimes.find((r) => r.mf)?.mf;
  }
  if (!mf) throw new Error('bench: wrangler started no local runtime');
  const url = await mf.ready;
  console.log(`storm-bench-url ${url.origin}`);
  console.error(`bench: edge (workerd) on ${url.origin}/ with ${JSON.stringify(vars)}`);
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

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  if (process.argv.includes('--serve')) await serve();
  else if (process.argv.includes('--workerd')) await serveWorkerd();
}
