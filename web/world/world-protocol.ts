/**
 * The world worker's door: the commands the page sends (parsed once, here, with their schema) and the events
 * the worker posts back.
 */
import { z } from 'zod';
import {
  MAX_CHAT_BYTES,
  MAX_PLAN_ACTIONS,
  type MapRegion,
  MapRequest,
  type OperationResult,
  type PeerLink,
  PeerMotion,
  Teleport,
  type Travel,
  WorldAction,
  WorldOperation,
} from '../../shared/protocol';
import type { AudioFrame } from '../audio/audio-protocol';
import type { EmbedEventMessage, EmbedResponseMessage, InitResult } from '../embed-sdk/protocol';
import type { ChromeTrace, MetricSnapshot, WorldMemory } from '../engine';
import type { RenderCommand } from '../render/render-protocol';
import type { TerrainField, TerrainTextures } from '../scene/heightfield';
import type { PickedObject } from './pick';
import type { ChatLine, WorldView } from './world-snapshot';

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
  /**
   * Asks for the access token the Finalverse connection holds (answered by `session-token`): the language tier's plans
   * are prepared for the visitor it names, so that this visitor's socket can commit them.
   */
  z.object({ type: z.literal('session-token'), id: z.number().int().min(0).max(0xffff_ffff) }),
  /**
   * Shows a prepared plan's actions in the world as translucent ghosts, drawn by this viewer only (the preview plugin,
   * web/world/plugins/preview.ts); replaces any preview shown. Answered by `preview`.
   */
  z.object({ type: z.literal('preview'), actions: z.array(WorldAction).min(1).max(MAX_PLAN_ACTIONS) }),
  /** Removes the preview's ghosts. Answered by `preview`. */
  z.object({ type: z.literal('preview-clear') }),
  z.object({ type: z.literal('close') }),
  /**
   * The render worker's median time per frame (its own work), as the page last heard it (once a second): the metrics
   * plugin puts it in the next snapshot as render_frame_ms.
   */
  z.object({ type: z.literal('render-stats'), frameMs: z.number().min(0).max(10_000) }),
  /** Asks for the engine's profiling spans as a Chrome trace and its metric snapshots (answered by `trace`). */
  z.object({ type: z.literal('trace') }),
  /** Peer-to-peer on or off (the HUD's toggle; off by default, and always off where the embedding page forbids it). */
  z.object({ type: z.literal('p2p'), on: z.boolean() }),
  /** Motion from the peer of avatar `entity`, as the page's peer transport received it (web/net/peer-transport.ts). */
  z.object({ type: z.literal('peer-motion'), entity: z.number().int().min(1).max(0xffff_ffff), motion: PeerMotion }),
  /** Arms the latency probe on avatar `entity` (the p2p bench): when its first moving update arrives by each path. */
  z.object({ type: z.literal('p2p-probe'), entity: z.number().int().min(1).max(0xffff_ffff) }),
  /** Grid travel: teleport to `position` in the region named `region` ('' for the one you are in); the Storm frame as it is. */
  Teleport,
  /**
   * The world map: the regions in a rectangle of grid coordinates (at most MAX_MAP_SPAN a side; the world-map plugin
   * checks the span), or, with `name` set, those whose names contain it. Answered by `map` events.
   */
  MapRequest.omit({ type: true }).extend({ type: z.literal('map-request') }),
  /**
   * Which entity a ray from the camera meets first (a click in the world: `origin` the camera's eye, `dir` through
   * the pixel, in the session frame); answered by `picked` with the same id.
   */
  z.object({
    type: z.literal('pick'),
    id: z.number().int().min(0).max(0xffff_ffff),
    origin: z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]),
    dir: z
      .tuple([z.number().finite(), z.number().finite(), z.number().finite()])
      .refine((d) => Math.hypot(d[0], d[1], d[2]) > 1e-9, 'a pick direction must not be zero'),
  }),
  /** One embed API request from the host page (the embed plugin, web/embed/embed-plugin.ts, parses it with the embed API's schema and answers with an `embed` event). */
  z.object({ type: z.literal('embed'), request: z.unknown() }),
  /** One message of the page's plugin host for a trusted plugin (web/plugin-runtime/trusted-runner.ts parses it). */
  z.object({ type: z.literal('trusted-plugin'), command: z.unknown() }),
]);
export type WorldCommand = z.infer<typeof WorldCommand>;

/** A heightfield to hand to the renderer: the renderer's own type, with the sample spacing always set. */
export type { TerrainField };

/** What the embed plugin (web/embed/embed-plugin.ts) sends the page's embed bridge. */
export type EmbedOutMessage =
  | { type: 'embed-ready'; engine: InitResult['engine']; crossOriginIsolated: boolean }
  | { type: 'embed-response'; response: EmbedResponseMessage }
  | { type: 'embed-event'; event: EmbedEventMessage }
  | { type: 'embed-failed'; message: string };

/** World worker → main thread. */
export type WorldEvent =
  /** The world's columns, the sync header and the render list (shared memory; the renderer attaches to them). */
  | {
      type: 'memory';
      memory: WorldMemory;
      sync: SharedArrayBuffer;
      renderList: SharedArrayBuffer;
      /** The material table (web/scene/material-table.ts). */
      materials: ArrayBufferLike;
    }
  | { type: 'view'; view: WorldView }
  | { type: 'chat'; line: ChatLine }
  | { type: 'terrain'; field: TerrainField; waterLevel: number | null; textures: TerrainTextures | null }
  /** A build committed: the new entities' server ids. */
  | { type: 'built'; created: number[] }
  /** The preview plugin drew (or removed) a plan's ghosts: how many it draws now. */
  | { type: 'preview'; ghosts: number }
  /** The result of an `operate` command (its id). */
  | { type: 'operated'; id: number; result: OperationResult }
  /** The answer to `session-token`: the Finalverse world and token of the connection, or nulls when there is none. */
  | { type: 'session-token'; id: number; world: string | null; token: string | null }
  | { type: 'error'; code: string; message: string }
  /** The engine's recent frames, phases and systems (open in Perfetto), and its metric snapshots of the last hour as JSONL. */
  | { type: 'trace'; trace: ChromeTrace; metrics: string }
  /** The embed plugin: ready, the answer to an `embed` command, or an event for the host. */
  | { type: 'embed'; message: EmbedOutMessage }
  /** The newest metric snapshot (one a second), for the page's AI worker (the load forecast). */
  | { type: 'metrics'; snapshot: MetricSnapshot }
  /** The sound plugin: the listener and what is audible from it, for the page's mixer (web/audio). */
  | { type: 'audio'; frame: AudioFrame }
  /** The p2p plugin: the peers the room named (with what the page's transport signals with), '' self when off. */
  | { type: 'peers'; world: string; token: string; self: string; peers: PeerLink[] }
  /** The p2p plugin: your avatar's motion for your peers, every frame it moves (and 4 times a second standing). */
  | { type: 'self-motion'; motion: PeerMotion }
  /** A step of grid travel (teleport progress, arrival or failure, a crossing, a neighbour shown, dropped or refused). */
  | { type: 'travel'; travel: Travel }
  /** The p2p plugin's counters, twice a second while p2p is on. */
  | { type: 'p2p-stats'; stats: PeerMotionStats }
  /** The world-map plugin: the regions of one `map` frame (the answer to a map request). */
  | { type: 'map'; regions: MapRegion[] }
  /** The pick plugin: the answer to `pick` (its id): the nearest entity the ray met, or null. */
  | { type: 'picked'; id: number; object: PickedObject | null }
  /** A trusted plugin's message for the page's plugin host (web/plugins/trusted-protocol.ts; the host parses it). */
  | { type: 'trusted-plugin'; name: string; message: unknown };

/** What the world worker did with peer motion. */
export interface PeerMotionStats {
  /** Peer updates drawn. */
  applied: number;
  /** Room motion updates left out because fresher peer motion agreed with them. */
  roomSkipped: number;
  /** Peer motion the room disagreed with: the room's state was drawn, and that peer's motion ignored for a second. */
  corrections: number;
  /** Peer updates ignored (unknown entity, your own avatar, or under a correction). */
  ignored: number;
  /**
   * The latency probe, when armed: Date.now() of the probed avatar's first moving update by each path (0: not yet),
   * and the sender's Date.now() stamped on that peer update.
   */
  probe?: { entity: number; peerAt: number; roomAt: number; peerSentAt: number };
  /** Frames and bytes the room has sent this visitor's connection so far (the p2p bench's messages/s). */
  room: { frames: number; bytes: number };
}

/** What the renderer takes from a world event: its shared memory and its terrain (null for every other event). */
export function renderCommandOf(event: WorldEvent): Extract<RenderCommand, { type: 'attach-world' | 'terrain' }> | null {
  if (event.type === 'memory') {
    const { memory, sync, renderList, materials } = event;
    return { type: 'attach-world', memory, sync, renderList, materials };
  }
  if (event.type === 'terrain') {
    const { field, waterLevel, textures } = event;
    return { type: 'terrain', field, waterLevel, textures };
  }
  return null;
}

/**
 * Where an input asks you to go (its movement axes, running, flying), as one comparable string: the page sends an
 * input at once when this changes, and the world worker then runs a frame at once. Turning alone does not change it.
 */
export function movementKey(move: readonly number[], run: boolean, fly: boolean): string {
  return `${move.join(',')}|${run}|${fly}`;
}
