/**
 * The world worker as an App (web/engine): the ECS owner whose frame runs through the schedule. Plugins, in
 * the order their systems run within a phase:
 *   net            the Storm connection; decoded frames written straight into the ECS columns (update)
 *   session        connect / close commands, the place you are in (update)
 *   motion         dead reckoning of roots, children posed against their parent (update)
 *   terrain        one heightfield in shared memory, posted to the renderer when it changed (update, postUpdate)
 *   input, chat, operations   what you do: movement intent, chat lines, World Tool actions (update)
 *   hud            the throttled snapshot for the page (postUpdate)
 *   metrics        one MetricSnapshot a second into the recorder's ring of the last hour (postUpdate)
 *   sound          entities' sounds, the listener and the audible sources for the page's mixer (postUpdate)
 *   render-extract the render list and your avatar's slot for the render worker (renderExtract)
 * Data flows one way: socket → inbox → columns → render list / HUD → render worker / page. The headless
 * `visit` client runs the same App in Node (without the page's outbox).
 */

import type { Rapier } from '../../shared/physics/rapier';
import {
  type App,
  bytesPerEntity,
  computeLayout,
  createAllocationPlan,
  createApp,
  type Plugin,
  type WorldOptions,
} from '../engine';
import type { ConnectionOptions, StormConnection } from '../net/storm-connection';
import { fetchSessionToken } from '../net/storm-connection';
import { VIEWER_COMPONENTS } from '../scene/components';
import { createRenderList } from '../scene/render-list';
import { createSyncBuffer, SyncWriter } from '../scene/sync-header';
import { Clock, Commands, CurrentPlace, Outbox, type Place, RegionsReceived, ServerError, TravelHeard, Welcomed } from './keys';
import { hudPlugin } from './plugins/hud';
import { chatPlugin, inputPlugin, operationsPlugin } from './plugins/interaction';
import { metricsPlugin } from './plugins/metrics';
import { motionPlugin } from './plugins/motion';
import { NetLinkKey, netPlugin } from './plugins/net';
import { p2pPlugin } from './plugins/p2p';
import { physicsPlugin } from './plugins/physics';
import { pickPlugin } from './plugins/pick';
import { previewPlugin } from './plugins/preview';
import { renderExtractPlugin } from './plugins/render-extract';
import { soundPlugin } from './plugins/sound';
import { terrainPlugin } from './plugins/terrain';
import { worldMapPlugin } from './plugins/world-map';
import type { WorldCommand, WorldEvent } from './world-protocol';
import type { PlanView } from './world-snapshot';

/** The most entities the viewer's world holds (growable buffers start small). */
export const WORLD_CAPACITY = 262_144;

/** The session plugin: the page's connect and close commands, and the place you stand in. */
function sessionPlugin(): Plugin {
  return {
    name: 'session',
    after: ['net'],
    build(app) {
      const place: Place = { kind: 'fv', name: '', size: [256, 256], bounds: null, origin: [0, 0] };
      app.insertResource(CurrentPlace, place);
      const commands = app.reader(Commands);
      const welcomes = app.reader(Welcomed);
      const errors = app.reader(ServerError);
      const regions = app.reader(RegionsReceived);
      const travel = app.reader(TravelHeard);
      app.addSystem({
        name: 'session',
        phase: 'update',
        run: () => {
          const link = app.resource(NetLinkKey);
          for (const c of commands.read()) {
            if (c.type === 'connect') {
              Object.assign(place, {
                kind: c.kind,
                name: c.world,
                size: [256, 256],
                bounds: null,
                origin: [0, 0],
                permissions: 0,
              });
              link.open({
                origin: c.origin,
                world: c.world,
                getToken: (world) => fetchSessionToken(c.origin, world),
                ...(c.at ? { at: c.at } : {}),
              });
            } else if (c.type === 'connect-grid') {
              // A grid session's token came with its login (the password never reaches this worker).
              Object.assign(place, {
                kind: 'os',
                name: c.region,
                size: [...c.size],
                bounds: null,
                origin: [0, 0],
                permissions: 0,
              });
              link.open({
                origin: c.origin,
                world: c.socket.slice('/ws/grid/'.length),
                socketPath: c.socket,
                getToken: async () => c.token,
              });
            } else if (c.type === 'close') link.close();
          }
          // The server's error frames (and the plugins' own, e.g. a bad terrain patch) reach the page.
          for (const e of errors.read()) app.resource(Outbox).post({ type: 'error', code: e.code, message: e.message });
          for (const w of welcomes.read()) {
            place.bounds = w.bounds;
            // A grid's welcome carries the GridSession's bits, not a Finalverse world's tool permissions.
            place.permissions = place.kind === 'fv' ? w.permissions : 0;
            if (place.kind === 'fv')
              place.size = [Math.round(w.bounds.max[0] - w.bounds.min[0]), Math.round(w.bounds.max[1] - w.bounds.min[1])];
          }
          // A grid session names the region you are in now (a crossing or teleport moves you on): links, the map
          // and the minimap follow it.
          for (const r of regions.read()) {
            const current = r.regions.find((g) => g.slot === r.current);
            if (!current || place.kind !== 'os') continue;
            place.name = current.name;
            place.size = [...current.size];
            place.origin = [...current.origin];
            place.regions = r.regions.map((g) => ({ name: g.name, origin: [...g.origin], size: [...g.size] }));
          }
          for (const t of travel.read()) app.resource(Outbox).post({ type: 'travel', travel: t });
        },
      });
    },
  };
}

export interface WorldAppOptions {
  /** Where events for the page go (nothing for a headless visitor). */
  post?: (event: WorldEvent, transfer?: Transferable[]) => void;
  now: () => number;
  /** navigator.hardwareConcurrency (or os.availableParallelism()). */
  hardwareConcurrency: number;
  /** Worker threads the viewer runs (for the overlay). */
  workers: number;
  /** Replaces the connection factory (tests and the bench feed frames without a socket). */
  connect?: (options: ConnectionOptions) => StormConnection;
  world?: Partial<WorldOptions>;
  /** Extra plugins (visit adds its observer), added last. */
  plugins?: Plugin[];
  /** Rapier, loading: your avatar is then predicted by physics (web/world/plugins/physics.ts). */
  rapier?: Promise<Rapier>;
  /** JS heap in use for the metrics (default: Chromium's performance.memory; visit passes Node's heap). */
  heapBytes?: () => number | undefined;
}

/** The world App and the shared memory the renderer attaches to. */
export interface WorldApp {
  readonly app: App;
  readonly sync: SharedArrayBuffer;
  readonly renderList: SharedArrayBuffer;
  readonly syncWriter: SyncWriter;
  /**
   * Hands the page's command (parsed at the door) to the world: into this frame's Commands, or, when a burst filled
   * them, kept in order for the next frames (MAX_COMMAND_BACKLOG at most; past that it is refused with
   * `world_commands_overflow`). A burst of answers to a trusted plugin's requests is never silently lost.
   */
  command(command: WorldCommand): void;
  /** Commands kept for later frames (a burst over a frame's Commands capacity). */
  backlog(): number;
  /** Runs one frame: the writes are bracketed by the sync header's sequence lock. */
  frame(dt: number): void;
}

/** Commands kept past one frame's Commands capacity, at most (about 64 frames' worth). */
export const MAX_COMMAND_BACKLOG = 65_536;

/**
 * Builds the world App. The allocation plan (seed 12.1) sets the entity capacity from the memory budget; the
 * performance overlay shows the plan.
 */
export function createWorldApp(options: WorldAppOptions): WorldApp {
  const components = [...VIEWER_COMPONENTS];
  const plan = createAllocationPlan({
    hardwareConcurrency: Math.max(1, Math.floor(options.hardwareConcurrency || 1)),
    // What one entity slot of the viewer's components really costs (columns, change ticks, query indexes).
    bytesPerEntity: bytesPerEntity(computeLayout(components, { capacity: 1 }), 16),
  });
  const capacity = Math.min(WORLD_CAPACITY, plan.entityCapacity);
  const app = createApp({
    world: { components, capacity, initialCapacity: 4096, ...options.world },
    now: options.now,
  });
  const planView: PlanView = {
    hardwareConcurrency: plan.hardwareConcurrency,
    workerThreads: plan.workerThreads,
    ecsWorkers: plan.ecsWorkers,
    aiWorkers: plan.aiWorkers,
    memoryBudgetMB: Math.round(plan.memoryBudgetBytes / (1024 * 1024)),
    entityCapacity: capacity,
  };
  const sync = createSyncBuffer();
  const syncWriter = new SyncWriter(sync);
  const renderList = createRenderList(app.world.layout.capacity);
  const post = options.post ?? (() => {});
  app.insertResource(Clock, { now: options.now });
  app.insertResource(Outbox, { post });
  app.addEvent(Commands);
  app.addPlugins(
    netPlugin(options.connect),
    sessionPlugin(),
    // Before motion: peer motion is drawn the frame it arrives.
    p2pPlugin(),
    motionPlugin(),
    terrainPlugin(),
    inputPlugin(),
    chatPlugin(),
    operationsPlugin(),
    previewPlugin(),
    hudPlugin({ plan: planView, workers: options.workers }),
    metricsPlugin({ buffers: [sync, renderList], renderList, ...(options.heapBytes ? { heapBytes: options.heapBytes } : {}) }),
    soundPlugin(),
    worldMapPlugin(),
    pickPlugin(),
    renderExtractPlugin(syncWriter, renderList),
  );
  if (options.rapier) app.addPlugin(physicsPlugin(options.rapier));
  for (const p of options.plugins ?? []) app.addPlugin(p);
  // Commands that did not fit a frame, oldest first; `head` is the next to go (a queue without shifting).
  let backlog: WorldCommand[] = [];
  let head = 0;
  let refused = 0;
  return {
    app,
    sync,
    renderList,
    syncWriter,
    command(command) {
      if (head === backlog.length && app.eventRoom(Commands) > 0) {
        app.send(Commands, command);
        return;
      }
      if (backlog.length - head >= MAX_COMMAND_BACKLOG) {
        if (refused++ === 0)
          post({
            type: 'error',
            code: 'world_commands_overflow',
            message: `world: over ${MAX_COMMAND_BACKLOG} commands waiting for the world's frames; the newest are refused`,
          });
        return;
      }
      backlog.push(command);
    },
    backlog: () => backlog.length - head,
    frame(dt) {
      // What waited goes first, in order, as far as this frame's Commands hold.
      for (let room = app.eventRoom(Commands); head < backlog.length && room > 0; room--)
        app.send(Commands, backlog[head++] as WorldCommand);
      if (head === backlog.length) {
        backlog = [];
        head = 0;
        refused = 0;
      }
      syncWriter.begin();
      try {
        app.update(dt);
      } finally {
        syncWriter.end();
      }
    },
  };
}
