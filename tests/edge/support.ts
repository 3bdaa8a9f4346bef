/** Helpers for edge tests: an env with a test signing key, requests through the router, Storm sockets. */
import { env } from 'cloudflare:workers';
import { issueToken } from '../../edge/auth/tokens';
import app from '../../edge/index';
import {
  type Bounds,
  type ClientMessage,
  DEFAULT_BOUNDS,
  decodeServerMessage,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
  SessionAnswer,
} from '../../shared/protocol';

/** The signing key edge tests use (the real one comes from .dev.vars or a Worker secret). */
export const TEST_KEY = 'edge-test-signing-key-not-a-secret';

/** The Worker's bindings plus the test key and permissive guest permissions. */
export const testEnv: Env = { ...env, TOKEN_KEY: TEST_KEY, GUEST_PERMISSIONS: 'join chat edit create' };

/** A request through the router with the test env. */
export function call(path: string, init?: RequestInit, withEnv: Env = testEnv): Promise<Response> {
  return Promise.resolve(app.fetch(new Request(`http://edge.test${path}`, init), withEnv));
}

/** POST JSON. */
export function post(path: string, json: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
}

/** A token from POST /api/session. */
export async function sessionToken(world: string): Promise<string> {
  const res = await post('/api/session', { world });
  if (res.status !== 200) throw new Error(`session for ${world}: ${res.status} ${await res.text()}`);
  return SessionAnswer.parse(await res.json()).token;
}

/** A token signed with the test key for arbitrary permissions. */
export function tokenWith(world: string, perm: number, nowMs = Date.now()): Promise<string> {
  return issueToken(world, perm, TEST_KEY, nowMs);
}

/** A Storm protocol socket under test: decoded frames queue up until taken. */
export interface TestSocket {
  ws: WebSocket;
  bounds: Bounds;
  /** The next frame (of `type`, skipping others when given). */
  next<T extends ServerMessage['type']>(type?: T, timeoutMs?: number): Promise<Extract<ServerMessage, { type: T }>>;
  /** Waits for a frame matching `pred`, skipping others. */
  until(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  send(msg: ClientMessage): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** What a test's hello may add to the token: a session to resume, its baseline, a start place. */
export interface HelloOptions {
  resumeId?: string;
  baseline?: number;
  at?: [number, number, number];
}

/** The hello a client sends first on a Storm socket for `world` (a world name or a GridSession's name). */
export function helloFor(world: string, token: string, options: HelloOptions = {}): ClientMessage {
  return {
    type: 'hello',
    version: PROTOCOL_VERSION,
    token,
    world,
    resumeId: options.resumeId ?? '',
    baseline: options.baseline ?? 0,
    ...(options.at ? { at: options.at } : {}),
  };
}

/** Opens /ws/world/<world>, sends its hello and wraps the socket. */
export async function connect(world: string, token: string, options: HelloOptions = {}): Promise<TestSocket> {
  const socket = await openSocket(`/ws/world/${world}`);
  socket.send(helloFor(world, token, options));
  return socket;
}

/** Opens a Storm socket at `path` and wraps it, without a hello (tests of the handshake send their own). */
export async function openSocket(path: string): Promise<TestSocket> {
  const res = await call(path, { headers: { Upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  const queue: ServerMessage[] = [];
  let wake: (() => void) | null = null;
  const socket: TestSocket = {
    ws,
    bounds: DEFAULT_BOUNDS,
    closed: new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason }))),
    send: (msg) => ws.send(encodeClientMessage(msg)),
    async until(pred, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex(pred);
        if (i >= 0) {
          const [m] = queue.splice(0, i + 1).slice(-1);
          if (m) return m;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; queued: ${queue.map((m) => m.type).join(',')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, left);
        });
      }
    },
    async next(type, timeoutMs) {
      const m = await socket.until((x) => type === undefined || x.type === type, timeoutMs);
      return m as never;
    },
  };
  ws.addEventListener('message', (e) => {
    if (!(e.data instanceof ArrayBuffer)) return;
    const msg = decodeServerMessage(new Uint8Array(e.data), socket.bounds);
    if (msg.type === 'welcome') socket.bounds = msg.bounds;
    queue.push(msg);
    wake?.();
  });
  return socket;
}

/** Runs one World Tool Protocol operation and returns its result. */
export async function operate(s: TestSocket, id: number, body: Extract<ClientMessage, { type: 'action' }>['body']) {
  s.send({ type: 'action', id, body });
  const m = await s.until((x) => x.type === 'action_result' && x.id === id);
  if (m.type !== 'action_result') throw new Error('unreachable');
  return m.result;
}

/** A visitor in `world`: a token, a socket, its welcome and the snapshot after it (`at`: where to start). */
export async function join(world = 'plaza', at?: [number, number, number]) {
  const token = await sessionToken(world);
  const s = await connect(world, token, at ? { at } : {});
  const welcome = await s.next('welcome');
  const snapshot = await s.next('snapshot');
  return { s, token, welcome, snapshot };
}
