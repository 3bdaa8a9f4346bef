/**
 * A Storm protocol connection to one world: gets a token, opens /ws/world/<name>, hands every decoded frame
 * to its owner (the world App's net plugin writes them into the ECS), acknowledges ticks, and on a drop reconnects with backoff and resumes the session
 * (the room answers with a delta instead of a snapshot while the baseline is still valid).
 */
import { roundPosition } from '../../shared/links/place-link';
import {
  type ClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  HELLO_CLOSE,
  type MapRequest,
  type OperationResult,
  PROTOCOL_VERSION,
  ProtocolError,
  type Quat,
  type ServerMessage,
  SessionAnswer,
  type SessionRequest,
  type Teleport,
  type Vec3,
  type WorldOperation,
} from '../../shared/protocol';
import { type Backoff, createBackoff } from './backoff';
import { NetError } from './errors';

/** The part of WebSocket the connection uses (a fake in tests). */
export interface SocketLike {
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * How often the client acknowledges the newest tick (ms). Acks only set the baseline a resumed session
 * gets its delta from, so once a second is plenty; every frame a client sends costs the room an event.
 */
export const ACK_EVERY_MS = 1000;

export interface ConnectionOptions {
  /** The page origin, e.g. "http://localhost:5173" (ws/wss is derived from it). */
  origin: string;
  world: string;
  /** A fresh access token for the world (POST /api/session); throw a fatal NetError to stop. */
  getToken: (world: string) => Promise<string>;
  /** The socket path on the origin (default /ws/world/<world>; an OpenSim visit uses /ws/grid/<session>). */
  socketPath?: string;
  createSocket?: (url: string) => SocketLike;
  backoff?: Backoff;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
  /** Where a fresh visit starts (a link's x/y/z); a resumed session stays where it was. */
  at?: readonly [number, number, number];
  /** Acknowledge at most this often (ms; default ACK_EVERY_MS). */
  ackEveryMs?: number;
  /** Where you stand now, so that a resumed session that expired starts there (not at the link's place). */
  resumeAt?: () => readonly [number, number, number] | null;
  /** Every decoded frame, in order. */
  onMessage?: (msg: ServerMessage) => void;
  onState?: (state: ConnectionState, detail?: string) => void;
}

/** A live connection. */
export interface StormConnection {
  /** The newest complete tick received (the last snapshot part's, or a delta's): what the client acknowledges. */
  readonly tick: number;
  /**
   * Bytes received and sent on every socket of this connection so far (for the performance overlay), and the
   * frames received (the p2p bench counts what the room sent).
   */
  readonly traffic: { readonly bytesIn: number; readonly bytesOut: number; readonly framesIn: number };
  readonly state: ConnectionState;
  /** The session id of the last welcome (kept across reconnects to resume). */
  readonly session: string;
  sendInput(move: Vec3, rotation: Quat, flags: number): void;
  chat(text: string): void;
  /** Runs a World Tool Protocol operation; rejects with net_disconnected if the socket drops first. */
  operate(body: WorldOperation): Promise<OperationResult>;
  ping(): void;
  /** Peer-to-peer opt-in (off until the visitor turns it on); said again after every welcome while on. */
  setP2p(on: boolean): void;
  /** Grid travel: a teleport or a world map request (answered by travel / map frames); false when not connected. */
  send(msg: Teleport | MapRequest): boolean;
  /** The access token the connection holds now (the peer transport's signalling uses the same one), or null. */
  readonly token: string | null;
  close(): void;
}

/** POST /api/session {world} → token; a 404 is fatal (no such world). */
export async function fetchSessionToken(origin: string, world: string, fetchFn: typeof fetch = fetch): Promise<string> {
  const request: SessionRequest = { world };
  const res = await fetchFn(`${origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (res.status === 404) throw new NetError('net_world_not_found', `there is no world "${world}"`, true);
  if (!res.ok) throw new NetError('net_token_failed', `POST /api/session answered ${res.status}; retrying`);
  const body = SessionAnswer.safeParse(await res.json());
  if (!body.success) throw new NetError('net_token_failed', 'POST /api/session answered without a token; retrying');
  return body.data.token;
}

/** Wraps the platform WebSocket (binary frames as ArrayBuffer) as a SocketLike. */
export function browserSocket(url: string): SocketLike {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const like: SocketLike = {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.onopen = (ev) => like.onopen?.(ev);
  ws.onmessage = (ev) => like.onmessage?.({ data: ev.data });
  ws.onclose = (ev) => like.onclose?.({ code: ev.code, reason: ev.reason });
  ws.onerror = (ev) => like.onerror?.(ev);
  return like;
}

/** Close codes of a room's refusal that retrying with the same world and credentials cannot change. */
const FINAL_REFUSALS: ReadonlySet<number> = new Set([HELLO_CLOSE.invalid, HELLO_CLOSE.forbidden, HELLO_CLOSE.taken]);

/** Opens a connection and keeps it open until close(). */
export function createStormConnection(options: ConnectionOptions): StormConnection {
  const createSocket = options.createSocket ?? browserSocket;
  const backoff = options.backoff ?? createBackoff();
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer =
    options.clearTimer ??
    ((h: unknown) => {
      if (typeof h === 'number') clearTimeout(h);
    });
  const now = options.now ?? Date.now;
  const ackEvery = options.ackEveryMs ?? ACK_EVERY_MS;
  let tick = 0;
  const wsOrigin = options.origin.replace(/^http/, 'ws');

  let state: ConnectionState = 'connecting';
  let socket: SocketLike | null = null;
  let session = '';
  let token: string | null = null;
  let welcomed = false;
  let stopped = false;
  let retry: unknown = null;
  let seq = 0;
  let p2p = false;
  let nextActionId = 1;
  let lastAckAt = Number.NEGATIVE_INFINITY;
  let ackedTick = 0;
  let bounds: Extract<ServerMessage, { type: 'welcome' }>['bounds'] | undefined;
  const pending = new Map<number, { resolve: (r: OperationResult) => void; reject: (e: Error) => void }>();

  const setState = (s: ConnectionState, detail?: string) => {
    state = s;
    options.onState?.(s, detail);
  };

  const traffic = { bytesIn: 0, bytesOut: 0, framesIn: 0 };
  const send = (msg: ClientMessage): boolean => {
    if (!socket || !welcomed) return false;
    const bytes = encodeClientMessage(msg);
    traffic.bytesOut += bytes.byteLength;
    socket.send(bytes);
    return true;
  };

  const ack = (force: boolean) => {
    if (tick <= ackedTick) return;
    const t = now();
    if (!force && t - lastAckAt < ackEvery) return;
    if (send({ type: 'ack', tick })) {
      ackedTick = tick;
      lastAckAt = t;
    }
  };

  const onFrame = (data: unknown) => {
    if (!(data instanceof ArrayBuffer)) return;
    traffic.bytesIn += data.byteLength;
    traffic.framesIn++;
    let msg: ServerMessage;
    try {
      msg = decodeServerMessage(new Uint8Array(data), bounds);
    } catch (err) {
      if (err instanceof ProtocolError) {
        options.onState?.(state, err.message);
        return;
      }
      throw err;
    }
    if (msg.type === 'welcome') {
      bounds = msg.bounds;
      session = msg.session;
      welcomed = true;
      backoff.reset();
      setState('open', msg.resumed ? 'resumed' : 'joined');
      // A new socket knows nothing of the opt-in: say it again.
      if (p2p) send({ type: 'p2p', on: true });
    }
    // The state is complete after a snapshot's last part or a delta: that tick is the baseline to acknowledge.
    let complete = false;
    if (msg.type === 'delta' || (msg.type === 'snapshot' && msg.part + 1 === msg.parts)) {
      complete = true;
      tick = Math.max(tick, msg.tick);
    }
    if (msg.type === 'action_result') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      p?.resolve(msg.result);
    }
    options.onMessage?.(msg);
    if (complete) ack(msg.type === 'snapshot');
  };

  const scheduleReconnect = (detail: string) => {
    if (stopped) return;
    setState('reconnecting', detail);
    retry = setTimer(() => {
      retry = null;
      void open();
    }, backoff.next());
  };

  const open = async () => {
    if (stopped) return;
    try {
      token ??= await options.getToken(options.world);
    } catch (err) {
      if (err instanceof NetError && err.fatal) {
        stopped = true;
        setState('closed', err.message);
        return;
      }
      scheduleReconnect(err instanceof Error ? err.message : 'net: could not get a token');
      return;
    }
    if (stopped) return;
    // Where to start if the room cannot resume the session (it expired): where you stood, else the link's place.
    const at = (session ? options.resumeAt?.() : undefined) ?? options.at;
    // The handshake is the socket's first frame, never the URL: the room admits the socket on this hello.
    const hello: ClientMessage = {
      type: 'hello',
      version: PROTOCOL_VERSION,
      token,
      world: options.world,
      resumeId: session,
      baseline: session ? ackedTick : 0,
      ...(at ? { at: [...roundPosition(at)] } : {}),
    };
    welcomed = false;
    const ws = createSocket(`${wsOrigin}${options.socketPath ?? `/ws/world/${options.world}`}`);
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      const bytes = encodeClientMessage(hello);
      traffic.bytesOut += bytes.byteLength;
      ws.send(bytes);
    };
    ws.onmessage = (ev) => onFrame(ev.data);
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      for (const p of pending.values())
        p.reject(new NetError('net_disconnected', 'the connection dropped before the action was answered'));
      pending.clear();
      // Refused before any welcome: the token may be stale or refused; fetch a new one next time.
      if (!welcomed) token = null;
      // A refusal that a retry cannot change (another world's token, no permission, a protocol the room does
      // not speak, the session taken by another socket) ends the connection instead of retrying forever.
      if (!welcomed && FINAL_REFUSALS.has(ev.code)) stopped = true;
      welcomed = false;
      if (stopped) setState('closed', ev.reason || `refused (${ev.code})`);
      else scheduleReconnect(`closed ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`);
    };
    ws.onerror = () => {};
  };

  setState('connecting');
  void open();

  return {
    get tick() {
      return tick;
    },
    traffic,
    get state() {
      return state;
    },
    get session() {
      return session;
    },
    sendInput(move, rotation, flags) {
      seq = (seq + 1) >>> 0;
      send({ type: 'input', seq, move, rotation, flags });
      ack(false);
    },
    chat(text) {
      send({ type: 'chat', text });
    },
    operate(body) {
      const id = nextActionId++;
      return new Promise((resolve, reject) => {
        if (!send({ type: 'action', id, body })) {
          reject(new NetError('net_disconnected', 'not connected; try again when the world is open'));
          return;
        }
        pending.set(id, { resolve, reject });
      });
    },
    ping() {
      send({ type: 'ping', nonce: seq, clientTime: now() });
    },
    setP2p(on) {
      if (on === p2p) return;
      p2p = on;
      send({ type: 'p2p', on });
    },
    send(msg) {
      return send(msg);
    },
    get token() {
      return token;
    },
    close() {
      stopped = true;
      if (retry !== null) clearTimer(retry);
      const ws = socket;
      socket = null;
      // The socket's own close handler no longer runs for it: whoever waits on an action hears here.
      for (const p of pending.values())
        p.reject(new NetError('net_closed', 'the connection was closed before the action was answered'));
      pending.clear();
      ws?.close(1000, 'bye');
      setState('closed', 'closed by the viewer');
    },
  };
}
