/**
 * The world worker's logic: owns the ECS world, applies what the net runtime receives, extrapolates movers,
 * forwards your input and chat, assembles terrain, and posts a throttled snapshot for the HUD.
 */
import { z } from 'zod';
import { MAX_CHAT_BYTES, type OperationResult, type TerrainPatch, WorldOperation } from '../../shared/protocol';
import { createWorld, type World, type WorldMemory } from '../engine';
import type { NetCommand, NetEvent } from '../net/net-worker-runtime';
import { Transform, VIEWER_COMPONENTS } from '../scene/components';
import type { TerrainField } from '../scene/heightfield';
import { createSyncBuffer, SyncWriter } from '../scene/sync-header';
import { WorldApplier } from './world-apply';
import { type ChatLine, EMPTY_WORLD_VIEW, type PersonView, type WorldView } from './world-snapshot';

const axis = z.number().min(-1).max(1);

/** Main thread → world worker, parsed at the worker's door. */
export const WorldCommand = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('connect'),
    origin: z.string().url().max(512),
    world: z.string().regex(/^[a-z0-9-]{1,32}$/),
    kind: z.enum(['fv', 'os']),
    /** Where to start: a link's x/y/z (metres). */
    at: z.tuple([z.number(), z.number(), z.number()]).optional(),
  }),
  /** An OpenSim region: the GridSession POST /api/grid/login opened (the password never reaches this worker). */
  z.object({
    type: z.literal('connect-grid'),
    origin: z.string().url().max(512),
    socket: z.string().regex(/^\/ws\/grid\/g-[0-9a-f]{24}$/),
    token: z.string().min(1).max(4096),
    region: z.string().min(1).max(64),
    size: z.tuple([z.number().positive().max(65536), z.number().positive().max(65536)]),
  }),
  z.object({
    type: z.literal('input'),
    move: z.tuple([axis, axis, axis]),
    yaw: z.number().finite(),
    run: z.boolean(),
    fly: z.boolean(),
  }),
  /** As many characters as a chat frame may carry bytes (the codec checks the bytes). */
  z.object({ type: z.literal('chat'), text: z.string().min(1).max(MAX_CHAT_BYTES) }),
  /** Builds a primitive a few metres in front of your avatar (prepare, then commit). */
  z.object({ type: z.literal('build'), shape: z.enum(['box', 'sphere']) }),
  /** One World Tool Protocol operation as it is (the embed API's sendPacket); answered by `operated` with the same id. */
  z.object({ type: z.literal('operate'), id: z.number().int().min(0).max(0xffff_ffff), body: WorldOperation }),
  z.object({ type: z.literal('close') }),
]);
export type WorldCommand = z.infer<typeof WorldCommand>;

/** A heightfield to hand to the renderer: the renderer's own type, with the sample spacing always set. */
export type { TerrainField };

/** World worker → main thread. */
export type WorldEvent =
  | { type: 'memory'; memory: WorldMemory; sync: SharedArrayBuffer }
  | { type: 'view'; view: WorldView }
  | { type: 'chat'; line: ChatLine }
  | { type: 'terrain'; field: TerrainField; waterLevel: number | null }
  /** A build committed: the new entities' server ids. */
  | { type: 'built'; created: number[] }
  /** The result of an `operate` command (its id). */
  | { type: 'operated'; id: number; result: OperationResult }
  | { type: 'error'; code: string; message: string };

/** Capacity of the viewer's world (growable buffers start small). */
const WORLD_CAPACITY = 262_144;
const VIEW_INTERVAL_MS = 250;
const INPUT_REPEAT_MS = 500;
const MAP_POINTS = 4000;

export interface WorldHostOptions {
  post: (event: WorldEvent, transfer?: Transferable[]) => void;
  /** Sends a command to the net runtime (its events come back through `onNet`). */
  net: (command: NetCommand) => void;
  now: () => number;
  workers: number;
}

/** Builds a heightfield covering every patch received so far (patches are squares of `size` samples). */
export function assembleTerrain(patches: Iterable<TerrainPatch>): TerrainField | null {
  let spacing = 0;
  let maxX = 0;
  let maxY = 0;
  const list = [...patches];
  for (const p of list) {
    spacing = spacing || p.spacing;
    maxX = Math.max(maxX, p.x + p.size * p.spacing);
    maxY = Math.max(maxY, p.y + p.size * p.spacing);
  }
  if (list.length === 0 || spacing <= 0) return null;
  // One sample more than the covered span, so the last row and column have a height (repeated from the edge).
  const width = Math.round(maxX / spacing) + 1;
  const height = Math.round(maxY / spacing) + 1;
  const heights = new Float32Array(width * height);
  for (const p of list) {
    const x0 = Math.round(p.x / spacing);
    const y0 = Math.round(p.y / spacing);
    for (let j = 0; j < p.size; j++) {
      for (let i = 0; i < p.size; i++) {
        const x = x0 + i;
        const y = y0 + j;
        if (x < width && y < height) heights[y * width + x] = p.heights[j * p.size + i] ?? 0;
      }
    }
  }
  for (let y = 0; y < height; y++) heights[y * width + width - 1] = heights[y * width + width - 2] ?? 0;
  for (let x = 0; x < width; x++) heights[(height - 1) * width + x] = heights[(height - 2) * width + x] ?? 0;
  return { width, height, spacing, heights };
}

export class WorldHost {
  readonly world: World;
  private readonly applier: WorldApplier;
  private readonly syncBuffer = createSyncBuffer();
  private view: WorldView = EMPTY_WORLD_VIEW;
  private readonly terrain = new Map<string, TerrainPatch>();
  private terrainDirty = false;
  private kind: 'fv' | 'os' = 'fv';
  private worldName = '';
  private lastView = 0;
  private lastTick = 0;
  private lastInput = 0;
  private lastMove = '';
  private chatId = 0;
  private bytes = { at: 0, inKB: 0, outKB: 0 };
  private traffic: { at: number; bytesIn: number; bytesOut: number } | null = null;
  private lastStats = 0;
  private yaw = Math.PI / 2;
  private nextOperation = 1;
  /** Operations in flight: prepare ids whose plan is committed once it arrives, and commit ids. */
  /** Operations in flight: a build's stage, or the id an `operate` command gave. */
  private readonly operations = new Map<number, 'prepare' | 'commit' | { asked: number }>();

  constructor(private readonly options: WorldHostOptions) {
    this.world = createWorld({ components: [...VIEWER_COMPONENTS], capacity: WORLD_CAPACITY });
    this.applier = new WorldApplier(this.world, new SyncWriter(this.syncBuffer));
    options.post({ type: 'memory', memory: this.world.memory, sync: this.syncBuffer });
  }

  /** A command from the main thread (already typed: the worker entry parses it). */
  handle(command: WorldCommand): void {
    switch (command.type) {
      case 'connect':
        this.forgetWorld();
        this.kind = command.kind;
        this.worldName = command.world;
        this.view = {
          ...EMPTY_WORLD_VIEW,
          connection: { state: 'connecting' },
          world: { kind: this.kind, name: command.world, size: [256, 256] },
        };
        this.options.net({
          type: 'connect',
          origin: command.origin,
          world: command.world,
          ...(command.at ? { at: command.at } : {}),
        });
        break;
      case 'connect-grid':
        this.forgetWorld();
        this.kind = 'os';
        this.worldName = command.region;
        this.view = {
          ...EMPTY_WORLD_VIEW,
          connection: { state: 'connecting' },
          world: { kind: 'os', name: command.region, size: command.size },
        };
        this.options.net({ type: 'connect-grid', origin: command.origin, socket: command.socket, token: command.token });
        break;
      case 'input':
        this.input(command);
        break;
      case 'chat':
        this.options.net({ type: 'chat', text: command.text });
        break;
      case 'operate': {
        const id = this.nextOperation++;
        this.operations.set(id, { asked: command.id });
        this.options.net({ type: 'operate', id, body: command.body });
        break;
      }
      case 'build':
        this.build(command.shape);
        break;
      case 'close':
        this.options.net({ type: 'close' });
        break;
    }
  }

  /**
   * Drops everything the previous connection delivered: a new connection (another world, or a new grid session
   * after the region restarted, whose objects have new ids) starts from its own snapshot.
   */
  private forgetWorld(): void {
    // Operations in flight belonged to the old connection: an `operate` hears that it failed.
    for (const stage of this.operations.values())
      if (typeof stage === 'object')
        this.options.post({
          type: 'operated',
          id: stage.asked,
          result: { op: 'failed', code: 'net_closed', message: 'world: the connection changed before the action was answered' },
        });
    this.operations.clear();
    this.applier.apply([], [...this.applier.byNet.keys()]);
    this.applier.selfNetId = 0;
    this.terrain.clear();
    this.terrainDirty = false;
  }

  /** An event from the net runtime. */
  onNet(event: NetEvent): void {
    switch (event.type) {
      case 'state': {
        const s = event.state;
        const connection =
          s === 'open'
            ? ({ state: 'in-world' } as const)
            : s === 'connecting'
              ? ({ state: 'connecting' } as const)
              : s === 'reconnecting'
                ? ({ state: 'reconnecting', reason: event.detail ?? 'the connection dropped', attempt: 1 } as const)
                : ({ state: 'failed', reason: event.detail ?? 'the connection closed' } as const);
        this.view = { ...this.view, connection };
        this.publish(true);
        break;
      }
      case 'welcome':
        this.applier.setSelf(event.avatar);
        break;
      case 'entities':
        this.applier.apply(event.upserted, event.despawned);
        break;
      case 'terrain':
        for (const p of event.patches) this.terrain.set(`${p.x},${p.y}`, p);
        this.terrainDirty = true;
        break;
      case 'chat':
        this.chatId += 1;
        this.options.post({ type: 'chat', line: { id: this.chatId, from: event.name, text: event.text, at: event.time } });
        break;
      case 'error':
        this.options.post({ type: 'error', code: event.code, message: event.message });
        break;
      case 'traffic': {
        const now = this.options.now();
        const last = this.traffic;
        if (last && now > last.at) {
          const seconds = (now - last.at) / 1000;
          this.setNetRates((event.bytesIn - last.bytesIn) / 1024 / seconds, (event.bytesOut - last.bytesOut) / 1024 / seconds);
        }
        this.traffic = { at: now, bytesIn: event.bytesIn, bytesOut: event.bytesOut };
        break;
      }
      case 'result': {
        const stage = this.operations.get(event.id);
        this.operations.delete(event.id);
        if (typeof stage === 'object') {
          this.options.post({ type: 'operated', id: stage.asked, result: event.result });
        } else if (stage === 'prepare' && event.result.op === 'prepare') {
          const id = this.nextOperation++;
          this.operations.set(id, 'commit');
          this.options.net({ type: 'operate', id, body: { op: 'commit', planId: event.result.planId } });
        } else if (stage === 'commit' && event.result.op === 'commit') {
          this.options.post({ type: 'built', created: event.result.created });
        } else if (stage && event.result.op === 'failed') {
          this.options.post({ type: 'error', code: event.result.code, message: event.result.message });
        }
        break;
      }
    }
  }

  /** Runs one simulation step: dead reckoning, terrain, throttled HUD snapshot. */
  step(): void {
    const now = this.options.now();
    const dt = this.lastTick ? Math.min(0.25, (now - this.lastTick) / 1000) : 0;
    this.lastTick = now;
    this.applier.extrapolate(dt);
    this.world.advanceTick();
    if (this.terrainDirty && now - this.lastView >= VIEW_INTERVAL_MS) {
      this.terrainDirty = false;
      const field = assembleTerrain(this.terrain.values());
      if (field)
        this.options.post({ type: 'terrain', field, waterLevel: this.kind === 'os' ? 20 : null }, [field.heights.buffer]);
    }
    if (now - this.lastStats >= 1000) {
      this.lastStats = now;
      this.options.net({ type: 'stats' });
    }
    this.publish(false);
  }

  /** Reports network byte counters (from the net runtime, if it exposes them). */
  setNetRates(inKBs: number, outKBs: number): void {
    this.bytes = { at: this.options.now(), inKB: inKBs, outKB: outKBs };
  }

  /** Prepares a primitive 3 m in front of you (1 m up), then commits the plan when it comes back. */
  private build(shape: 'box' | 'sphere'): void {
    const self = this.applier.byNet.get(this.applier.selfNetId);
    if (!self || !this.world.isAlive(self.ecs)) {
      this.options.post({ type: 'error', code: 'world_not_joined', message: 'world: you can build once you stand in the world' });
      return;
    }
    const p = this.world.get(self.ecs, Transform).position;
    const position: [number, number, number] = [
      (p[0] ?? 0) + Math.cos(this.yaw) * 3,
      (p[1] ?? 0) + Math.sin(this.yaw) * 3,
      (p[2] ?? 0) + 0.2,
    ];
    const id = this.nextOperation++;
    this.operations.set(id, 'prepare');
    this.options.net({
      type: 'operate',
      id,
      body: {
        op: 'prepare',
        actions: [{ tool: 'create_primitive', shape, position, scale: [1, 1, 1], color: [230, 120, 40, 255] }],
      },
    });
  }

  private input(command: Extract<WorldCommand, { type: 'input' }>): void {
    this.yaw = command.yaw;
    const now = this.options.now();
    const key = `${command.move.join(',')}|${command.run}|${command.fly}|${command.yaw.toFixed(2)}`;
    // A change goes out at once; an unchanged intent is repeated every INPUT_REPEAT_MS as a keep-alive.
    if (key === this.lastMove && now - this.lastInput < INPUT_REPEAT_MS) return;
    this.lastMove = key;
    this.lastInput = now;
    const half = command.yaw / 2;
    const flags = (command.run ? 1 : 0) | (command.fly ? 4 : 0);
    // The UI says forward/right/up; the protocol's second axis is "left".
    const [forward, right, up] = command.move;
    this.options.net({ type: 'input', move: [forward, -right, up], rotation: [0, 0, Math.sin(half), Math.cos(half)], flags });
  }

  private publish(force: boolean): void {
    const now = this.options.now();
    if (!force && now - this.lastView < VIEW_INTERVAL_MS) return;
    this.lastView = now;
    const people: PersonView[] = [];
    const mapPoints: number[] = [];
    let maxX = 256;
    let maxY = 256;
    for (const [netId, info] of this.applier.byNet) {
      if (!this.world.isAlive(info.ecs)) continue;
      const t = this.world.get(info.ecs, Transform);
      const position: [number, number, number] = [t.position[0] ?? 0, t.position[1] ?? 0, t.position[2] ?? 0];
      maxX = Math.max(maxX, position[0]);
      maxY = Math.max(maxY, position[1]);
      if (info.kind === 'avatar')
        people.push({ id: netId, name: info.name || 'Someone', position, self: netId === this.applier.selfNetId });
      else if (mapPoints.length < MAP_POINTS * 2) mapPoints.push(position[0], position[1]);
    }
    const self = people.find((p) => p.self) ?? null;
    // An OpenSim region told us its size at login; a Finalverse world's map grows with its content.
    const size: [number, number] =
      this.kind === 'os' && this.view.world ? this.view.world.size : [Math.ceil(maxX / 256) * 256, Math.ceil(maxY / 256) * 256];
    this.view = {
      ...this.view,
      world: { kind: this.kind, name: this.worldName, size },
      self,
      people,
      mapPoints,
      perf: {
        ...this.view.perf,
        entities: this.world.size,
        netInKBs: this.bytes.inKB,
        netOutKBs: this.bytes.outKB,
        workers: this.options.workers,
      },
    };
    this.options.post({ type: 'view', view: this.view });
  }
}
