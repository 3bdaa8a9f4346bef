/**
 * The headless visitor: logs into a world through the edge exactly as the viewer does (POST /api/grid/login
 * and /ws/grid/<session> for OpenSim; POST /api/session and /ws/world/<name> for Finalverse), receives it with
 * the viewer's own net runtime (web/net: StormConnection + WorldMirror), applies it to the viewer's ECS
 * (web/world: WorldApplier, assembleTerrain), and reports what it holds as one JSON document. Platform
 * pieces (fetch, the WebSocket factory, the clock, the progress log) are injected: scripts/visit.ts gives
 * Node's.
 */
import type { Entity, Quat, Vec3 } from '../../shared/protocol';
import { createWorld, type World } from '../engine';
import { NetError } from '../net/errors';
import { createStormConnection, fetchSessionToken, type SocketLike, type StormConnection } from '../net/storm-connection';
import { Transform, VIEWER_COMPONENTS } from '../scene/components';
import { createSyncBuffer, SyncWriter } from '../scene/sync-header';
import { WorldApplier } from '../world/world-apply';
import { resolveTarget, type VisitOptions, type VisitTarget, VisitUsageError } from './options';
import { percentile, round, shapeName, terrainReport, type VisitEntity, type VisitTerrain } from './report';

/** Injected platform pieces. */
export interface VisitDeps {
  fetch: typeof fetch;
  createSocket: (url: string) => SocketLike;
  /** Monotonic milliseconds. */
  now: () => number;
  /** One progress line (stderr in the CLI). */
  log: (line: string) => void;
}

/** "Settled": no new entity for this long (ms) after the first complete snapshot. */
export const SETTLE_MS = 1000;
/** Longest wait for the welcome after the login answered (ms). */
export const WELCOME_TIMEOUT_MS = 30_000;
/** Longest wait for the scene to settle beyond --seconds (ms). */
export const SETTLE_GRACE_MS = 60_000;
/** Longest wait for a --say line to come back (ms). */
export const SAY_ECHO_MS = 5000;
/** A position change larger than this (m) counts as "moved". */
const MOVED_EPSILON = 0.01;

/** Exit codes by error code (docs/errors.md "visit"). */
export const EXIT_CODES: Readonly<Record<string, number>> = {
  visit_usage: 2,
  grid_bad_credentials: 3,
  grid_unknown_region: 4,
  world_not_found: 4,
  grid_unreachable: 5,
  grid_relay_refused: 6,
  grid_relay_unreachable: 6,
  grid_relay_not_configured: 6,
  grid_not_allowed: 7,
  grid_bad_request: 2,
  visit_edge_unreachable: 8,
  visit_timeout: 9,
  visit_not_settled: 9,
};
/** Exit code for any other failure (the session failed after login, an unexpected answer …). */
export const EXIT_OTHER = 1;

/** Milestones in ms since the visit began (just before the login request). */
export interface VisitTimings {
  login_ms: number | null;
  first_entity_ms: number | null;
  settled_ms: number | null;
}

export interface VisitError {
  code: string;
  message: string;
}

/** The JSON document of a single visit. */
export interface VisitReport {
  world: { kind: 'opensim' | 'finalverse'; name: string; size: [number, number] };
  timings: VisitTimings;
  entities: VisitEntity[];
  terrain: VisitTerrain | null;
  chat: { from: string; text: string }[];
  errors: VisitError[];
}

/** What the CLI prints and exits with. */
export interface VisitOutcome {
  exitCode: number;
  json: Record<string, unknown>;
}

class VisitFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What one visitor saw, and how it ended. */
interface VisitRun {
  report: VisitReport;
  failure: VisitError | null;
  /** Entities held at the end (for bot summaries). */
  count: number;
}

const LoginAnswer = (json: unknown) => {
  const o = (json ?? {}) as Record<string, unknown>;
  const size = Array.isArray(o.size) ? o.size : [256, 256];
  return {
    session: typeof o.session === 'string' ? o.session : '',
    token: typeof o.token === 'string' ? o.token : '',
    region: typeof o.region === 'string' ? o.region : '',
    size: [Number(size[0]) || 256, Number(size[1]) || 256] as [number, number],
  };
};

/** POST /api/grid/login; throws VisitFailure with the gateway's code. */
async function gridLogin(
  options: VisitOptions,
  target: Extract<VisitTarget, { kind: 'os' }>,
  who: { first: string; last: string },
  deps: VisitDeps,
) {
  const body: Record<string, unknown> = {
    loginUri: target.loginUri,
    first: who.first,
    last: who.last,
    password: options.password,
    drawDistance: options.drawDistance,
  };
  if (target.region) body.region = target.region;
  if (target.region && target.position) body.position = [...target.position];
  let res: Response;
  try {
    res = await deps.fetch(`${options.edge}/api/grid/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new VisitFailure(
      'visit_edge_unreachable',
      `visit: the edge at ${options.edge} did not answer (${err instanceof Error ? err.message : String(err)}); start it with npm start or pass --edge`,
    );
  }
  const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok) {
    const e = (json?.error ?? {}) as Record<string, unknown>;
    throw new VisitFailure(
      typeof e.code === 'string' ? e.code : 'grid_unreachable',
      typeof e.message === 'string' ? e.message : `visit: POST /api/grid/login answered HTTP ${res.status}`,
    );
  }
  const answer = LoginAnswer(json);
  if (!answer.session || !answer.token)
    throw new VisitFailure('grid_bad_response', 'visit: POST /api/grid/login answered without a session or token');
  return answer;
}

/** One visitor, from login to the end of its stay. `full` keeps entities and terrain for the report. */
async function visitOnce(
  options: VisitOptions,
  target: VisitTarget,
  who: { first: string; last: string },
  deps: VisitDeps,
  tag: string,
): Promise<VisitRun> {
  const t0 = deps.now();
  const since = () => Math.round(deps.now() - t0);
  const log = (line: string) => deps.log(`visit${tag}: ${line}`);
  const timings: VisitTimings = { login_ms: null, first_entity_ms: null, settled_ms: null };
  const errors: VisitError[] = [];
  const chat: { from: string; text: string }[] = [];
  const report: VisitReport = {
    world: {
      kind: target.kind === 'os' ? 'opensim' : 'finalverse',
      name: target.kind === 'os' ? target.region : target.world,
      size: [256, 256],
    },
    timings,
    entities: [],
    terrain: null,
    chat,
    errors,
  };

  // ECS: the viewer's components and apply step (world positions for linkset children).
  const world: World = createWorld({ components: [...VIEWER_COMPONENTS], capacity: 65_536, initialCapacity: 4096 });
  const applier = new WorldApplier(world, new SyncWriter(createSyncBuffer()));
  const uuids = new Map<number, string>();
  const firstSeen = new Map<number, Vec3>();
  const moved = new Set<number>();

  let conn: StormConnection | null = null;
  let failure: VisitFailure | null = null;
  let welcomedAt: number | null = null;
  let snapshotAt: number | null = null;
  let lastNewAt: number | null = null;
  let settledAt: number | null = null;
  let sayAt: number | null = null;
  let echoed = false;
  let closedDetail: string | null = null;

  const worldPosition = (id: number): Vec3 | null => {
    const info = applier.byNet.get(id);
    if (!info || !world.isAlive(info.ecs)) return null;
    const p = world.get(info.ecs, Transform).position;
    return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
  };

  try {
    let first = true;
    let token: string;
    let socketWorld: string;
    if (target.kind === 'os') {
      const answer = await gridLogin(options, target, who, deps);
      token = answer.token;
      socketWorld = answer.session;
      report.world.name = answer.region || report.world.name;
      report.world.size = answer.size;
    } else {
      try {
        token = await fetchSessionToken(options.edge, target.world, deps.fetch);
      } catch (err) {
        if (err instanceof NetError && err.code === 'net_world_not_found')
          throw new VisitFailure('world_not_found', `visit: the edge has no world "${target.world}"`);
        throw new VisitFailure(
          'visit_edge_unreachable',
          `visit: the edge at ${options.edge} did not give a token (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      socketWorld = target.world;
    }
    timings.login_ms = since();
    log(`logged in to ${report.world.name || socketWorld} in ${timings.login_ms} ms`);

    const os = target.kind === 'os';
    conn = createStormConnection({
      origin: options.edge,
      world: socketWorld,
      getToken: async (name) => {
        if (first) {
          first = false;
          return token;
        }
        // A grid session cannot be resumed after its socket closed (closing it logs out): stop.
        if (os) throw new NetError('net_closed', 'the grid session ended; log in again', true);
        return fetchSessionToken(options.edge, name, deps.fetch);
      },
      // The Storm socket of a grid session is /ws/grid/<session>; everything else is the viewer's connection.
      ...(os ? { socketPath: `/ws/grid/${socketWorld}` } : {}),
      ...(target.kind === 'fv' && target.position ? { at: target.position } : {}),
      createSocket: deps.createSocket,
      now: deps.now,
      onState: (state, detail) => {
        if (detail) log(`${state}: ${detail}`);
        if (state === 'closed' || state === 'reconnecting') closedDetail = detail ?? state;
        if (os && state === 'reconnecting' && welcomedAt !== null && !failure)
          failure = new VisitFailure('grid_circuit_lost', `visit: the grid session's socket closed (${detail ?? ''})`);
      },
      onMessage: (msg, change) => {
        const now = deps.now();
        const mirror = conn?.mirror;
        if (msg.type === 'welcome') {
          welcomedAt ??= now;
          applier.setSelf(msg.avatar);
          if (!os) {
            const b = msg.bounds;
            report.world.size = [round(b.max[0] - b.min[0]), round(b.max[1] - b.min[1])];
          }
          log(`welcome after ${since()} ms (avatar ${msg.avatar})`);
        } else if (msg.type === 'error') {
          errors.push({ code: msg.code, message: msg.message });
          log(`error frame ${msg.code}: ${msg.message}`);
          if (os && msg.code.startsWith('grid_') && msg.code !== 'grid_not_supported')
            failure ??= new VisitFailure(msg.code, msg.message);
        } else if (msg.type === 'chat') {
          chat.push({ from: msg.name, text: msg.text });
          if (options.say !== null && msg.text === options.say) echoed = true;
        } else if (msg.type === 'snapshot' || msg.type === 'delta') {
          for (const e of msg.entities) if (e.uuid !== undefined) uuids.set(e.id, e.uuid);
        }
        if (!mirror) return;
        if (change.spawned.length > 0 || change.updated.length > 0 || change.despawned.length > 0) {
          const upserted: Entity[] = [];
          for (const id of [...change.spawned, ...change.updated]) {
            const e = mirror.entities.get(id);
            if (e) upserted.push(e);
          }
          applier.apply(upserted, change.despawned);
        }
        for (const id of change.spawned) {
          const p = worldPosition(id);
          if (p && !firstSeen.has(id)) firstSeen.set(id, p);
          if (id === mirror.avatar) continue;
          lastNewAt = now;
          if (timings.first_entity_ms === null) timings.first_entity_ms = Math.round(now - t0);
        }
        for (const id of change.updated) {
          const p = worldPosition(id);
          const f = firstSeen.get(id);
          if (p && f && Math.hypot(p[0] - f[0], p[1] - f[1], p[2] - f[2]) > MOVED_EPSILON) moved.add(id);
        }
        if (msg.type === 'snapshot' && change.complete && snapshotAt === null) {
          snapshotAt = now;
          log(`snapshot of ${mirror.entities.size} entities after ${since()} ms`);
        }
      },
    });

    const stayMs = options.seconds * 1000;
    for (;;) {
      await sleep(25);
      const now = deps.now();
      if (failure) break;
      if (conn.state === 'closed' && welcomedAt === null) {
        throw new VisitFailure('visit_failed', `visit: the socket closed before the welcome (${closedDetail ?? 'closed'})`);
      }
      if (welcomedAt === null) {
        if (now - t0 - (timings.login_ms ?? 0) > WELCOME_TIMEOUT_MS)
          throw new VisitFailure('visit_timeout', `visit: no welcome within ${WELCOME_TIMEOUT_MS / 1000} s of the login`);
        continue;
      }
      if (settledAt === null && snapshotAt !== null) {
        const last = Math.max(snapshotAt, lastNewAt ?? snapshotAt);
        if (now - last >= SETTLE_MS) {
          settledAt = last;
          timings.settled_ms = Math.round(last - t0);
          log(`settled at ${timings.settled_ms} ms with ${conn.mirror.entities.size} entities`);
          if (options.say !== null) {
            conn.chat(options.say);
            sayAt = now;
          }
        }
      }
      if (settledAt === null) {
        if (now - welcomedAt > stayMs + SETTLE_GRACE_MS)
          throw new VisitFailure(
            'visit_not_settled',
            `visit: the scene kept changing for ${Math.round((now - welcomedAt) / 1000)} s (no ${SETTLE_MS} ms without a new entity)`,
          );
        continue;
      }
      if (now - welcomedAt < stayMs) continue;
      if (sayAt !== null && !echoed && now - sayAt < SAY_ECHO_MS) continue;
      break;
    }
    if (failure) throw failure;
    if (sayAt !== null && !echoed)
      errors.push({
        code: 'visit_say_not_echoed',
        message: `visit: "${options.say}" did not come back as chat within ${SAY_ECHO_MS / 1000} s`,
      });
  } catch (err) {
    if (err instanceof VisitFailure) failure = err;
    else if (err instanceof VisitUsageError) failure = new VisitFailure('visit_usage', err.message);
    else throw err;
  } finally {
    conn?.close();
  }

  // What the client holds at the end: the mirror's entities, posed by the ECS.
  const mirror = (conn as StormConnection | null)?.mirror;
  if (mirror) {
    for (const [id, e] of mirror.entities) {
      const info = applier.byNet.get(id);
      if (!info || !world.isAlive(info.ecs)) continue;
      const t = world.get(info.ecs, Transform);
      const position: Vec3 = [round(t.position[0] ?? 0), round(t.position[1] ?? 0), round(t.position[2] ?? 0)];
      const rotation: Quat = [
        round(t.rotation[0] ?? 0),
        round(t.rotation[1] ?? 0),
        round(t.rotation[2] ?? 1),
        round(t.rotation[3] ?? 1),
      ];
      const f = firstSeen.get(id);
      const c = e.colors[0] ?? [255, 255, 255, 255];
      report.entities.push({
        id,
        uuid: uuids.get(id) ?? e.uuid ?? null,
        kind: e.kind,
        shape: e.kind === 'avatar' ? 'avatar' : shapeName(e.shape),
        name: e.name,
        position,
        rotation: [rotation[0], rotation[1], rotation[2], rotation[3]],
        scale: [round(e.scale[0], 5), round(e.scale[1], 5), round(e.scale[2], 5)],
        colour: [c[0], c[1], c[2], c[3]],
        parent: e.parent === 0 ? null : e.parent,
        moved:
          moved.has(id) ||
          (f !== undefined && Math.hypot(position[0] - f[0], position[1] - f[1], position[2] - f[2]) > MOVED_EPSILON),
      });
    }
    report.entities.sort((a, b) => a.id - b.id);
    report.terrain = terrainReport(mirror.terrain.values(), report.world.size);
  }
  const failed = failure as VisitFailure | null;
  return {
    report,
    failure: failed ? { code: failed.code, message: failed.message } : null,
    count: report.entities.length,
  };
}

/** Runs `visit` as the CLI does: one visitor, or `--bots N` at once. Never throws for a world's refusal. */
export async function runVisit(options: VisitOptions, deps: VisitDeps): Promise<VisitOutcome> {
  let target: VisitTarget;
  try {
    target = resolveTarget(options);
    if (target.kind === 'os' && (!options.first || !options.last || !options.password))
      throw new VisitUsageError(
        'visit: an OpenSim visit needs --first, --last and --password (or OPENSIM_FIRST, OPENSIM_LAST, OPENSIM_PASSWORD)',
      );
  } catch (err) {
    if (err instanceof VisitUsageError) return fail({ code: 'visit_usage', message: err.message }, {});
    throw err;
  }
  if (options.bots > 1) return runBots(options, target, deps);
  const run = await visitOnce(options, target, { first: options.first, last: options.last }, deps, '');
  if (run.failure) return fail(run.failure, { timings: run.report.timings, errors: run.report.errors });
  return { exitCode: 0, json: { ...run.report } };
}

function fail(error: VisitError, extra: Record<string, unknown>): VisitOutcome {
  return { exitCode: EXIT_CODES[error.code] ?? EXIT_OTHER, json: { error, ...extra } };
}

/** `--bots N`: N visitors at once through the same edge (and relay); OpenSim bot i is `<first><i> <last>`. */
async function runBots(options: VisitOptions, target: VisitTarget, deps: VisitDeps): Promise<VisitOutcome> {
  const runs = await Promise.all(
    Array.from({ length: options.bots }, (_, i) => {
      const who = { first: `${options.first}${i + 1}`, last: options.last };
      return visitOnce(options, target, who, deps, `[bot ${i + 1}]`).then((run) => ({ who, run }));
    }),
  );
  const ok = runs.filter((r) => r.run.failure === null);
  const stat = (key: keyof VisitTimings) => {
    const values = ok.map((r) => r.run.report.timings[key]).filter((v): v is number => v !== null);
    return { p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : null };
  };
  const first = ok[0]?.run.report ?? runs[0]?.run.report;
  const json: Record<string, unknown> = {
    world: first?.world ?? null,
    bots: {
      count: options.bots,
      arrived: ok.length,
      login_ms: stat('login_ms'),
      first_entity_ms: stat('first_entity_ms'),
      settled_ms: stat('settled_ms'),
    },
    visits: runs.map(({ who, run }) => ({
      first: target.kind === 'os' ? who.first : null,
      last: target.kind === 'os' ? who.last : null,
      ok: run.failure === null,
      timings: run.report.timings,
      entities: run.count,
      prims: run.report.entities.filter((e) => e.kind === 'prim').length,
      chat: run.report.chat.length,
      error: run.failure,
    })),
    errors: runs.flatMap(({ run }) => run.report.errors),
  };
  if (ok.length === runs.length) return { exitCode: 0, json };
  const firstFailure = runs.find((r) => r.run.failure)?.run.failure ?? { code: 'visit_failed', message: 'visit: a bot failed' };
  return {
    exitCode: EXIT_CODES[firstFailure.code] ?? EXIT_OTHER,
    json: {
      error: {
        code: firstFailure.code,
        message: `${runs.length - ok.length} of ${runs.length} bots failed; first: ${firstFailure.message}`,
      },
      ...json,
    },
  };
}
