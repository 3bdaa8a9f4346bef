/**
 * The Storm socket scaffolding both rooms share (WorldRoom, GridSession): the router's headers, close codes,
 * the per-socket token bucket, frame limits and decoding, encoding a frame, and closing politely.
 */
import {
  type Bounds,
  type ClientMessage,
  DEFAULT_BOUNDS,
  decodeClientMessage,
  encodeServerMessage,
  MAX_CLIENT_FRAME_BYTES,
  ProtocolError,
  type ServerMessage,
} from '../../shared/protocol';
import { TokenClaims } from '../auth/tokens';

/** Headers the Worker sets when it forwards an upgrade to a room. */
export const CLAIMS_HEADER = 'x-storm-claims';
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

/** The claims the router verified and forwarded in CLAIMS_HEADER, or null. */
export function forwardedClaims(request: Request): TokenClaims | null {
  const json = request.headers.get(CLAIMS_HEADER);
  if (json === null) return null;
  let raw: unknown = null;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  const claims = TokenClaims.safeParse(raw);
  return claims.success ? claims.data : null;
}

/** True when the request asks for a WebSocket upgrade. */
export function isUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** A JSON error answer (the HTTP API's error body). */
export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
