/**
 * Edge load bench (`npm run bench:edge`): N simulated clients in the world "plaza", loopback only.
 *
 * 1. Starts an edge server, per BENCH_EDGE_SERVER: workerd (default) edge-server.ts's wrangler dev server
 *    (the same Worker, throwaway state, edits not watched), the clients connecting to the Worker's workerd
 *    directly: no Vite Node WebSocket relay (nor wrangler's ProxyWorker) in front, as in a deployment, so
 *    the figures are the room's own; dev: `npm start`'s server (tests/support/dev-server.ts: Vite + the
 *    edge in workerd, relay off), whose Node relay passes every frame on and saturates first (a
 *    development tool, not what visitors reach); bench: edge-server.ts's Vite server (same Worker,
 *    throwaway state, not restarted by vite.config.ts edits).
 *    For each N in BENCH_EDGE_CLIENTS (50, 100, 200): N tokens from POST /api/session, N sockets on
 *    /ws/world/plaza, each sending input at 20 Hz and reversing its walking direction once a second
 *    (reversals spread evenly over the second, each at one of 10 speeds so that an observer knows which
 *    reversal a velocity shows); after a warm-up, BENCH_EDGE_SECONDS (30) are measured:
 *    - msgs_per_s: frames received by all clients in the window / window seconds;
 *    - bytes_per_client_s: WebSocket message payload bytes (no WebSocket/TCP framing) received in the
 *      window / clients / seconds;
 *    - p50_ms/p99_ms: input-to-others'-delta latency. A mover records performance.now() just before it
 *      sends the input that reverses its direction; an observer (BENCH_EDGE_OBSERVERS of the N clients
 *      decode every frame) records now − that time when a delta first shows the mover at that reversal
 *      or a later one (a change counts as delivered once seen or superseded; changes no observer saw
 *      by the end make the percentiles that reach them null). It includes the client's send, the
 *      Vite relay both ways (none with BENCH_EDGE_SERVER=workerd), the room's wait for its next 50 ms
 *      tick (0–50 ms by design), encoding, and the observer's event loop. Clients and edge share this
 *      machine's cores, and one clock (same process) times both ends;
 *    - dropped: sockets closed without the bench asking, plus joins that failed.
 * 2. Dead reckoning: one observer that stands still and BENCH_EDGE_DR_MOVERS (20) movers (same walk),
 *    measured with STORM_DEAD_RECKONING on and off (edge-server.ts: same Worker, var added through the
 *    Vite plugin's config, or with BENCH_EDGE_SERVER=workerd through a temporary copy of wrangler.toml
 *    for wrangler's dev server; throwaway state; .dev.vars untouched). Reports payload bytes per second the
 *    observer receives per visible moving avatar.
 *
 * Writes bench/results/edge.json: {"runs": [{clients, p50_ms, p99_ms, msgs_per_s, bytes_per_client_s,
 * dropped}], "dead_reckoning": {...}} plus writeReport's fields (cases hold the latency per N; extra.server
 * names the server kind).
 * Bounded: every wait has a time limit, the whole bench a watchdog; sockets and servers are closed on
 * every path. Options (environment): BENCH_EDGE_SECONDS=30, BENCH_EDGE_CLIENTS=50,100,200,
 * BENCH_EDGE_OBSERVERS=20, BENCH_EDGE_WARMUP_SECONDS=3, BENCH_EDGE_DR_MOVERS=20,
 * BENCH_EDGE_DR_SECONDS (default BENCH_EDGE_SECONDS), BENCH_EDGE_DR=0 skips part 2, BENCH_EDGE_SERVER=dev|bench|
 * workerd (default workerd) picks part 1's server; with workerd, part 2 runs on workerd directly too.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SessionAnswer, type SessionRequest } from '../../shared/protocol';
import type { RunningServer } from '../support/dev-server';
import { startDevServer } from '../support/dev-server';
import { RunState, SimClient } from './edge-client';
import { LOCAL_TRACING, startEdgeServer, startWorkerdServer } from './edge-server';
import { type CaseResult, writeReport } from './report';

const WORLD = 'plaza';
const INPUT_HZ = 20;
const INPUT_PERIOD_MS = 1000 / INPUT_HZ;
/** Inputs per reversal: once a second at 20 Hz. */
const FLIP_EVERY = INPUT_HZ;
const CONNECT_TIMEOUT_MS = 20_000;
const JOIN_PHASE_MS = 180_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** After the window, how long late deltas may still be observed. */
const DRAIN_MS = 3_000;

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`bench: ${name} must be a number in [${min}, ${max}], got ${raw}`);
  return n;
}

const seconds = envNumber('BENCH_EDGE_SECONDS', 30, 1, 600);
const warmup = envNumber('BENCH_EDGE_WARMUP_SECONDS', 3, 0, 60);
const observersWanted = Math.floor(envNumber('BENCH_EDGE_OBSERVERS', 20, 1, 1000));
const drMovers = Math.floor(envNumber('BENCH_EDGE_DR_MOVERS', 20, 1, 500));
const drSeconds = envNumber('BENCH_EDGE_DR_SECONDS', seconds, 1, 600);
const drEnabled = process.env.BENCH_EDGE_DR !== '0';
/**
 * workerd (default): edge-server.ts's wrangler dev server, clients connected to workerd directly; dev: `npm start`'s
 * server; bench: edge-server.ts's Vite server (same Worker, throwaway state, ignores vite.config.ts edits).
 */
const SERVER_KINDS = {
  dev: '`npm start` (Vite with the Cloudflare plugin: Node WebSocket relay in front of workerd)',
  bench: 'tests/bench/edge-server.ts Vite server (Node WebSocket relay in front of workerd)',
  workerd:
    "tests/bench/edge-server.ts wrangler dev server (clients connect to the Worker's workerd directly: no Vite relay, no wrangler ProxyWorker)",
} as const;
const serverKind = process.env.BENCH_EDGE_SERVER || 'workerd';
if (!Object.hasOwn(SERVER_KINDS, serverKind))
  throw new Error(`bench: BENCH_EDGE_SERVER is dev, bench or workerd, got ${serverKind}`);
const serverWhat = SERVER_KINDS[serverKind as keyof typeof SERVER_KINDS];
const clientCounts = (process.env.BENCH_EDGE_CLIENTS ?? '50,100,200').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 2 || n > 1000)
    throw new Error(`bench: BENCH_EDGE_CLIENTS entries must be integers in [2, 1000], got ${s}`);
  return n;
});
process.env.STORM_NO_RELAY ??= '1';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- resources, closed on every path ----

const liveClients = new Set<SimClient>();
const liveServers = new Set<RunningServer>();
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled([...liveClients].map((c) => c.close(CLOSE_TIMEOUT_MS)));
    liveClients.clear();
    await Promise.allSettled([...liveServers].map((s) => s.stop()));
    liveServers.clear();
  })();
  return cleaning;
}

// The whole bench is bounded: joins, measured windows, server starts and teardown, with margin.
// Per run: a fresh server (up to 90 s to start, 5 s to stop), joins, warm-up, window, drain, closing.
const perRunS = 100 + (JOIN_PHASE_MS + DRAIN_MS) / 1000 + warmup + CLOSE_TIMEOUT_MS / 1000 + 10;
const limitS = clientCounts.length * (perRunS + seconds) + (drEnabled ? 2 * (perRunS + drSeconds) : 0);
const watchdog = setTimeout(() => {
  console.error(`bench: edge bench ran past its ${limitS} s limit; stopping`);
  void cleanup().finally(() => process.exit(1));
}, limitS * 1000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}; closing sockets and servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- helpers ----

async function token(origin: string): Promise<string> {
  const res = await fetch(`${origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ world: WORLD } satisfies SessionRequest),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`POST /api/session answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = SessionAnswer.safeParse(await res.json());
  if (!body.success) throw new Error('POST /api/session answered without a token');
  return body.data.token;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Nearest-rank percentile of `sorted` plus `unseen` samples of unknown, larger latency (changes no
 * observer saw by the end): NaN when the rank falls among those, so a percentile is never understated.
 */
function percentile(sorted: Float64Array, p: number, unseen = 0): number {
  const total = sorted.length + Math.max(0, unseen);
  if (total === 0) return Number.NaN;
  const rank = Math.min(total - 1, Math.max(0, Math.ceil((p / 100) * total) - 1));
  return rank < sorted.length ? (sorted[rank] ?? Number.NaN) : Number.NaN;
}

const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

/** CPU seconds used so far by `pid` and all its descendants, and by the workerd among them (Linux /proc). */
function treeCpuSeconds(pid: number | undefined): { total: number; workerd: number } {
  const none = { total: 0, workerd: 0 };
  if (pid === undefined) return none;
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  const workerd = new Set<number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return none;
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (stat.includes('(workerd)')) workerd.add(Number(e));
      parent.set(Number(e), Number(f[1]));
      cpu.set(Number(e), (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // exited meanwhile
    }
  }
  const out = { total: 0, workerd: 0 };
  for (const [p, c] of cpu) {
    let q: number | undefined = p;
    for (let depth = 0; q !== undefined && q > 1 && depth < 32; depth++) {
      if (q === pid) {
        out.total += c;
        if (workerd.has(p)) out.workerd += c;
        break;
      }
      q = parent.get(q);
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all processes, other people's work included). */
function machineCpu(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

interface Spec {
  label: string;
  /** Client i walks (true) or stands still and observes (false). */
  moving: (i: number) => boolean;
  observing: (i: number) => boolean;
}

interface Outcome {
  clients: number;
  joined: number;
  observers: number;
  windowS: number;
  state: RunState;
  /** For changes no observer saw by the end of the drain: the time since they were sent (ms). */
  lowerBounds: number[];
  frames: number;
  bytes: number;
  /** Per client: bytes received in the window (index = client number). */
  clientBytes: number[];
  clientFrames: number[];
  /** Frames the clients sent in the window. */
  sent: number;
  benchCpuCores: number;
  serverCpuCores: number;
  workerdCpuCores: number;
  machineBusy: number;
  loadavg: number[];
  loopDelayP99Ms: number;
}

/** Joins `n` clients, walks them, measures one window, closes them. */
async function runClients(server: RunningServer, n: number, spec: Spec, windowS: number): Promise<Outcome> {
  const origin = server.url;
  // The server's output during the run (its tail goes into the report when sockets drop).
  let serverLog = '';
  const keep = (d: Buffer) => {
    serverLog = (serverLog + d.toString()).slice(-4000);
  };
  server.process.stdout?.on('data', keep);
  server.process.stderr?.on('data', keep);
  const state = new RunState();
  const ws = origin.replace(/^http/, 'ws');
  const clients: (SimClient | null)[] = new Array(n).fill(null);
  const observers = Array.from({ length: n }, (_, i) => spec.observing(i)).filter(Boolean).length;
  state.observers = observers;
  const created: SimClient[] = [];
  const joinDeadline = Date.now() + JOIN_PHASE_MS;
  console.error(`bench: ${spec.label}: joining ${n} clients (${observers} observing)`);
  const t0 = performance.now();
  try {
    await pool(
      Array.from({ length: n }, (_, i) => i),
      8,
      async (i) => {
        if (Date.now() > joinDeadline) {
          state.joinFailed += 1;
          return;
        }
        try {
          const t = await token(origin);
          const c = new SimClient({
            url: `${ws}/ws/world/${WORLD}`,
            world: WORLD,
            token: t,
            state,
            observe: spec.observing(i),
            // Headings spread by the golden angle, so avatars walk in many directions.
            heading: spec.moving(i) ? (i * 2.399963229728653) % (2 * Math.PI) : null,
            flipEvery: FLIP_EVERY,
            flipPhase: i % FLIP_EVERY,
          });
          liveClients.add(c);
          created.push(c);
          await c.connect(CONNECT_TIMEOUT_MS);
          clients[i] = c;
        } catch (err) {
          state.joinFailed += 1;
          if (state.closeReasons.length < 20)
            state.closeReasons.push(`join: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    );
    const joined = clients.filter((c) => c !== null).length;
    console.error(`bench: ${spec.label}: ${joined}/${n} joined in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    clients.forEach((c, i) => {
      c?.startInput(INPUT_PERIOD_MS, (i / n) * INPUT_PERIOD_MS);
    });
    await sleep(warmup * 1000);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const startFrames = clients.map((c) => c?.frames ?? 0);
    const startBytes = clients.map((c) => c?.bytes ?? 0);
    const sent0 = state.sent;
    const server0 = treeCpuSeconds(server.process.pid);
    const frames0 = state.frames;
    const bytes0 = state.bytes;
    const cpu0 = process.cpuUsage();
    const m0 = machineCpu();
    state.windowStart = performance.now();
    state.windowEnd = state.windowStart + windowS * 1000;
    loop.enable();
    await sleep(windowS * 1000);
    loop.disable();
    const realS = (performance.now() - state.windowStart) / 1000;
    const frames = state.frames - frames0;
    const bytes = state.bytes - bytes0;
    const cpu = process.cpuUsage(cpu0);
    const server1 = treeCpuSeconds(server.process.pid);
    const sent = state.sent - sent0;
    const m1 = machineCpu();
    const clientBytes = clients.map((c, i) => (c ? c.bytes - (startBytes[i] ?? 0) : 0));
    const clientFrames = clients.map((c, i) => (c ? c.frames - (startFrames[i] ?? 0) : 0));
    for (const c of clients) c?.stopInput();
    await sleep(DRAIN_MS);
    const lowerBounds: number[] = [];
    const drained = performance.now();
    for (const c of clients) c?.unseenLowerBounds(drained, lowerBounds);
    return {
      lowerBounds,
      clients: n,
      joined,
      observers,
      windowS: realS,
      state,
      frames,
      bytes,
      clientBytes,
      clientFrames,
      sent,
      benchCpuCores: (cpu.user + cpu.system) / 1e6 / realS,
      serverCpuCores: (server1.total - server0.total) / realS,
      workerdCpuCores: (server1.workerd - server0.workerd) / realS,
      machineBusy: m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : Number.NaN,
      loadavg: loadavg().map((x) => round(x) ?? 0),
      loopDelayP99Ms: loop.percentile(99) / 1e6,
    };
  } finally {
    await Promise.allSettled(created.map((c) => c.close(CLOSE_TIMEOUT_MS)));
    for (const c of created) liveClients.delete(c);
    server.process.stdout?.off('data', keep);
    server.process.stderr?.off('data', keep);
    if (state.dropped + state.joinFailed > 0) {
      state.serverLog = serverLog;
      console.error(`bench: ${spec.label}: sockets dropped; the server said:\n${serverLog.slice(-1500)}`);
    }
  }
}

interface Run {
  clients: number;
  p50_ms: number | null;
  p99_ms: number | null;
  msgs_per_s: number | null;
  bytes_per_client_s: number | null;
  dropped: number;
}

function summarize(o: Outcome): { run: Run; detail: Record<string, unknown>; latency: CaseResult | null } {
  const lat = Float64Array.from(o.state.latencies).sort();
  const unseen = Math.max(0, o.state.expectedSamples - lat.length);
  // Lower bounds of the true percentiles: unseen changes count with the time they had waited by the end.
  const bounded = Float64Array.from([...o.state.latencies, ...o.lowerBounds]).sort();
  const joined = Math.max(1, o.joined);
  const run: Run = {
    clients: o.clients,
    p50_ms: round(percentile(lat, 50, unseen)),
    p99_ms: round(percentile(lat, 99, unseen)),
    msgs_per_s: round(o.frames / o.windowS, 1),
    bytes_per_client_s: round(o.bytes / joined / o.windowS, 1),
    dropped: o.state.dropped + o.state.joinFailed,
  };
  const perClient = o.clientBytes.filter((_, i) => i < o.clients).map((b) => b / o.windowS);
  const detail = {
    clients: o.clients,
    joined: o.joined,
    join_failed: o.state.joinFailed,
    closed_unasked: o.state.dropped,
    close_reasons: o.state.closeReasons,
    server_log_tail: o.state.serverLog || undefined,
    error_frames: Object.fromEntries(o.state.errorCodes),
    window_s: round(o.windowS, 3),
    observers: o.observers,
    latency_samples: lat.length,
    latency_expected: o.state.expectedSamples,
    latency_unseen: unseen,
    latency_unmatched: o.state.unmatched,
    latency_note:
      unseen > 0
        ? `${unseen} changes were never seen by an observer within ${DRAIN_MS / 1000} s after the window; percentiles that fall among them are null`
        : undefined,
    latency_unseen_listed: o.lowerBounds.length,
    latency_p50_at_least_ms: unseen > 0 ? round(percentile(bounded, 50)) : undefined,
    latency_p99_at_least_ms: unseen > 0 ? round(percentile(bounded, 99)) : undefined,
    latency_p50_seen_only_ms: round(percentile(lat, 50)),
    latency_p99_seen_only_ms: round(percentile(lat, 99)),
    latency_mean_ms: round(lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : Number.NaN),
    latency_p90_ms: round(percentile(lat, 90, unseen)),
    latency_max_ms: round(lat.length ? (lat[lat.length - 1] ?? Number.NaN) : Number.NaN),
    frames_per_client_s: round(o.frames / joined / o.windowS, 2),
    bytes_per_client_s_min: round(Math.min(...perClient), 1),
    bytes_per_client_s_max: round(Math.max(...perClient), 1),
    bytes_per_visible_moving_avatar_s: round(o.bytes / joined / o.windowS / Math.max(1, o.joined - 1), 1),
    client_frames_sent_per_s: round(o.sent / o.windowS, 1),
    server_cpu_cores: round(o.serverCpuCores, 3),
    workerd_cpu_cores: round(o.workerdCpuCores, 3),
    bench_process_cpu_cores: round(o.benchCpuCores, 3),
    bench_event_loop_delay_p99_ms: round(o.loopDelayP99Ms),
    machine_cpu_busy: round(o.machineBusy, 3),
    loadavg: o.loadavg,
  };
  const latency: CaseResult | null = lat.length
    ? {
        name: `clients_${o.clients}_input_to_delta_latency`,
        median_ms: percentile(lat, 50),
        min_ms: lat[0] ?? Number.NaN,
        max_ms: lat[lat.length - 1] ?? Number.NaN,
        samples: lat.length,
      }
    : null;
  return { run, detail, latency };
}

/**
 * A fresh server of BENCH_EDGE_SERVER's kind. With `vars` (which `npm start` cannot take), dev runs
 * edge-server.ts's Vite server instead; workerd stays workerd.
 */
function startServer(vars?: Record<string, string>): Promise<RunningServer> {
  if (serverKind === 'workerd') return startWorkerdServer(vars ?? {});
  if (serverKind === 'bench' || vars) return startEdgeServer(vars ?? {});
  return startDevServer();
}

/** One observer standing still among `movers` walkers; bytes it receives per second per moving avatar. */
async function deadReckoningRun(on: boolean): Promise<Record<string, unknown>> {
  const server = await startServer({ STORM_DEAD_RECKONING: on ? 'on' : 'off' });
  liveServers.add(server);
  try {
    const n = drMovers + 1;
    const o = await runClients(
      server,
      n,
      { label: `dead reckoning ${on ? 'on' : 'off'}`, moving: (i) => i > 0, observing: (i) => i === 0 },
      drSeconds,
    );
    const observerBytes = o.clientBytes[0] ?? 0;
    const observerFrames = o.clientFrames[0] ?? 0;
    const visible = o.joined - 1;
    return {
      dead_reckoning: on,
      movers: visible,
      window_s: round(o.windowS, 3),
      bytes_per_avatar_s: round(observerBytes / o.windowS / Math.max(1, visible), 1),
      observer_bytes_per_s: round(observerBytes / o.windowS, 1),
      observer_frames_per_s: round(observerFrames / o.windowS, 2),
      updates_per_avatar_s: round(o.state.updatesSeen / o.windowS / Math.max(1, visible), 2),
      dropped: o.state.dropped + o.state.joinFailed,
      error_frames: Object.fromEntries(o.state.errorCodes),
      server_cpu_cores: round(o.serverCpuCores, 3),
      machine_cpu_busy: round(o.machineBusy, 3),
    };
  } finally {
    await server.stop();
    liveServers.delete(server);
  }
}

// ---- main ----

const runs: Run[] = [];
const details: Record<string, unknown>[] = [];
const cases: CaseResult[] = [];
let deadReckoning: Record<string, unknown> = { skipped: 'BENCH_EDGE_DR=0' };
let exitCode = 0;
try {
  for (const n of clientCounts) {
    // A fresh server per run: an overloaded room keeps working off the last run's frames long after
    // its sockets closed, which would slow the next run's joins.
    console.error(`bench: edge: starting ${serverKind} server (${serverWhat}) for ${n} clients × ${seconds} s`);
    const server = await startServer();
    liveServers.add(server);
    try {
      const step = Math.max(1, Math.floor(n / observersWanted));
      const o = await runClients(
        server,
        n,
        { label: `${n} clients`, moving: () => true, observing: (i) => i % step === 0 && i / step < observersWanted },
        seconds,
      );
      const s = summarize(o);
      runs.push(s.run);
      details.push(s.detail);
      if (s.latency) cases.push(s.latency);
      console.error(`bench: ${n} clients:`, JSON.stringify(s.run));
    } finally {
      await server.stop();
      liveServers.delete(server);
    }
  }
  if (drEnabled) {
    const on = await deadReckoningRun(true);
    const off = await deadReckoningRun(false);
    const onB = typeof on.bytes_per_avatar_s === 'number' ? on.bytes_per_avatar_s : Number.NaN;
    const offB = typeof off.bytes_per_avatar_s === 'number' ? off.bytes_per_avatar_s : Number.NaN;
    deadReckoning = {
      what: `payload bytes/s one standing observer receives per visible moving avatar; ${drMovers} movers walking at 1.65-3 m/s, reversing once a second`,
      on_bytes_per_avatar_s: onB,
      off_bytes_per_avatar_s: offB,
      goal_bytes_per_avatar_s: 1024,
      on,
      off,
    };
    console.error('bench: dead reckoning:', JSON.stringify({ on: onB, off: offB }));
  }
} catch (err) {
  exitCode = 1;
  console.error('bench: edge bench failed:', err instanceof Error ? (err.stack ?? err.message) : err);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}

if (runs.length > 0) {
  const last = runs.find((r) => r.clients === 200);
  const ms: Record<string, number> = {};
  for (const r of runs) {
    if (r.p50_ms !== null) ms[`clients_${r.clients}_p50`] = r.p50_ms;
    if (r.p99_ms !== null) ms[`clients_${r.clients}_p99`] = r.p99_ms;
  }
  const ratios: Record<string, number> = {};
  const on = deadReckoning.on_bytes_per_avatar_s;
  const off = deadReckoning.off_bytes_per_avatar_s;
  if (typeof on === 'number' && typeof off === 'number' && on > 0) ratios.dead_reckoning_off_over_on_bytes = round(off / on) ?? 0;
  writeReport({
    suite: 'edge',
    cases,
    ratios,
    ms,
    extra: {
      server: serverKind,
      server_what: serverWhat,
      local_tracing: LOCAL_TRACING,
      seconds,
      warmup_seconds: warmup,
      input_hz: INPUT_HZ,
      latency:
        'ms from a mover sending the input that reverses its direction to an observer receiving the first delta that shows that reversal or a later one (same process clock); includes the room waiting for its next 50 ms tick; null when the percentile falls among changes no observer saw',
      bytes: 'WebSocket message payload bytes, without WebSocket/TCP framing; permessage-deflate off',
      machine: `loopback; clients, ${serverKind === 'workerd' ? 'workerd (and wrangler, idle, in Node)' : 'Vite and workerd'} share this machine (2 cores, shared with other work)`,
      goals: {
        clients_200_p99_under_100_ms: last ? last.p99_ms !== null && last.p99_ms < 100 : null,
        clients_200_no_drops: last ? last.dropped === 0 : null,
      },
      runs_detail: details,
    },
  });
  // The shape first: {"runs": [...], "dead_reckoning": {...}}, then writeReport's fields.
  const path = fileURLToPath(new URL('../../bench/results/edge.json', import.meta.url));
  const written = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ runs, dead_reckoning: deadReckoning, ...written }, null, 2)}\n`);
  console.table(runs);
  console.error(`bench: wrote ${path}`);
} else {
  exitCode = 1;
}
process.exit(exitCode);
