/** A Node Storm client for interop tests: logs in through POST /api/grid/login and collects the /ws/grid frames. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { GridError } from '../../edge/grid/errors';
import type { CircuitTransport, TransportHandlers } from '../../edge/grid/grid-client';
import { parseRelayConfig } from '../../edge/relay/config';
import { createRelay, type Relay } from '../../edge/relay/relay';
import {
  type Bounds,
  type ClientMessage,
  DEFAULT_BOUNDS,
  decodeServerMessage,
  type Entity,
  encodeClientMessage,
  type GridLoginRequest,
  PROTOCOL_VERSION,
  type ServerMessage,
  type TerrainPatch,
} from '../../shared/protocol';
import { type RunningServer, startDevServer } from '../support/dev-server';

/** POST /api/grid/login's body (the edge's schema). */
export type GridLoginBody = GridLoginRequest;

export interface StormView {
  ws: WebSocket;
  frames: ServerMessage[];
  entities: Map<number, Entity>;
  terrain: Map<string, TerrainPatch>;
  bounds: Bounds;
  avatar: number;
  /** ms (performance.now) when each milestone was seen. */
  at: { welcome: number; firstPrim: number; snapshot: number };
  send(msg: ClientMessage): void;
  waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function postLogin(edge: string, body: GridLoginBody): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${edge}/api/grid/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Opens the Storm socket of a grid session and mirrors what it receives. */
export function openStorm(edge: string, session: string, token: string): Promise<StormView> {
  const ws = new WebSocket(`${edge.replace(/^http/, 'ws')}/ws/grid/${session}`);
  // The handshake is the first frame: the session's name and the login's token.
  ws.on('open', () =>
    ws.send(encodeClientMessage({ type: 'hello', version: PROTOCOL_VERSION, token, world: session, resumeId: '', baseline: 0 })),
  );
  ws.binaryType = 'nodebuffer';
  const view: StormView = {
    ws,
    frames: [],
    entities: new Map(),
    terrain: new Map(),
    bounds: DEFAULT_BOUNDS,
    avatar: 0,
    at: { welcome: 0, firstPrim: 0, snapshot: 0 },
    send: (msg) => ws.send(encodeClientMessage(msg)),
    async waitFor(pred, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(
            `interop: timed out waiting for ${what}; frames: ${view.frames
              .map((f) => f.type)
              .join(',')
              .slice(0, 400)}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
  };
  const primSeen = () => {
    if (view.at.firstPrim === 0 && [...view.entities.values()].some((e) => e.kind === 'prim'))
      view.at.firstPrim = performance.now();
  };
  ws.on('message', (data: Buffer) => {
    const msg = decodeServerMessage(new Uint8Array(data), view.bounds);
    view.frames.push(msg);
    switch (msg.type) {
      case 'welcome':
        view.bounds = msg.bounds;
        view.avatar = msg.avatar;
        view.at.welcome = performance.now();
        break;
      case 'snapshot':
        if (msg.part === 0) view.entities.clear();
        for (const e of msg.entities) view.entities.set(e.id, e);
        if (msg.part + 1 === msg.parts) view.at.snapshot = performance.now();
        primSeen();
        break;
      case 'delta':
        for (const u of msg.entities) {
          const had = view.entities.get(u.id);
          if (had) view.entities.set(u.id, { ...had, ...u });
          else view.entities.set(u.id, u as Entity);
        }
        primSeen();
        break;
      case 'despawn':
        for (const id of msg.ids) view.entities.delete(id);
        break;
      case 'terrain':
        view.terrain.set(`${msg.x},${msg.y}`, msg);
        break;
      default:
        break;
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(view));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`interop: socket refused with HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Heights at integer samples (x, y) < size from 17x17 terrain patches (null where none covers it). */
export function heightmap(terrain: Map<string, TerrainPatch>, sizeX: number, sizeY: number): Float64Array {
  const out = new Float64Array(sizeX * sizeY).fill(Number.NaN);
  for (const p of terrain.values()) {
    for (let j = 0; j < p.size; j++) {
      for (let i = 0; i < p.size; i++) {
        const x = p.x + i * p.spacing;
        const y = p.y + j * p.spacing;
        if (x < sizeX && y < sizeY && Number.isNaN(out[y * sizeX + x] ?? 0))
          out[y * sizeX + x] = p.heights[j * p.size + i] ?? Number.NaN;
      }
    }
  }
  return out;
}

/** The basic shape a prim's wire parameters make (the build menu's names). */
export function shapeName(s: Entity['shape']): string {
  const profile = s.profileCurve & 0x0f;
  if (s.pathCurve === 16)
    return profile === 1
      ? 'box'
      : profile === 0
        ? 'cylinder'
        : profile === 3 || profile === 2 || profile === 4
          ? 'prism'
          : `line-${profile}`;
  if (s.pathCurve === 32)
    return profile === 5
      ? 'sphere'
      : profile === 0
        ? 'torus'
        : profile === 1
          ? 'tube'
          : profile === 3 || profile === 2 || profile === 4
            ? 'ring'
            : `circle-${profile}`;
  return `path-${s.pathCurve}`;
}

/** The real region's account and place, from the KEY=VALUE lines region.sh prints (.ci/run exports them). */
export const LOGIN_URI = process.env.OPENSIM_LOGIN_URI ?? '';
export const FIRST = process.env.OPENSIM_FIRST ?? 'Test';
export const LAST = process.env.OPENSIM_LAST ?? 'User';
export const PASSWORD = process.env.OPENSIM_PASSWORD ?? 'password';
export const REGION = process.env.OPENSIM_REGION ?? 'StormTest';

/** The relay port RELAY_URL names in wrangler.toml. */
export function relayPortFromWrangler(): number {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
  const m = /^RELAY_URL\s*=\s*"http:\/\/127\.0\.0\.1:(\d+)"/m.exec(toml);
  return Number(m?.[1] ?? 8790);
}

/**
 * The UDP relay the edge's RELAY_URL names: started here unless one already answers there (`npm start`
 * runs one). Returns the relay this call started, for the caller to close, or null.
 */
export async function ensureRelay(): Promise<Relay | null> {
  const port = relayPortFromWrangler();
  const running = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  return running ? null : createRelay(parseRelayConfig({ port, logLevel: 'warn' }));
}

/**
 * A relay circuit from Node, as GridClient's `openCircuit` (the DO uses edge/grid/relay-client.ts, the same protocol
 * over Workers' fetch). `relay` is read when a circuit opens; `sockets` (optional) collects each circuit's socket by
 * simulator port, so a test can break one. A refusal carries the relay's own words.
 */
export function relayCircuit(relay: () => { port: number }, sockets?: Map<number, WebSocket>) {
  return (sim: { ip: string; port: number }, h: TransportHandlers): Promise<CircuitTransport> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${relay().port}/v1/circuit?sim=${sim.ip}:${sim.port}`);
      ws.binaryType = 'nodebuffer';
      sockets?.set(sim.port, ws);
      ws.on('open', () => resolve({ send: (d) => ws.send(d), close: (c, r) => ws.close(c, r) }));
      ws.on('message', (d: Buffer) => h.onDatagram(new Uint8Array(d)));
      ws.on('close', (c, r) => h.onClose(c, r.toString()));
      ws.on('unexpected-response', (_q, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          reject(new GridError('grid_relay_refused', `the relay refused the circuit (${res.statusCode}): ${body.slice(0, 300)}`)),
        );
      });
      ws.on('error', reject);
    });
}

/**
 * The dev edge (`npm start`'s server) and the UDP relay its RELAY_URL names, for one suite: started before it
 * (inside its describe) and stopped after it. `url` is the edge's origin once started.
 */
export function useEdge(): { readonly url: string } {
  let server: RunningServer | null = null;
  let relay: Relay | null = null;
  beforeAll(async () => {
    relay = await ensureRelay();
    server = await startDevServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await relay?.close();
  });
  return {
    get url(): string {
      if (!server) throw new Error('interop: the edge is not started yet (useEdge starts it before the suite)');
      return server.url;
    },
  };
}
