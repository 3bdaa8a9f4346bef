/**
 * The Storm socket scaffolding both rooms share (WorldRoom, GridSession): the router's headers, close codes,
 * the per-socket token bucket, frame limits and decoding, encoding a frame, and closing politely.
 */
import { z } from 'zod';
import {
  type Bounds,
  type ClientMessage,
  DEFAULT_BOUNDS,
  decodeClientMessage,
  encodeServerMessage,
  HELLO_CLOSE,
  HELLO_TIMEOUT_MS,
  type Hello,
  MAX_CLIENT_FRAME_BYTES,
  ProtocolError,
  type ServerMessage,
} from '../../shared/protocol';
import { hasPermission, PERMISSION } from '../auth/permissions';
import { signingSecret, type TokenClaims, verifyToken } from '../auth/tokens';
import { EdgeError } from '../errors';

/** The header the Worker names the world in when it forwards an upgrade to a WorldRoom. */
export const WORLD_HEADER = 'x-storm-world';

/** WebSocket close codes the rooms use (listed in docs/errors.md). */
export const CLOSE = {
  /** A normal end (the visitor left, the session moved to another socket, the grid session ended). */
  normal: 1000,
  /** The socket flooded the room again after a warning. */
  flood: 1008,
  /** A frame over MAX_CLIENT_FRAME_BYTES. */
  tooBig: 1009,
  /** The room lost the socket's state (a restart) or the session failed. */
  lost: 1011,
} as const;

/**
 * Frames a socket may send: a burst of FLOOD_BURST, refilled at FLOOD_RATE per second. The bucket refills by
 * processing time, so a room working through a backlog sees a legitimate client's frames bunched up; the
 * burst covers three seconds of normal traffic (input 20 Hz + acks + pings) so that only a sustained flood trips it.
 */
export const FLOOD_BURST = 120;
export const FLOOD_RATE = 40;
/** A warned socket that floods again within this time is closed with CLOSE.flood. */
export const FLOOD_WARNING_MS = 10_000;

/** A socket's token bucket. */
export interface FrameBucket {
  tokens: number;
  refilledAt: number;
  /** When the socket was last warned for flooding, or null. */
  warnedAt: number | null;
}

/** A full bucket. */
export function createFrameBucket(now: number): FrameBucket {
  return { tokens: FLOOD_BURST, refilledAt: now, warnedAt: null };
}

/**
 * Takes a token for one frame: 'ok' (handle it), 'warn' (drop it and warn the socket: first overflow within
 * FLOOD_WARNING_MS) or 'flood' (drop it: the socket overflowed again after a warning).
 */
export function takeFrameToken(b: FrameBucket, now: number): 'ok' | 'warn' | 'flood' {
  b.tokens = Math.min(FLOOD_BURST, b.tokens + ((now - b.refilledAt) / 1000) * FLOOD_RATE);
  b.refilledAt = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    if (b.warnedAt !== null && now - b.warnedAt > FLOOD_WARNING_MS) b.warnedAt = null;
    return 'ok';
  }
  if (b.warnedAt !== null && now - b.warnedAt <= FLOOD_WARNING_MS) return 'flood';
  b.warnedAt = now;
  return 'warn';
}

/** True when a frame is over MAX_CLIENT_FRAME_BYTES (a text frame counted at its worst-case UTF-8 size). */
export function isOversized(message: string | ArrayBuffer): boolean {
  const size = typeof message === 'string' ? message.length * 3 : message.byteLength;
  return size > MAX_CLIENT_FRAME_BYTES;
}

/** The reason a room closes an oversized frame's socket with. */
export function oversizedReason(room: string): string {
  return `${room}: frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes`;
}

/** An error frame the room answers with. */
export type ErrorReply = Extract<ServerMessage, { type: 'error' }>;

/** A client frame decoded, or the error frame that says why not (text frames, malformed frames). */
export function decodeFrame(message: string | ArrayBuffer, room: string): { msg: ClientMessage } | { error: ErrorReply } {
  if (typeof message === 'string') {
    return {
      error: { type: 'error', code: 'protocol_text_frame', message: `${room}: send binary Storm protocol frames, not text` },
    };
  }
  try {
    return { msg: decodeClientMessage(new Uint8Array(message)) };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { error: { type: 'error', code: err.code, message: err.message } };
  }
}

/** A frame's bytes, or null (logged) when it does not encode: the room's own bug, never the client's. */
export function encodeFrame(msg: ServerMessage, bounds: Bounds = DEFAULT_BOUNDS, room: string): Uint8Array | null {
  try {
    return encodeServerMessage(msg, bounds);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    console.error(`${room}: could not encode a frame`, err.message);
    return null;
  }
}

/** Sends a frame, ignoring a socket that is closing under us (its close handler cleans up). */
export function sendFrame(ws: WebSocket, frame: Uint8Array): void {
  try {
    ws.send(frame);
  } catch {
    // Closing: the close handler cleans up.
  }
}

/** Closes a socket that may already be closed. */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}

/** Completes the closing handshake a client started (1005/1006 are not codes one may send: 1000 instead). */
export function echoClose(ws: WebSocket, code: number): void {
  closeSocket(ws, code === 1005 || code === 1006 ? CLOSE.normal : code, 'bye');
}

/** True when the request asks for a WebSocket upgrade. */
export function isUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** A JSON error answer (the HTTP API's error body). */
export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Sends an error frame that says why, then closes the socket with `close`. */
export function refuse(ws: WebSocket, close: number, code: string, message: string): void {
  const frame = encodeFrame({ type: 'error', code, message }, DEFAULT_BOUNDS, 'room');
  if (frame) sendFrame(ws, frame);
  closeSocket(ws, close, `${code}: ${message}`);
}

/** What a socket that has not said hello yet remembers (its attachment, so that a restart finds it). */
const Waiting = z.object({ waiting: z.literal(true), since: z.number() });

/**
 * The handshake gate of a room: an accepted socket must send a valid `hello` as its first frame within
 * HELLO_TIMEOUT_MS, else it is closed with a HELLO_CLOSE code (and an error frame that says why). The room
 * asks `take` for a waiting socket's first frame, verifies the hello (`verifyHello`) and then `admit`s it.
 */
export class HelloGate {
  /** Waiting sockets and their deadline timers; 'verifying' once their hello arrived. */
  private readonly waiting = new Map<WebSocket, ReturnType<typeof setTimeout> | 'verifying'>();

  constructor(
    private readonly room: string,
    private readonly timeoutMs = HELLO_TIMEOUT_MS,
  ) {}

  /** A freshly accepted socket starts waiting for its hello. */
  wait(ws: WebSocket, now = Date.now()): void {
    ws.serializeAttachment({ waiting: true, since: now } satisfies z.infer<typeof Waiting>);
    this.arm(ws, this.timeoutMs);
  }

  /** After a restart: true when `ws` was waiting for its hello (its deadline runs on), false when it is not the gate's. */
  restore(ws: WebSocket, now = Date.now()): boolean {
    const a = Waiting.safeParse(ws.deserializeAttachment());
    if (!a.success) return false;
    const left = a.data.since + this.timeoutMs - now;
    if (left <= 0) this.expire(ws);
    else this.arm(ws, left);
    return true;
  }

  /** True while `ws` has not been admitted (waiting for its hello, or the hello being verified). */
  has(ws: WebSocket): boolean {
    return this.waiting.has(ws);
  }

  /**
   * A waiting socket's frame: its hello, or null when there is nothing to do (the socket was refused and
   * closed, or its hello is being verified and this frame came too early: dropped).
   */
  take(ws: WebSocket, message: string | ArrayBuffer): Hello | null {
    const state = this.waiting.get(ws);
    if (state === undefined || state === 'verifying') return null;
    clearTimeout(state);
    if (isOversized(message)) {
      this.waiting.delete(ws);
      closeSocket(ws, CLOSE.tooBig, oversizedReason(this.room));
      return null;
    }
    const frame = decodeFrame(message, this.room);
    if ('error' in frame || frame.msg.type !== 'hello') {
      this.waiting.delete(ws);
      const why = 'error' in frame ? `${frame.error.code}: ${frame.error.message}` : `it was ${frame.msg.type}`;
      refuse(ws, HELLO_CLOSE.invalid, 'hello_required', `${this.room}: the first frame must be a valid hello (${why})`);
      return null;
    }
    this.waiting.set(ws, 'verifying');
    return frame.msg;
  }

  /** Ends the gate's hold on `ws`: true when it was still being verified (so the room may admit it now). */
  admit(ws: WebSocket): boolean {
    const state = this.waiting.get(ws);
    this.waiting.delete(ws);
    if (state !== undefined && state !== 'verifying') clearTimeout(state);
    return state === 'verifying';
  }

  /** Forgets a socket that closed or failed. */
  forget(ws: WebSocket): void {
    this.admit(ws);
  }

  private arm(ws: WebSocket, ms: number): void {
    this.waiting.set(
      ws,
      setTimeout(() => this.expire(ws), ms),
    );
  }

  private expire(ws: WebSocket): void {
    this.waiting.delete(ws);
    refuse(
      ws,
      HELLO_CLOSE.timeout,
      'hello_timeout',
      `${this.room}: no hello within ${this.timeoutMs} ms; send hello {token, world} as the first frame`,
    );
  }
}

/**
 * Verifies a hello for the room named `world` (the same check the router once made): its world, its token
 * (signature, expiry, world) and the join permission. The claims, or null after refusing and closing the socket.
 */
export async function verifyHello(
  env: { TOKEN_KEY?: string },
  ws: WebSocket,
  hello: Hello,
  world: string,
  room: string,
): Promise<TokenClaims | null> {
  if (hello.world !== world) {
    refuse(ws, HELLO_CLOSE.invalid, 'world_mismatch', `${room}: this socket is for "${world}", the hello names "${hello.world}"`);
    return null;
  }
  let secret: string;
  try {
    secret = signingSecret(env);
  } catch (err) {
    if (!(err instanceof EdgeError)) throw err;
    refuse(ws, CLOSE.lost, err.code, err.message);
    return null;
  }
  const check = await verifyToken(hello.token, secret, { world });
  if (!check.ok) {
    refuse(
      ws,
      check.reason === 'token_wrong_world' ? HELLO_CLOSE.forbidden : HELLO_CLOSE.unauthorized,
      check.reason,
      check.message,
    );
    return null;
  }
  if (!hasPermission(check.claims.perm, PERMISSION.join)) {
    refuse(ws, HELLO_CLOSE.forbidden, 'permission_denied', 'auth: this token lacks the "join" permission');
    return null;
  }
  return check.claims;
}
