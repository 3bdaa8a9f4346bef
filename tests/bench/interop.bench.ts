/**
 * Interop bench (`npm run bench -- interop`): the headless `visit` client (web/visit, in-process with the CLI's
 * Node socket) against the real OpenSim region through `npm start`'s server and the UDP relay. Needs
 * OPENSIM_LOGIN_URI (and OPENSIM_FIRST/LAST/PASSWORD); without it, prints one line and writes nothing.
 *
 * - login_ms, login → first prim, login → all prims: BENCH_INTEROP_RUNS (5) visits with --seconds 0;
 *   "after login" = first_entity_ms / settled_ms minus login_ms (the edge's login answer, which it sends once
 *   the simulator's RegionHandshake arrived). settled_ms = the last new entity before 1000 ms without one.
 * - idle_bytes_per_s: Storm payload bytes the client receives per second while it stands still in the region,
 *   from 2 s after the scene settled to the end of a BENCH_INTEROP_IDLE_SECONDS (10) stay.
 * - bots: `visit --bots BENCH_INTEROP_BOTS (20)` (all at once through one edge and relay): arrived, p50/p99 of
 *   settled_ms, and how many bots held all BENCH_INTEROP_PRIMS (66) prims at the end of a 5 s stay. Each bot needs an account `Bot<i> Storm` (password "password"); when the region's console is
 *   reachable (../shared/opensim/region.sh with OPENSIM_PORT from the login URI) missing accounts are created
 *   with `create user` (all eight arguments, so the console never prompts). BENCH_INTEROP_BOTS=0 skips this.
 *
 * - grid travel (only with OPENSIM_TRAVEL_LOGIN_URI, a two-region OpenSim: StormTest + StormEast), BENCH_INTEROP_TRAVEL_RUNS
 *   (3) of each:
 *   - crossing_ms: a visit walks east over the StormTest/StormEast border; the edge's crossing time (the old
 *     region's last update of your avatar → AgentMovementComplete in the new one).
 *   - teleport_ms / teleport_first_prim_ms: `visit --teleport StormEast/40/120/30` from StormTest/128/128 with a draw
 *     distance of 16 m, so StormEast is not a neighbour yet: request → the grid's finish, request → the first prim
 *     drawn in StormEast. The peer is what a viewer without travel does: log in again at the destination
 *     (login_to_first_prim at StormEast, from the login request); ratio = relogin ÷ teleport (above 1: teleport faster).
 *   - neighbour_bytes: Storm bytes of a 6 s stay at StormTest/128/128 with StormEast shown (draw distance 256) minus
 *     the same stay without it (draw distance 16): what a neighbour costs.
 *
 * Writes bench/results/interop.json: writeReport's fields, `ms` with the figures, `extra` with every run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Relay } from '../../edge/relay/relay';
import { nodeSocket } from '../../scripts/visit';
import type { SocketLike } from '../../web/net/storm-connection';
import { parseVisitArgs } from '../../web/visit/options';
import { percentile } from '../../web/visit/report';
import { runVisit, type VisitTimings } from '../../web/visit/visit';
import { ensureRelay } from '../interop/grid-client';
import { type RunningServer, startDevServer } from '../support/dev-server';
import { writeReport } from './report';

const LOGIN_URI = process.env.OPENSIM_LOGIN_URI ?? '';
const FIRST = process.env.OPENSIM_FIRST ?? 'Test';
const LAST = process.env.OPENSIM_LAST ?? 'User';
const PASSWORD = process.env.OPENSIM_PASSWORD ?? 'password';
const RUNS = Number(process.env.BENCH_INTEROP_RUNS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_INTEROP_IDLE_SECONDS ?? 10);
const BOTS = Number(process.env.BENCH_INTEROP_BOTS ?? 20);
/** Prims the StormTest region holds (its README). */
const PRIMS = Number(process.env.BENCH_INTEROP_PRIMS ?? 66);
const BOT_FIRST = 'Bot';
const BOT_LAST = 'Storm';
const BOT_PASSWORD = 'password';
const TRAVEL_URI = process.env.OPENSIM_TRAVEL_LOGIN_URI ?? '';
const TRAVEL_RUNS = Number(process.env.BENCH_INTEROP_TRAVEL_RUNS ?? 3);
const REGION_SH = fileURLToPath(new URL('../../../shared/opensim/region.sh', import.meta.url));

if (LOGIN_URI === '') {
  console.error(
    'bench: interop: OPENSIM_LOGIN_URI is not set, so the interop bench did not run; start the region (../shared/opensim/region.sh start) and export its KEY=VALUE lines',
  );
  process.exit(0);
}

/** Frames received (bytes, when) by every socket the visits open. */
const frames: { at: number; bytes: number }[] = [];
function countingSocket(url: string): SocketLike {
  const like = nodeSocket(url);
  const wrapped: SocketLike = {
    send: (d) => like.send(d),
    close: (c, r) => like.close(c, r),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  like.onopen = (e) => wrapped.onopen?.(e);
  like.onmessage = (e) => {
    if (e.data instanceof ArrayBuffer) frames.push({ at: performance.now(), bytes: e.data.byteLength });
    wrapped.onmessage?.(e);
  };
  like.onclose = (e) => wrapped.onclose?.(e);
  like.onerror = (e) => wrapped.onerror?.(e);
  return wrapped;
}

async function visit(args: string[], env: Record<string, string> = {}) {
  const started = performance.now();
  const options = parseVisitArgs(args, { ...process.env, ...env });
  const outcome = await runVisit(options, {
    fetch: (input, init) => fetch(input, init),
    createSocket: countingSocket,
    now: () => performance.now(),
    log: () => {},
  });
  return { started, outcome };
}

/** Creates the bots' accounts through the region console when missing; returns why not, or null when ready. */
function ensureBotAccounts(count: number): string | null {
  if (!existsSync(REGION_SH)) return `no region script at ${REGION_SH}`;
  const port = new URL(LOGIN_URI).port || '9000';
  const env = { ...process.env, OPENSIM_PORT: port, OPENSIM_CONSOLE_WAIT: '3' };
  const consoleCmd = (cmd: string) =>
    execFileSync(REGION_SH, ['console', cmd], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  try {
    for (let i = 1; i <= count; i++) {
      const shown = consoleCmd(`show account ${BOT_FIRST}${i} ${BOT_LAST}`);
      if (!/No user named/.test(shown)) continue;
      const id = `00000000-0000-4000-8000-${(0xb0700000000 + i).toString(16).padStart(12, '0')}`;
      consoleCmd(`create user ${BOT_FIRST}${i} ${BOT_LAST} ${BOT_PASSWORD} bot${i}@example.invalid ${id} Ruth`);
      const again = consoleCmd(`show account ${BOT_FIRST}${i} ${BOT_LAST}`);
      if (/No user named/.test(again)) return `the console did not create ${BOT_FIRST}${i} ${BOT_LAST}`;
    }
  } catch (err) {
    return `the region console failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  return null;
}

const median = (v: number[]) => percentile(v, 50) ?? Number.NaN;

interface TravelStep {
  kind: string;
  ms: number;
}

/** Grid travel figures on the two-region grid (see the module comment). */
async function travel(
  account: string[],
): Promise<{ ms: Record<string, number>; ratios: Record<string, number>; extra: unknown }> {
  const grid = new URL(TRAVEL_URI).host;
  const place = (region: string, x: number, y: number, z: number) => `http://localhost/#/os/${grid}/${region}/${x}/${y}/${z}`;
  const crossing: number[] = [];
  const teleport: number[] = [];
  const teleportFirst: number[] = [];
  const relogin: number[] = [];
  const runs: unknown[] = [];
  for (let i = 0; i < TRAVEL_RUNS; i++) {
    const walk = await visit([place('StormTest', 244, 128, 25), ...account, '--seconds', '0', '--walk', 'turn -90, forward 8s']);
    const steps = ((walk.outcome.json as { travel?: TravelStep[] }).travel ?? []).filter((t) => t.kind === 'crossed');
    if (steps[0]) crossing.push(steps[0].ms);
    const tp = await visit([
      place('StormTest', 128, 128, 25),
      ...account,
      '--seconds',
      '0',
      '--draw-distance',
      '16',
      '--teleport',
      'StormEast/40/120/30',
    ]);
    if (tp.outcome.exitCode !== 0)
      throw new Error(`bench: interop: teleport visit failed: ${JSON.stringify(tp.outcome.json.error)}`);
    const t = tp.outcome.json.timings as VisitTimings;
    if (t.teleport_ms) teleport.push(t.teleport_ms);
    if (t.teleport_first_prim_ms) teleportFirst.push(t.teleport_first_prim_ms);
    // The peer: a fresh login at the destination, from the login request to its first prim.
    const again = await visit([place('StormEast', 40, 120, 30), ...account, '--seconds', '0']);
    const a = again.outcome.json.timings as VisitTimings;
    if (a.first_entity_ms) relogin.push(a.first_entity_ms);
    runs.push({ crossing: steps[0]?.ms ?? null, teleport: t, relogin: a });
    console.error(
      `bench: interop: travel run ${i + 1}: crossing ${steps[0]?.ms} ms, teleport ${JSON.stringify(t)}, relogin ${a.first_entity_ms} ms`,
    );
  }
  // What a neighbour costs: the same stay with and without StormEast shown.
  const stay = async (draw: string) => {
    frames.length = 0;
    const v = await visit([place('StormTest', 128, 128, 25), ...account, '--seconds', '6', '--draw-distance', draw]);
    return {
      bytes: frames.reduce((n, f) => n + f.bytes, 0),
      regions: ((v.outcome.json as { regions?: unknown[] }).regions ?? []).length,
    };
  };
  const withNeighbour = await stay('256');
  const alone = await stay('16');
  const ms: Record<string, number> = {
    crossing_ms: median(crossing),
    teleport_ms: median(teleport),
    teleport_first_prim_ms: median(teleportFirst),
    relogin_first_prim_ms: median(relogin),
    neighbour_bytes: withNeighbour.bytes - alone.bytes,
  };
  return {
    ms,
    ratios: { teleport_vs_relogin_first_prim: median(relogin) / median(teleportFirst) },
    extra: { runs, stays: { withNeighbour, alone } },
  };
}

async function main(): Promise<void> {
  let relay: Relay | null = null;
  let server: RunningServer | null = null;
  const watchdog = setTimeout(() => {
    console.error('bench: interop: watchdog (10 min) fired');
    process.exit(1);
  }, 600_000);
  try {
    relay = await ensureRelay();
    server = await startDevServer();
    const account = ['--first', FIRST, '--last', LAST, '--password', PASSWORD, '--edge', server.url];

    // Warm the edge (first requests compile modules), then measure.
    await visit([LOGIN_URI, ...account, '--seconds', '0']);
    const runs: VisitTimings[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { outcome } = await visit([LOGIN_URI, ...account, '--seconds', '0']);
      if (outcome.exitCode !== 0) throw new Error(`bench: interop: visit failed: ${JSON.stringify(outcome.json.error)}`);
      runs.push(outcome.json.timings as VisitTimings);
      console.error(`bench: interop: run ${i + 1}: ${JSON.stringify(outcome.json.timings)}`);
    }
    const login = runs.map((t) => t.login_ms ?? Number.NaN);
    const first = runs.map((t) => (t.first_entity_ms ?? Number.NaN) - (t.login_ms ?? 0));
    const all = runs.map((t) => (t.settled_ms ?? Number.NaN) - (t.login_ms ?? 0));

    // Idle: bytes received per second while standing in the settled region.
    frames.length = 0;
    const idle = await visit([LOGIN_URI, ...account, '--seconds', String(IDLE_SECONDS)]);
    const ended = performance.now();
    const settledAt = idle.started + ((idle.outcome.json.timings as VisitTimings).settled_ms ?? 0);
    const from = settledAt + 2000;
    const idleBytes = frames.filter((f) => f.at >= from && f.at <= ended).reduce((n, f) => n + f.bytes, 0);
    const idleBytesPerS = idleBytes / Math.max(0.001, (ended - from) / 1000);
    const visitFrames = frames.length;
    const idleVisitBytes = frames.reduce((n, f) => n + f.bytes, 0);
    console.error(
      `bench: interop: idle ${idleBytesPerS.toFixed(1)} B/s over ${((ended - from) / 1000).toFixed(1)} s (the visit received ${visitFrames} frames in all)`,
    );

    // Bots.
    let bots: Record<string, unknown> = { skipped: 'BENCH_INTEROP_BOTS=0' };
    if (BOTS > 0) {
      const why = ensureBotAccounts(BOTS);
      if (why) bots = { skipped: why };
      else {
        const t = performance.now();
        const { outcome } = await visit([
          LOGIN_URI,
          '--first',
          BOT_FIRST,
          '--last',
          BOT_LAST,
          '--password',
          BOT_PASSWORD,
          '--edge',
          server.url,
          '--seconds',
          '5',
          '--bots',
          String(BOTS),
        ]);
        bots = { exit: outcome.exitCode, wall_ms: Math.round(performance.now() - t), ...outcome.json };
        console.error(`bench: interop: bots ${JSON.stringify((outcome.json as { bots?: unknown }).bots)}`);
      }
    }
    const botStats = (bots as { bots?: { arrived: number; settled_ms: { p50: number | null; p99: number | null } } }).bots;
    const ms: Record<string, number> = {
      login_ms: median(login),
      login_to_first_prim_ms: median(first),
      login_to_all_prims_ms: median(all),
      idle_bytes_per_s: Math.round(idleBytesPerS * 10) / 10,
    };
    if (botStats) {
      ms.bots_arrived = botStats.arrived;
      // Settled (1 s without a new entity) is a heuristic; under load a bot can pause longer mid-scene.
      const visits = (bots as { visits?: { prims: number }[] }).visits ?? [];
      ms.bots_with_all_prims = visits.filter((v) => v.prims >= PRIMS).length;
      if (botStats.settled_ms.p50 !== null) ms.bots_settled_p50_ms = botStats.settled_ms.p50;
      if (botStats.settled_ms.p99 !== null) ms.bots_settled_p99_ms = botStats.settled_ms.p99;
    }
    let travelFigures: Awaited<ReturnType<typeof travel>> | null = null;
    if (TRAVEL_URI !== '') {
      travelFigures = await travel(account);
      Object.assign(ms, travelFigures.ms);
      console.error(`bench: interop: travel ${JSON.stringify(travelFigures.ms)} ratios ${JSON.stringify(travelFigures.ratios)}`);
    } else console.error('bench: interop: OPENSIM_TRAVEL_LOGIN_URI is not set, so the grid travel figures were not measured');
    writeReport({
      suite: 'interop',
      cases: [
        {
          name: 'login → first prim',
          median_ms: median(first),
          min_ms: Math.min(...first),
          max_ms: Math.max(...first),
          samples: runs.length,
        },
        {
          name: 'login → all prims',
          median_ms: median(all),
          min_ms: Math.min(...all),
          max_ms: Math.max(...all),
          samples: runs.length,
        },
      ],
      ratios: travelFigures?.ratios ?? {},
      ms,
      extra: {
        note: 'timings from the start of each visit; "after login" subtracts login_ms (the edge answers the login once the RegionHandshake arrived); settled = 1000 ms without a new entity',
        runs,
        idle: {
          bytes: idleBytes,
          seconds: (ended - from) / 1000,
          // The whole idle visit, for scale: everything the socket received from the welcome on.
          visit_bytes: idleVisitBytes,
          visit_frames: visitFrames,
        },
        bots,
        travel: travelFigures?.extra ?? null,
      },
    });
    console.error(`bench: interop: ${JSON.stringify(ms)}`);
  } finally {
    clearTimeout(watchdog);
    await server?.stop();
    await relay?.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
