/**
 * The messages between the page's plugin host and the trusted-plugin runner in the world worker
 * (web/plugin-runtime/trusted-runner.ts). The host speaks the sandbox's protocol to a trusted plugin (HostMessage
 * in, SandboxMessage out), parsed here with a schema on the runner's side; the runner adds its own reports
 * (per-frame cost, query cache, local entities, a failure). Both sides parse what they receive.
 */
import { z } from 'zod';
import { JsonPayload, MAX_BATCH, WorldSpec } from './sandbox-protocol';

/** Most bytes of a trusted plugin's entry (as the host's MAX_ENTRY_BYTES). */
const MAX_CODE_CHARS = 1024 * 1024;
const name = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
  .max(40);
const id = z.number().int().min(0).max(0x7fff_ffff);
const text = z.string().max(1024);
const line = z.object({ from: z.string().max(256), text: z.string().max(4096), at: z.number().finite() }).strict();

/**
 * Most rows a sandboxed plugin's query answer carries (a copy crosses two threads; a trusted plugin gets up to 4,096,
 * MAX_QUERY_ROWS, by reference). `count` is always the full count.
 */
export const MAX_SANDBOX_QUERY_ROWS = 1024;
/** Most world requests in one `world-ops` message (the host sends one per plugin per turn). */
export const MAX_WORLD_OPS = 256;

const entity = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * One world request of a sandboxed plugin, forwarded by the host after its permission and limits were checked; the
 * runner applies it with the trusted path's code (queries through the normalizer and per-tick cache, local entities
 * with their limits). `id` is the sandbox's request id, echoed in the reply.
 */
export const WorldOp = z.discriminatedUnion('op', [
  z.object({ id, op: z.literal('query'), spec: WorldSpec }).strict(),
  z.object({ id, op: z.literal('local-create'), spec: WorldSpec }).strict(),
  z.object({ id, op: z.literal('local-update'), entity, fields: WorldSpec }).strict(),
  z.object({ id, op: z.literal('local-remove'), entity }).strict(),
  z.object({ id, op: z.literal('local-count') }).strict(),
]);
export type WorldOp = z.infer<typeof WorldOp>;

/** A query answer as a sandboxed plugin gets it (a plain copy; at most MAX_SANDBOX_QUERY_ROWS rows). */
export const QueryAnswerCopy = z
  .object({
    count: z.number().int().min(0),
    rows: z
      .array(
        z
          .object({
            id: entity,
            position: z.tuple([z.number(), z.number(), z.number()]).nullable(),
            kind: z.enum(['avatar', 'prim', 'local', 'other']),
          })
          .strict(),
      )
      .max(MAX_SANDBOX_QUERY_ROWS),
    key: z.string().max(1024),
  })
  .strict();
export type QueryAnswerCopy = z.infer<typeof QueryAnswerCopy>;

/** The world's counters for one plugin (its profile: cache hits and misses, local entities). */
export const WorldStats = z
  .object({
    query_hits: z.number().int().min(0),
    query_misses: z.number().int().min(0),
    local_entities: z.number().int().min(0).max(1_000_000),
  })
  .strict();
export type WorldStats = z.infer<typeof WorldStats>;

/** Runner → host: the answers to one `world-ops` message, in order, and the plugin's counters after them. */
export const WorldReplies = z
  .object({
    t: z.literal('world-replies'),
    items: z
      .array(
        z.union([
          z.object({ id, ok: z.literal(true), value: z.union([entity, QueryAnswerCopy]).optional() }).strict(),
          z.object({ id, ok: z.literal(false), code: z.string().max(64), message: z.string().max(2048) }).strict(),
        ]),
      )
      .max(MAX_WORLD_OPS),
    stats: WorldStats,
  })
  .strict();
export type WorldReplies = z.infer<typeof WorldReplies>;

/** One answer to a plugin's request. */
const replyFields = {
  id,
  ok: z.boolean(),
  value: z.unknown().optional(),
  code: z.string().max(64).optional(),
  message: z.string().max(2048).optional(),
};

/** Answers one `replies` message carries at most. */
export const MAX_REPLIES = 1024;

/** Host → runner: one message for one trusted plugin (HostMessage, with `integrity` on load and `world`, `unload`). */
export const TrustedHostMessage = z.discriminatedUnion('t', [
  z
    .object({
      t: z.literal('load'),
      name,
      code: z.string().max(MAX_CODE_CHARS),
      /** The entry's SRI hash: the runner checks the code against it again before import(). */
      integrity: z.string().max(200),
      permissions: z.array(z.string().max(300)).max(32),
      token: z.string().max(4096),
      api: z.string().max(16),
      ack: z.boolean(),
    })
    .strict(),
  z
    .object({
      t: z.literal('call'),
      id,
      fn: z.enum(['init', 'shutdown']),
      dt: z.number().finite(),
      world: z.unknown().optional(),
    })
    .strict(),
  z
    .object({
      t: z.literal('events'),
      items: z
        .array(z.object({ seq: id, event: z.string().max(128), payload: JsonPayload, from: z.string().max(64) }).strict())
        .max(4096),
    })
    .strict(),
  z.object({ t: z.literal('chat'), line }).strict(),
  z.object({ t: z.literal('ui-action'), id: z.string().max(32) }).strict(),
  z.object({ t: z.literal('reply'), ...replyFields }).strict(),
  /** The answers of one host turn, in order (MAX_REPLIES a message: a burst of requests is answered in a few). */
  z.object({ t: z.literal('replies'), items: z.array(z.object(replyFields).strict()).min(1).max(MAX_REPLIES) }).strict(),
  z.object({ t: z.literal('token'), token: z.string().max(4096) }).strict(),
  z.object({ t: z.literal('error'), code: z.string().max(64), message: z.string().max(2048) }).strict(),
  /** The read-only world copy (world:read), refreshed by the host's frame. */
  z.object({ t: z.literal('world'), world: z.unknown() }).strict(),
  /**
   * Stops the plugin at once (after its shutdown call, which the host made): its local entities go. For a sandboxed
   * plugin (never loaded here) it removes the local entities its world requests made.
   */
  z.object({ t: z.literal('unload') }).strict(),
  /** A sandboxed plugin's world requests (docs/plugins.md), answered by one `world-replies`. */
  z.object({ t: z.literal('world-ops'), items: z.array(WorldOp).min(1).max(MAX_WORLD_OPS) }).strict(),
]);
export type TrustedHostMessage = z.infer<typeof TrustedHostMessage>;

/** The world worker's `trusted-plugin` command: one host message for the plugin `name`. */
export const TrustedCommand = z.object({ name, message: TrustedHostMessage }).strict();
export type TrustedCommand = z.infer<typeof TrustedCommand>;

/** Runner → host: what the runner reports beside the sandbox's messages. */
export const TrustedReport = z.discriminatedUnion('t', [
  z
    .object({
      t: z.literal('profile'),
      /** Update time on the engine's schedule, p50 of the last 64 frames (ms). */
      update_ms_p50: z.number().finite().min(0).max(3_600_000),
      updates: z.number().int().min(0),
      query_hits: z.number().int().min(0),
      query_misses: z.number().int().min(0),
      local_entities: z.number().int().min(0).max(1_000_000),
    })
    .strict(),
  /** The plugin threw (or its update's promise rejected): the runner unloaded it; `message` says why. */
  z.object({ t: z.literal('failed'), message: text }).strict(),
]);
export type TrustedReport = z.infer<typeof TrustedReport>;

/** The runner's `trusted-plugin` event: for plugin `name`, a sandbox message (or batch) or a report (the world event's `type` is ignored). */
export const TrustedEvent = z.object({ name, message: z.unknown() });
export type TrustedEvent = z.infer<typeof TrustedEvent>;

export { MAX_BATCH };
