/**
 * The messages between the page's plugin host and the trusted-plugin runner in the world worker
 * (web/plugin-runtime/trusted-runner.ts). The host speaks the sandbox's protocol to a trusted plugin (HostMessage
 * in, SandboxMessage out), parsed here with a schema on the runner's side; the runner adds its own reports
 * (per-frame cost, query cache, local entities, a failure). Both sides parse what they receive.
 */
import { z } from 'zod';
import { JsonPayload, MAX_BATCH } from './sandbox-protocol';

/** Most bytes of a trusted plugin's entry (as the host's MAX_ENTRY_BYTES). */
const MAX_CODE_CHARS = 1024 * 1024;
const name = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
  .max(40);
const id = z.number().int().min(0).max(0x7fff_ffff);
const text = z.string().max(1024);
const line = z.object({ from: z.string().max(256), text: z.string().max(4096), at: z.number().finite() }).strict();

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
  z
    .object({
      t: z.literal('reply'),
      id,
      ok: z.boolean(),
      value: z.unknown().optional(),
      code: z.string().max(64).optional(),
      message: z.string().max(2048).optional(),
    })
    .strict(),
  z.object({ t: z.literal('token'), token: z.string().max(4096) }).strict(),
  z.object({ t: z.literal('error'), code: z.string().max(64), message: z.string().max(2048) }).strict(),
  /** The read-only world copy (world:read), refreshed by the host's frame. */
  z.object({ t: z.literal('world'), world: z.unknown() }).strict(),
  /** Stops the plugin at once (after its shutdown call, which the host made): its local entities go. */
  z.object({ t: z.literal('unload') }).strict(),
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
