/**
 * The messages between the plugin host and a sandboxed plugin (public/plugin-sandbox.js). Everything a plugin
 * posts is parsed here with a schema and size limits; nonsense is refused and counted. Host → sandbox messages
 * are typed here too (the sandbox is plain JavaScript and checks their `t`).
 */
import { z } from 'zod';

/** Most bytes of a payload a plugin may publish or send (as JSON). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** A JSON value of at most MAX_PAYLOAD_BYTES (cyclic or non-JSON values are refused). */
export const JsonPayload = z.unknown().refine(
  (v) => {
    try {
      const s = JSON.stringify(v);
      return s === undefined || s.length <= MAX_PAYLOAD_BYTES;
    } catch {
      return false;
    }
  },
  { message: `a JSON value of at most ${MAX_PAYLOAD_BYTES} bytes` },
);

/** A declarative panel (`ctx.ui.panel`): the viewer draws it with solid-js; never HTML. */
export const PanelItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().max(512) }).strict(),
  z.object({ kind: z.literal('field'), label: z.string().max(64), value: z.string().max(256) }).strict(),
  z.object({ kind: z.literal('list'), items: z.array(z.string().max(256)).max(100) }).strict(),
  z.object({ kind: z.literal('button'), id: z.string().regex(/^[a-z0-9-]{1,32}$/), label: z.string().max(64) }).strict(),
]);
export type PanelItem = z.infer<typeof PanelItem>;
export const PanelSchema = z.object({ title: z.string().max(64), items: z.array(PanelItem).max(64) }).strict();
export type PanelSchema = z.infer<typeof PanelSchema>;

const id = z.number().int().min(0).max(0x7fff_ffff);

/** A camera setting a plugin with camera:control asks for (`ctx.camera.set`); the renderer clamps it further. */
export const CameraShot = z
  .object({
    mode: z.enum(['follow', 'free']).optional(),
    /** Follow distance (m). */
    distance: z.number().finite().min(0.5).max(64).optional(),
    /** Vertical field of view (degrees). */
    fovDeg: z.number().finite().min(10).max(120).optional(),
    /** Look angles (radians). */
    yaw: z.number().finite().min(-7).max(7).optional(),
    pitch: z.number().finite().min(-1.5).max(1.5).optional(),
  })
  .strict();
export type CameraShot = z.infer<typeof CameraShot>;
const text = z.string().max(1024);

/** Most bytes (as JSON) of a world request's spec: a query names at most 24 components, a local entity is 4 fields. */
export const MAX_WORLD_SPEC_BYTES = 2048;
/** A world request's spec: a small JSON value; its fields are parsed in the world worker, by the trusted path's schemas. */
export const WorldSpec = z.unknown().refine(
  (v) => {
    try {
      const s = JSON.stringify(v);
      return s !== undefined && s.length <= MAX_WORLD_SPEC_BYTES;
    } catch {
      return false;
    }
  },
  { message: `a JSON value of at most ${MAX_WORLD_SPEC_BYTES} bytes` },
);
/** A local entity's id as `ctx.world.local.create` answered it. */
const entityId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Sandbox → host. */
const SandboxEvent = z.discriminatedUnion('t', [
  z
    .object({
      t: z.literal('loaded'),
      hooks: z.object({ init: z.boolean(), update: z.boolean(), shutdown: z.boolean() }).strict(),
      /** How long importing the module took in the sandbox. */
      ms: z.number().finite().min(0).max(3_600_000).optional(),
    })
    .strict(),
  z.object({ t: z.literal('load-failed'), message: text }).strict(),
  z.object({ t: z.literal('done'), id, ms: z.number().finite().min(0).max(3_600_000), error: text.optional() }).strict(),
  z
    .object({
      t: z.literal('publish'),
      event: z.string().max(128),
      payload: JsonPayload,
      token: z.string().max(4096),
      /** The `seq` of the event the plugin was handling when it published (its chain is this event's cause). */
      cause: id.optional(),
    })
    .strict(),
  z.object({ t: z.literal('subscribe'), pattern: z.string().max(128) }).strict(),
  z.object({ t: z.literal('handled'), seq: id }).strict(),
  z.object({ t: z.literal('log'), level: z.enum(['info', 'warn', 'error']), text }).strict(),
]);

/** Sandbox → host: a capability request (answered by a `reply` with its id). */
export const SandboxRequest = z.discriminatedUnion('op', [
  z
    .object({
      t: z.literal('request'),
      id,
      op: z.literal('fetch'),
      url: z.string().max(2048),
      method: z.enum(['GET', 'POST']),
      body: z
        .string()
        .max(64 * 1024)
        .optional(),
    })
    .strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('storage-get'), key: z.string().max(128) }).strict(),
  z
    .object({
      t: z.literal('request'),
      id,
      op: z.literal('storage-set'),
      key: z.string().max(128),
      value: z
        .string()
        .max(64 * 1024)
        .nullable(),
    })
    .strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('chat-send'), text: z.string().min(1).max(1024) }).strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('panel'), panel: PanelSchema }).strict(),
  /** camera:control: a shot (`ctx.camera.set`), or null to put the camera back (`ctx.camera.reset`). */
  z.object({ t: z.literal('request'), id, op: z.literal('camera'), shot: CameraShot.nullable() }).strict(),
  /**
   * world:read / world:local (docs/plugins.md): forwarded by the host to the world worker, where the spec is parsed by
   * the same schemas and code as a trusted plugin's (web/plugin-runtime/plugin-queries.ts, local-entities.ts).
   */
  z.object({ t: z.literal('request'), id, op: z.literal('query'), spec: WorldSpec }).strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('local-create'), spec: WorldSpec }).strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('local-update'), entity: entityId, fields: WorldSpec }).strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('local-remove'), entity: entityId }).strict(),
  z.object({ t: z.literal('request'), id, op: z.literal('local-count') }).strict(),
]);

/** The requests a sandbox makes of the world (the host forwards them to the world worker). */
export const WORLD_OPS = ['query', 'local-create', 'local-update', 'local-remove', 'local-count'] as const;
export type WorldOpName = (typeof WORLD_OPS)[number];
/** The permission each world request needs (checked by the host, never by the sandbox). */
export const WORLD_OP_PERMISSION: Readonly<Record<WorldOpName, 'world:read' | 'world:local'>> = {
  query: 'world:read',
  'local-create': 'world:local',
  'local-update': 'world:local',
  'local-remove': 'world:local',
  'local-count': 'world:local',
};
export type SandboxRequest = z.infer<typeof SandboxRequest>;

/** Sandbox → host: one message. */
export const SandboxSingle = z.union([SandboxEvent, SandboxRequest]);
export type SandboxSingle = z.infer<typeof SandboxSingle>;

/** Most messages in one batch (the sandbox flushes at this many, or at the end of its turn). */
export const MAX_BATCH = 256;

/**
 * Sandbox → host: one message, or a batch of them in order (the sandbox sends what one turn of the plugin produced
 * as one postMessage; each item is parsed on its own, so one bad item is refused and the rest stand).
 */
export const SandboxBatch = z.object({ t: z.literal('batch'), items: z.array(z.unknown()).min(1).max(MAX_BATCH) }).strict();
export const SandboxMessage = z.union([SandboxSingle, SandboxBatch]);
export type SandboxMessage = z.infer<typeof SandboxMessage>;

/** Host → sandbox (the sandbox's own port; the plugin's code cannot post on it). */
export type HostMessage =
  /**
   * `ack`: answer each event with `handled` (only plugins that may publish need it, for loop detection). `init`: the
   * call to make as soon as the module is imported (after `loaded` has left), when it exports init — the host times it
   * from `loaded`; a sandbox load needs no round trip between the two.
   */
  | {
      t: 'load';
      name: string;
      code: string;
      permissions: string[];
      token: string;
      api: string;
      ack: boolean;
      init?: { id: number; world: unknown };
    }
  /**
   * The host's guess while it reads a manifest: code this plugin ran before from the same URL (verified again by its
   * integrity), imported at once with no ctx; used only if the `load` that follows names the same code.
   */
  | { t: 'preload'; code: string }
  | { t: 'call'; id: number; fn: 'init' | 'update' | 'shutdown'; dt: number; world: unknown }
  /** Bus deliveries of one host turn, in order (`seq` is what a publish names as its `cause`). */
  | { t: 'events'; items: { seq: number; event: string; payload: unknown; from: string }[] }
  | { t: 'chat'; line: { from: string; text: string; at: number } }
  | { t: 'ui-action'; id: string }
  /** world:select: what was clicked in the world (web/world/pick.ts PickedObject). */
  | { t: 'select'; object: unknown }
  | { t: 'reply'; id: number; ok: boolean; value?: unknown; code?: string; message?: string }
  /** The answers of one host turn, in order (each as a `reply` without its `t`). */
  | { t: 'replies'; items: { id: number; ok: boolean; value?: unknown; code?: string; message?: string }[] }
  | { t: 'token'; token: string }
  | { t: 'error'; code: string; message: string };
