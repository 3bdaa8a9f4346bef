/**
 * The headless visitor: logs into a world through the edge exactly as the viewer does (POST /api/grid/login
 * and /ws/grid/<session> for OpenSim; POST /api/session and /ws/world/<name> for Finalverse), receives it with
 * the viewer's own world App (web/world/world-app.ts: the net, motion and terrain plugins on the engine's
 * schedule) plus an observer plugin of its own, and reports what the App's ECS holds as one JSON document. Platform
 * pieces (fetch, the WebSocket factory, the clock, the progress log) are injected: scripts/visit.ts gives
 * Node's.
 */

import { loadRapier } from '../../shared/physics/rapier';
import {
  ApiError,
  GridLoginAnswer,
  type GridLoginRequest,
  type PrimShape,
  type Quat,
  type RegionInfo,
  type Vec3,
} from '../../shared/protocol';
import { type AssetKind, createAssetStore } from '../assets/asset-store';
import type { ChromeTrace, Plugin, SystemContext } from '../engine';
import { NetError } from '../net/errors';
import { fetchSessionToken, type SocketLike, type StormConnection } from '../net/storm-connection';
import { Avatar, Faces, MAX_FACE_COLORS, Model, modelHashAt, NetId, Shape, Transform } from '../scene/components';
import {
  ChatHeard,
  Commands,
  Entities,
  Materials,
  NetStateChanged,
  RegionInfoReceived,
  RegionsReceived,
  ServerError,
  SnapshotApplied,
  Spawned,
  selfEntity,
  TravelHeard,
  Welcomed,
} from '../world/keys';
import { Facing } from '../world/plugins/interaction';
import { MetricsKey } from '../world/plugins/metrics';
import { NetLinkKey } from '../world/plugins/net';
import { PhysicsKey } from '../world/plugins/physics';
import { SoundAssetTable } from '../world/plugins/sound';
import { TerrainKey } from '../world/plugins/terrain';
import { createWorldApp } from '../world/world-app';
import { type LoadedAssets, loadAssets, looksReport, namedAssets, type RawLooks, readLooks, type VisitAsset } from './assets';
import { resolveTarget, type VisitOptions, type VisitTarget, VisitUsageError } from './options';
import { percentile, round, shapeName, terrainReport, type VisitEntity, type VisitTerrain } from './report';
import { createWalk } from './walk';

/** Injected platform pieces. */
export interface VisitDeps {
  fetch: typeof fetch;
  createSocket: (url: string) => SocketLike;
  /** Monotonic milliseconds. */
  now: () => number;
  /** One progress line (stderr in the CLI). */
  log: (line: string) => void;
  /** JS heap in use, for the metric snapshots (Node: process.memoryUsage().heapUsed). */
  heapBytes?: () => number | undefined;
}

/** The region a session-frame position lies in (its name), or null outside every region shown. */
export function regionAt(regions: readonly VisitRegion[], p: readonly number[]): string | null {
  const x = p[0] ?? 0;
  const y = p[1] ?? 0;
  for (const r of regions)
    if (x >= r.origin[0] && y >= r.origin[1] && x < r.origin[0] + r.size[0] && y < r.origin[1] + r.size[1]) return r.name;
  return null;
}

/** How long `--teleport` waits for the grid's answer (ms). */
const TELEPORT_WAIT_MS = 45_000;
/** "Settled": no new entity for this long (ms) after the first complete snapshot. */
export const SETTLE_MS = 1000;
/** Longest wait for the welcome after the login answered (ms). */
export const WELCOME_TIMEOUT_MS = 30_000;
/** Longest wait for the scene to settle beyond --seconds (ms). */
export const SETTLE_GRACE_MS = 60_000;
/** Longest wait for a --say line to come back (ms). */
export const SAY_ECHO_MS = 5000;
/** After a walk, the path is kept this long while the avatar comes to rest (ms). */
export const WALK_SETTLE_MS = 1000;
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
  /** With --teleport: from the request to the grid's teleport finish, and to the first prim drawn in the new region. */
  teleport_ms?: number | null;
  teleport_first_prim_ms?: number | null;
}

/** A region of a grid session, as `visit` reports it (origin: its south-west corner in the session frame). */
export interface VisitRegion {
  name: string;
  handle: string;
  size: [number, number];
  origin: [number, number];
}

/** A travel step seen (teleport, crossing, neighbour), with when it came (ms since the visit started). */
export interface VisitTravel {
  kind: string;
  region: string;
  message: string;
  ms: number;
  at_ms: number;
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
  /** Your avatar on a `--walk`: its path ([t_ms, x, y, z] every 100 ms from the walk's start) and where it ended. */
  self: VisitSelf | null;
  chat: { from: string; text: string }[];
  errors: VisitError[];
  /** With --assets: every asset the entities (and the region's terrain) name, by UUID. */
  assets?: Record<string, VisitAsset>;
  /** With --assets: the region's ground and water (region_info), or null when none came. */
  region?: Omit<RegionInfo, 'type'> | null;
  /**
   * OpenSim: the regions shown at the end (the one you are in first). Entity positions are in the session frame,
   * whose (0, 0) is the first region's south-west corner; subtract a region's origin for its own coordinates.
   */
  regions?: VisitRegion[];
  /** OpenSim: every travel step seen (neighbours shown or dropped, crossings, teleports), in order. */
  travel?: VisitTravel[];
}

/** Your avatar's walk. `predicted`: positions are the physics plugin's prediction (else the server's). */
export interface VisitSelf {
  path: [number, number, number, number][];
  final: Vec3;
  predicted: boolean;
  /** Where the authority (room or simulator) last put you. */
  authority: Vec3 | null;
}

/** How often the walk's path is sampled (ms). */
export const PATH_EVERY_MS = 100;

/** What the CLI prints and exits with. */
export interface VisitOutcome {
  exitCode: number;
  json: Record<string, unknown>;
  /** The world App's spans (the first visitor's with --bots), for --trace. */
  trace?: ChromeTrace;
  /** The world App's metric snapshots as JSONL (the first visitor's with --bots), for --metrics. */
  metrics?: string;
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
  /** The App's recent frames, phases and systems (`--trace FILE`). */
  trace: ChromeTrace;
  /** The App's metric snapshots, one a second, as JSONL (`--metrics FILE`). */
  metrics: string;
}

/** POST /api/grid/login; throws VisitFailure with the gateway's code. */
async function gridLogin(
  options: VisitOptions,
  target: Extract<VisitTarget, { kind: 'os' }>,
  who: { first: string; last: string },
  deps: VisitDeps,
) {
  const body: GridLoginRequest = {
    loginUri: target.loginUri,
    first: who.first,
    last: who.last,
    password: options.password,
    ...(options.drawDistance === undefined ? {} : { drawDistance: options.drawDistance }),
    ...(target.region ? { region: target.region } : {}),
    ...(target.region && target.position ? { position: [...target.position] } : {}),
  };
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
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ApiError.safeParse(json);
    throw new VisitFailure(
      e.success ? e.data.error.code : 'grid_unreachable',
      e.success ? e.data.error.message : `visit: POST /api/grid/login answered HTTP ${res.status}`,
    );
  }
  const answer = GridLoginAnswer.safeParse(json);
  if (!answer.success)
    throw new VisitFailure('grid_bad_response', 'visit: POST /api/grid/login answered without a session or token');
  return answer.data;
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
    self: null,
    chat,
    errors,
  };

  // The viewer's own world App, with an observer plugin that notes milestones as its events arrive.
  const firstSeen = new Map<number, Vec3>();
  const moved = new Set<number>();
  let failure: VisitFailure | null = null;
  let welcomedAt: number | null = null;
  let snapshotAt: number | null = null;
  let lastNewAt: number | null = null;
  let settledAt: number | null = null;
  let sayAt: number | null = null;
  let echoed = false;
  let closedDetail: string | null = null;
  let regionInfo: RegionInfo | null = null;
  let shownRegions: VisitRegion[] = [];
  const travel: VisitTravel[] = [];
  let gridSession: { session: string; token: string } | null = null;
  let looks: Map<number, RawLooks> | null = null;
  let loaded: LoadedAssets | null = null;
  const os = target.kind === 'os';
  const observer: Plugin = {
    name: 'visit',
    after: ['net'],
    build(app) {
      const spawned = app.reader(Spawned);
      const welcomes = app.reader(Welcomed);
      const snapshots = app.reader(SnapshotApplied);
      const heard = app.reader(ChatHeard);
      const serverErrors = app.reader(ServerError);
      const states = app.reader(NetStateChanged);
      const regions = app.reader(RegionInfoReceived);
      const regionFrames = app.reader(RegionsReceived);
      const travelSteps = app.reader(TravelHeard);
      const positionOf = (slot: number): Vec3 => {
        const p = app.world.column(Transform, 'position');
        return [p[slot * 3] ?? 0, p[slot * 3 + 1] ?? 0, p[slot * 3 + 2] ?? 0];
      };
      app.addSystem({
        name: 'visit-observe',
        phase: 'postUpdate',
        reads: [Transform, NetId],
        run: (ctx: SystemContext) => {
          const now = deps.now();
          const index = app.resource(Entities);
          for (const r of regions.read()) regionInfo = r;
          for (const r of regionFrames.read()) {
            const current = r.regions.find((g) => g.slot === r.current);
            shownRegions = [...(current ? [current] : []), ...r.regions.filter((g) => g !== current)].map((g) => ({
              name: g.name,
              handle: g.handle,
              size: [...g.size],
              origin: [...g.origin],
            }));
          }
          for (const t of travelSteps.read()) {
            travel.push({
              kind: t.kind,
              region: t.region,
              message: t.message,
              ms: Math.round(t.ms),
              at_ms: Math.round(now - t0),
            });
            log(`travel ${t.kind} ${t.region}${t.message ? `: ${t.message}` : ''}${t.ms ? ` (${Math.round(t.ms)} ms)` : ''}`);
          }
          for (const { state, detail } of states.read()) {
            if (detail) log(`${state}: ${detail}`);
            if (state === 'closed' || state === 'reconnecting') closedDetail = detail ?? state;
            if (os && state === 'reconnecting' && welcomedAt !== null && !failure)
              failure = new VisitFailure('grid_circuit_lost', `visit: the grid session's socket closed (${detail ?? ''})`);
          }
          for (const w of welcomes.read()) {
            welcomedAt ??= now;
            if (!os) report.world.size = [round(w.bounds.max[0] - w.bounds.min[0]), round(w.bounds.max[1] - w.bounds.min[1])];
            log(`welcome after ${since()} ms (avatar ${w.avatar})`);
          }
          for (const e of serverErrors.read()) {
            errors.push({ code: e.code, message: e.message });
            log(`error frame ${e.code}: ${e.message}`);
            if (os && e.code.startsWith('grid_') && e.code !== 'grid_not_supported')
              failure ??= new VisitFailure(e.code, e.message);
          }
          for (const line of heard.read()) {
            chat.push({ from: line.name, text: line.text });
            if (options.say !== null && line.text === options.say) echoed = true;
          }
          // Positions after this frame's motion systems: a spawn is noted where it was first drawn.
          for (const netId of spawned.read()) {
            const ecs = index.byNet.get(netId);
            if (ecs !== undefined && ctx.world.isAlive(ecs) && !firstSeen.has(netId))
              firstSeen.set(netId, positionOf(ctx.world.indexOf(ecs)));
            if (netId === index.selfNetId) continue;
            lastNewAt = now;
            if (timings.first_entity_ms === null) timings.first_entity_ms = Math.round(now - t0);
          }
          const ids = ctx.world.column(NetId, 'id');
          for (const slot of ctx.world.read({ changed: [Transform] }, ctx.since)) {
            const netId = ids[slot] ?? 0;
            const f = firstSeen.get(netId);
            const p = positionOf(slot);
            if (f && Math.hypot(p[0] - f[0], p[1] - f[1], p[2] - f[2]) > MOVED_EPSILON) moved.add(netId);
          }
          for (const s of snapshots.read()) {
            if (snapshotAt !== null) continue;
            snapshotAt = now;
            log(`snapshot of ${s.entities} entities after ${since()} ms`);
          }
        },
      });
    },
  };
  const world = createWorldApp({
    now: deps.now,
    hardwareConcurrency: 1,
    workers: 0,
    world: { capacity: 65_536, initialCapacity: 4096 },
    plugins: [observer],
    // The viewer's own physics: your avatar is predicted exactly as in the browser.
    rapier: loadRapier(),
    ...(deps.heapBytes ? { heapBytes: deps.heapBytes } : {}),
  });
  const app = world.app;
  /** Your avatar's drawn position (the prediction, once physics runs). */
  const selfPosition = (): Vec3 | null => {
    const ecs = selfEntity(app.world, app.resource(Entities));
    if (ecs === undefined) return null;
    const p = app.world.get(ecs, Transform).position;
    return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
  };
  let lastFrame = deps.now();
  const frame = () => {
    const now = deps.now();
    world.frame(Math.min(0.25, (now - lastFrame) / 1000));
    lastFrame = now;
  };

  let conn: StormConnection | null = null;
  try {
    let first = true;
    let token: string;
    let socketWorld: string;
    if (target.kind === 'os') {
      const answer = await gridLogin(options, target, who, deps);
      token = answer.token;
      socketWorld = answer.session;
      gridSession = { session: answer.session, token: answer.token };
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

    conn = app.resource(NetLinkKey).open({
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
    });

    /** --teleport: asks for it, waits for the grid's answer and for the first prim of the new region, then a settle. */
    const teleport = async (to: { region: string; position: [number, number, number] }): Promise<void> => {
      const asked = deps.now();
      const seen = travel.length;
      log(`teleporting to ${to.region}/${to.position.join('/')}`);
      app.send(Commands, { type: 'teleport', region: to.region, position: to.position });
      let finished: VisitTravel | undefined;
      while (!failure) {
        await sleep(25);
        frame();
        const now = deps.now();
        const end = travel.slice(seen).find((t) => t.kind === 'teleport_finish' || t.kind === 'teleport_failed');
        if (end?.kind === 'teleport_failed') {
          failure = new VisitFailure('visit_teleport_failed', `visit: the teleport to ${to.region} failed: ${end.message}`);
          return;
        }
        if (end) {
          finished = end;
          break;
        }
        if (now - asked > TELEPORT_WAIT_MS) {
          failure = new VisitFailure('visit_timeout', `visit: no answer to the teleport within ${TELEPORT_WAIT_MS / 1000} s`);
          return;
        }
      }
      timings.teleport_ms = finished ? finished.ms : null;
      // The first prim drawn inside the region you arrived in (at once for a neighbour already shown), then quiet
      // for SETTLE_MS.
      timings.teleport_first_prim_ms = null;
      const region = shownRegions[0];
      const inside = (p: Vec3): boolean =>
        region !== undefined &&
        p[0] >= region.origin[0] &&
        p[1] >= region.origin[1] &&
        p[0] < region.origin[0] + region.size[0] &&
        p[1] < region.origin[1] + region.size[1];
      let quietSince = deps.now();
      for (;;) {
        await sleep(25);
        const known = app.resource(Entities).byNet.size;
        frame();
        const now = deps.now();
        if (app.resource(Entities).byNet.size !== known) quietSince = now;
        if (timings.teleport_first_prim_ms === null) {
          const index = app.resource(Entities);
          for (const ecs of index.byNet.values()) {
            if (!app.world.isAlive(ecs) || app.world.has(ecs, Avatar)) continue;
            const p = app.world.get(ecs, Transform).position;
            if (inside([p[0] ?? 0, p[1] ?? 0, p[2] ?? 0])) {
              timings.teleport_first_prim_ms = Math.round(now - asked);
              break;
            }
          }
        }
        if ((timings.teleport_first_prim_ms !== null && now - quietSince >= SETTLE_MS) || now - asked > TELEPORT_WAIT_MS * 2)
          break;
      }
      log(
        `teleported to ${shownRegions[0]?.name ?? to.region} in ${timings.teleport_ms} ms; first prim after ${timings.teleport_first_prim_ms} ms`,
      );
    };

    const stayMs = options.seconds * 1000;
    const walk = options.walk ? createWalk(options.walk, app.resource(Facing).yaw) : null;
    let walkStart: number | null = null;
    let lastInput = '';
    const path: [number, number, number, number][] = [];
    for (;;) {
      await sleep(walk && walkStart !== null ? 10 : 25);
      frame();
      const now = deps.now();
      if (failure) break;
      if (walk && settledAt !== null) {
        walkStart ??= now;
        const t = now - walkStart;
        const input = walk.at(t, app.resource(PhysicsKey).grounded);
        const key = JSON.stringify(input);
        if (key !== lastInput) {
          lastInput = key;
          app.send(Commands, { type: 'input', move: input.move, yaw: input.yaw, run: false, fly: input.fly });
        }
        const self = selfPosition();
        if (self && t >= path.length * PATH_EVERY_MS && t <= walk.duration + WALK_SETTLE_MS)
          path.push([Math.round(t), round(self[0]), round(self[1]), round(self[2])]);
        if (t < walk.duration + WALK_SETTLE_MS) continue;
      }
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
          log(`settled at ${timings.settled_ms} ms with ${app.resource(Entities).byNet.size} entities`);
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
      // A walk starts on the next pass once the scene settled.
      if (now - welcomedAt < stayMs || (walk && walkStart === null)) continue;
      if (sayAt !== null && !echoed && now - sayAt < SAY_ECHO_MS) continue;
      break;
    }
    if (failure) throw failure;
    if (options.teleport && os) await teleport(options.teleport);
    if (failure) throw failure;
    if (sayAt !== null && !echoed)
      errors.push({
        code: 'visit_say_not_echoed',
        message: `visit: "${options.say}" did not come back as chat within ${SAY_ECHO_MS / 1000} s`,
      });
    if (walk) {
      const end = selfPosition();
      const physics = app.resource(PhysicsKey);
      if (end)
        report.self = {
          path,
          final: [round(end[0]), round(end[1]), round(end[2])],
          predicted: physics.predicted !== null,
          authority: physics.authority
            ? [round(physics.authority[0]), round(physics.authority[1]), round(physics.authority[2])]
            : null,
        };
      if (physics.error) errors.push({ code: 'physics_unavailable', message: physics.error });
    }
    // Assets are fetched while the session lives: closing the socket logs out, and the asset route with it.
    if (options.assets && gridSession) {
      const table = app.resource(Materials).writer;
      const index = app.resource(Entities);
      const sounds = app.hasResource(SoundAssetTable) ? app.resource(SoundAssetTable).ids : null;
      looks = new Map();
      for (const [id, ecs] of index.byNet)
        if (app.world.isAlive(ecs)) looks.set(id, readLooks(app.world, ecs, id, sounds, index.texts.get(id), table));
      // Set by the observer's system: TypeScript cannot see that assignment from here.
      const region = regionInfo as RegionInfo | null;
      const prims = [...looks.values()].filter((l) => l.prim);
      const named = namedAssets(prims, table, region?.terrainTextures ?? []);
      const sculptMaps = new Set(prims.flatMap((l) => (l.sculpt && l.sculpt.type !== 'mesh' ? [l.sculpt.map] : [])));
      log(`fetching and decoding ${named.size} assets through the edge`);
      const session = gridSession;
      const store = createAssetStore({
        base: `${options.edge}/api/grid/${session.session}`,
        token: session.token,
        fetch: (url, init) => deps.fetch(url, init),
        cache: null,
        failureTtlMs: 0,
      });
      loaded = await loadAssets(named, sculptMaps, store, { log, sleep });
      const failed = Object.values(loaded.report).filter((a) => a.error).length;
      log(`assets: ${named.size - failed} decoded, ${failed} failed`);
      report.assets = loaded.report;
      report.region = region
        ? {
            terrainTextures: region.terrainTextures,
            terrainStartHeights: region.terrainStartHeights,
            terrainHeightRanges: region.terrainHeightRanges,
            waterHeight: region.waterHeight,
          }
        : null;
    }
    // Finalverse: the glTF models the entities draw, from the edge's model route (content-addressed, no token).
    if (options.assets && !os) {
      const modelColumn = app.world.column(Model, 'hash');
      const hashes = new Map<string, AssetKind>();
      for (const ecs of app.resource(Entities).byNet.values())
        if (app.world.isAlive(ecs) && app.world.has(ecs, Model))
          hashes.set(modelHashAt(modelColumn, app.world.indexOf(ecs)), 'model');
      log(`fetching and decoding ${hashes.size} models through the edge`);
      const store = createAssetStore({
        base: options.edge,
        url: (_kind, id) => `${options.edge}/api/models/${id}`,
        token: '',
        fetch: (url, init) => deps.fetch(url, init),
        cache: null,
        failureTtlMs: 0,
      });
      const models = await loadAssets(hashes, new Set(), store, { log, sleep });
      const failed = Object.values(models.report).filter((a) => a.error).length;
      log(`models: ${hashes.size - failed} decoded, ${failed} failed`);
      report.assets = models.report;
    }
  } catch (err) {
    if (err instanceof VisitFailure) failure = err;
    else if (err instanceof VisitUsageError) failure = new VisitFailure('visit_usage', err.message);
    else throw err;
  } finally {
    app.resource(NetLinkKey).close();
  }

  // What the client holds at the end: the App's entities as its ECS has them (world poses, shapes, colours).
  if (conn) {
    const ecsWorld = app.world;
    const index = app.resource(Entities);
    const parents = ecsWorld.column(NetId, 'parent');
    const faceCount = ecsWorld.column(Faces, 'count');
    const rgba = ecsWorld.column(Faces, 'rgba');
    for (const [id, ecs] of index.byNet) {
      if (!ecsWorld.isAlive(ecs)) continue;
      const kind = ecsWorld.has(ecs, Avatar) ? 'avatar' : 'prim';
      const slot = ecsWorld.indexOf(ecs);
      const t = ecsWorld.get(ecs, Transform);
      const position: Vec3 = [round(t.position[0] ?? 0), round(t.position[1] ?? 0), round(t.position[2] ?? 0)];
      const rotation: Quat = [
        round(t.rotation[0] ?? 0),
        round(t.rotation[1] ?? 0),
        round(t.rotation[2] ?? 1),
        round(t.rotation[3] ?? 1),
      ];
      const f = firstSeen.get(id);
      const o = slot * MAX_FACE_COLORS * 4;
      const colour: [number, number, number, number] =
        (faceCount[slot] ?? 0) > 0 ? [rgba[o] ?? 0, rgba[o + 1] ?? 0, rgba[o + 2] ?? 0, rgba[o + 3] ?? 0] : [255, 255, 255, 255];
      const shape: PrimShape | null = kind === 'prim' ? ecsWorld.get(ecs, Shape) : null;
      const parent = parents[slot] ?? 0;
      const model = kind === 'prim' && ecsWorld.has(ecs, Model) ? modelHashAt(ecsWorld.column(Model, 'hash'), slot) : null;
      const raw = looks?.get(id);
      const appearance = raw && loaded && kind === 'prim' ? looksReport(raw, app.resource(Materials).writer, loaded) : undefined;
      report.entities.push({
        id,
        uuid: index.uuids.get(id) ?? null,
        kind,
        shape: model ? 'model' : shape ? shapeName(shape) : 'avatar',
        name: index.names.get(id) ?? '',
        position,
        rotation: [rotation[0], rotation[1], rotation[2], rotation[3]],
        scale: [round(t.scale[0] ?? 0, 5), round(t.scale[1] ?? 0, 5), round(t.scale[2] ?? 0, 5)],
        colour,
        parent: parent === 0 ? null : parent,
        moved:
          moved.has(id) ||
          (f !== undefined && Math.hypot(position[0] - f[0], position[1] - f[1], position[2] - f[2]) > MOVED_EPSILON),
        ...(model ? { model } : {}),
        ...(os ? { region: regionAt(shownRegions, position) } : {}),
        ...(appearance ?? {}),
      });
    }
    report.entities.sort((a, b) => a.id - b.id);
    if (os) {
      report.regions = shownRegions;
      report.travel = travel;
    }
    report.terrain = terrainReport(app.resource(TerrainKey).field, report.world.size);
  }
  const failed = failure as VisitFailure | null;
  return {
    report,
    failure: failed ? { code: failed.code, message: failed.message } : null,
    count: report.entities.length,
    trace: app.exportTrace(`visit${tag}`),
    metrics: app.resource(MetricsKey).toJsonl(),
  };
}

/** Runs `visit` as the CLI does: one visitor, or `--bots N` at once. Never throws for a world's refusal. */
export async function runVisit(options: VisitOptions, deps: VisitDeps): Promise<VisitOutcome> {
  let target: VisitTarget;
  try {
    target = resolveTarget(options);
    if (options.assets && options.bots > 1) throw new VisitUsageError('visit: --assets is for one visitor (leave out --bots)');
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
  if (run.failure)
    return {
      ...fail(run.failure, { timings: run.report.timings, errors: run.report.errors }),
      trace: run.trace,
      metrics: run.metrics,
    };
  return { exitCode: 0, json: { ...run.report }, trace: run.trace, metrics: run.metrics };
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
  const trace = runs[0]?.run.trace;
  const metrics = runs[0]?.run.metrics;
  const outputs = { ...(trace ? { trace } : {}), ...(metrics !== undefined ? { metrics } : {}) };
  if (ok.length === runs.length) return { exitCode: 0, json, ...outputs };
  const firstFailure = runs.find((r) => r.run.failure)?.run.failure ?? { code: 'visit_failed', message: 'visit: a bot failed' };
  return {
    exitCode: EXIT_CODES[firstFailure.code] ?? EXIT_OTHER,
    ...outputs,
    json: {
      error: {
        code: firstFailure.code,
        message: `${runs.length - ok.length} of ${runs.length} bots failed; first: ${firstFailure.message}`,
      },
      ...json,
    },
  };
}
