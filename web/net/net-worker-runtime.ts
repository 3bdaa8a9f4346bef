/**
 * The net worker's logic: one Storm connection driven by messages from the main thread, reporting
 * state and world changes back. `net.worker.ts` is the thin entry point that serves it.
 */
import { z } from 'zod';
import { type Entity, type OperationResult, Quat, type TerrainPatch, Vec3, WorldOperation } from '../../shared/protocol';
import { NetError } from './errors';
import {
  type ConnectionOptions,
  type ConnectionState,
  createStormConnection,
  fetchSessionToken,
  type StormConnection,
} from './storm-connection';

/** Messages the main thread sends to the net worker. */
export const NetCommand = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('connect'),
    origin: z.string().url(),
    world: z.string().regex(/^[a-z0-9-]{1,32}$/),
    /** Where to start (a link's x/y/z). */
    at: Vec3.optional(),
  }),
  /** An OpenSim region through a GridSession that POST /api/grid/login opened: its socket path and token. */
  z.object({
    type: z.literal('connect-grid'),
    origin: z.string().url(),
    socket: z.string().regex(/^\/ws\/grid\/g-[0-9a-f]{24}$/),
    token: z.string().min(1).max(4096),
  }),
  z.object({ type: z.literal('input'), move: Vec3, rotation: Quat, flags: z.number().int().min(0).max(255) }),
  z.object({ type: z.literal('chat'), text: z.string().min(1).max(1024) }),
  z.object({ type: z.literal('operate'), id: z.number().int(), body: WorldOperation }),
  z.object({ type: z.literal('close') }),
  /** Asks for a `traffic` event with the byte counters. */
  z.object({ type: z.literal('stats') }),
]);
export type NetCommand = z.infer<typeof NetCommand>;

/** Messages the net worker posts to the main thread. */
export type NetEvent =
  | { type: 'state'; state: ConnectionState; detail?: string }
  | { type: 'welcome'; avatar: number; session: string; permissions: number; resumed: boolean }
  | { type: 'entities'; tick: number; upserted: Entity[]; despawned: number[] }
  | { type: 'terrain'; patches: TerrainPatch[] }
  | { type: 'chat'; from: number; name: string; text: string; time: number }
  | { type: 'result'; id: number; result: OperationResult }
  | { type: 'error'; code: string; message: string }
  | { type: 'traffic'; bytesIn: number; bytesOut: number };

/**
 * Serves one connection: returns the handler for the main thread's messages; events go to `post`.
 * `connect` overrides connection options (tests inject sockets and timers).
 */
export function serveNetWorker(
  post: (event: NetEvent) => void,
  connect: Partial<ConnectionOptions> = {},
): (data: unknown) => void {
  let conn: StormConnection | null = null;
  /** Bumped for every new connection: a replaced connection's last words (its close) are not reported. */
  let generation = 0;
  const scope = { postMessage: post };
  return (data) => {
    const parsed = NetCommand.safeParse(data);
    if (!parsed.success) {
      scope.postMessage({
        type: 'error',
        code: 'net_bad_command',
        message: `net: unknown or malformed command (${parsed.error.issues[0]?.message ?? ''})`,
      });
      return;
    }
    const cmd = parsed.data;
    switch (cmd.type) {
      case 'connect':
      case 'connect-grid': {
        const current = ++generation;
        conn?.close();
        // A grid session's token came with its login; a Finalverse world's token is fetched (and refreshed).
        const target =
          cmd.type === 'connect'
            ? {
                world: cmd.world,
                getToken: (world: string) => fetchSessionToken(cmd.origin, world),
                ...(cmd.at ? { at: cmd.at } : {}),
              }
            : { world: cmd.socket.slice('/ws/grid/'.length), socketPath: cmd.socket, getToken: async () => cmd.token };
        conn = createStormConnection({
          origin: cmd.origin,
          ...target,
          ...connect,
          onState: (state, detail) => {
            if (current !== generation) return;
            scope.postMessage(detail === undefined ? { type: 'state', state } : { type: 'state', state, detail });
          },
          onMessage: (msg, change) => {
            if (current !== generation) return;
            const mirror = conn?.mirror;
            if (msg.type === 'welcome') {
              scope.postMessage({
                type: 'welcome',
                avatar: msg.avatar,
                session: msg.session,
                permissions: msg.permissions,
                resumed: msg.resumed,
              });
            } else if (msg.type === 'chat') {
              scope.postMessage({ type: 'chat', from: msg.from, name: msg.name, text: msg.text, time: msg.time });
            } else if (msg.type === 'error') {
              scope.postMessage({ type: 'error', code: msg.code, message: msg.message });
            }
            if (change.terrain.length > 0) scope.postMessage({ type: 'terrain', patches: change.terrain });
            if (mirror && (change.spawned.length > 0 || change.updated.length > 0 || change.despawned.length > 0)) {
              const upserted = [...change.spawned, ...change.updated].flatMap((id) => {
                const e = mirror.entities.get(id);
                return e ? [e] : [];
              });
              scope.postMessage({ type: 'entities', tick: mirror.tick, upserted, despawned: change.despawned });
            }
          },
        });
        return;
      }
      case 'input':
        conn?.sendInput(cmd.move, cmd.rotation, cmd.flags);
        return;
      case 'chat':
        conn?.chat(cmd.text);
        return;
      case 'operate': {
        const id = cmd.id;
        // A failure is the operation's result too (paired by id), so whoever asked hears about it.
        if (!conn) {
          scope.postMessage({
            type: 'result',
            id,
            result: { op: 'failed', code: 'net_closed', message: 'net: not connected; send connect first' },
          });
          return;
        }
        conn.operate(cmd.body).then(
          (result) => scope.postMessage({ type: 'result', id, result }),
          (err: unknown) =>
            scope.postMessage({
              type: 'result',
              id,
              result: {
                op: 'failed',
                code: err instanceof NetError ? err.code : 'net_disconnected',
                message: err instanceof Error ? err.message : 'net: the action failed',
              },
            }),
        );
        return;
      }
      case 'close':
        conn?.close();
        conn = null;
        return;
      case 'stats':
        if (conn) scope.postMessage({ type: 'traffic', bytesIn: conn.traffic.bytesIn, bytesOut: conn.traffic.bytesOut });
        return;
    }
  };
}
