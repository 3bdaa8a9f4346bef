/**
 * A scripted fake OpenSimulator for fault injection (Node: node:dgram + node:http). It answers the XML-RPC
 * login, the seed capability and EventQueueGet (404 first, then 502s: "poll again"), and speaks LLUDP on the
 * same port number: acks, resends of its own reliable packets, the handshake, then a replay of a real
 * OpenSim session (tests/unit/shared/lludp/fixtures/opensim-session.hex: 66 prims as full ObjectUpdates,
 * the avatar, 256 terrain patches). Faults are chosen per login by the first name:
 *   "Lossy"   drops the first UseCircuitCode and the first copy of every 3rd reliable packet it sends;
 *   "Garbage" sends a datagram that is not LLUDP after 10 packets (and another one mid-scene);
 *   "Farsim"  names a simulator port the relay's allowlist refuses (sim_port 7000);
 *   "Restart" sends DisableSimulator 300 ms after the scene (the region shutting down under the visitor);
 *   "Varregion" is a 512x512 m var region: its land comes as 0x4D layers (32-bit patch ids), twice over;
 *   "Oldcaps" is granted ViewerAsset only (no GetTexture/GetMesh: assets then come through ViewerAsset);
 *   anything else is a clean session. The password is "password".
 */

import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcp } from 'node:net';
import {
  decodePacket,
  encodePacket,
  fromHex,
  isMessage,
  LayerType,
  type Message,
  type Packet,
  textField,
} from '../../shared/lludp';
import { FAKE_MESHES, FAKE_TEXTURES, OLD_CAPS_FIRST_NAME } from './fake-assets';
import { FAKE_SOUNDS } from './fake-sounds';
import { toExtendedLand } from './layer-bits';
import { oarAsset, STORM_ART_OAR } from './oar';

/** The agent id of the recorded session (its avatar's ObjectUpdate carries it). */
export const FAKE_AGENT_ID = '6f0a3c1e-5b1d-4a8e-9c3b-2d7e8f901234';
const SESSION_ID = '11111111-2222-4333-8444-555555555555';
const REGION_SIZE = 256;
const RESEND_MS = 200;

const TONE_OGG = readFileSync(new URL('fixtures/tone-440.ogg', import.meta.url));

/** Textures and meshes by id, with the content type the fake answers (fake-assets.ts). */
function fakeAssets(): Map<string, { type: string; bytes: Uint8Array }> {
  const j2k = (id: string) => ({ type: 'image/x-j2c', bytes: oarAsset(STORM_ART_OAR, `assets/${id}_texture.jp2`) });
  const mesh = (id: string) => ({ type: 'application/vnd.ll.mesh', bytes: oarAsset(STORM_ART_OAR, `assets/${id}_mesh.llmesh`) });
  const big = (head: number[]) => Uint8Array.from({ length: 4 * 1024 * 1024 + 1 }, (_, i) => head[i] ?? 0);
  return new Map([
    [FAKE_TEXTURES.checker, j2k(FAKE_TEXTURES.checker)],
    [FAKE_TEXTURES.rings, j2k(FAKE_TEXTURES.rings)],
    [FAKE_TEXTURES.huge, { type: 'image/x-j2c', bytes: big([0xff, 0x4f, 0xff, 0x51]) }],
    [FAKE_TEXTURES.html, { type: 'text/html', bytes: new TextEncoder().encode('<html>no</html>') }],
    // A PNG signature served as J2K.
    [FAKE_TEXTURES.notJ2k, { type: 'image/x-j2c', bytes: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) }],
    [FAKE_MESHES.gem, mesh(FAKE_MESHES.gem)],
    [FAKE_MESHES.house, mesh(FAKE_MESHES.house)],
    [FAKE_MESHES.huge, { type: 'application/vnd.ll.mesh', bytes: big([0x7b]) }],
    [FAKE_MESHES.html, { type: 'text/html', bytes: new TextEncoder().encode('<html>no</html>') }],
    [FAKE_MESHES.notMesh, { type: 'application/vnd.ll.mesh', bytes: new TextEncoder().encode('<llsd>not binary</llsd>') }],
  ]);
}

/** Per-circuit counters the tests read (also at GET /fake/stats). */
export interface FakeCircuitStats {
  scenario: string;
  /** Message names the viewer sent, in order (PacketAck left out). */
  received: string[];
  /** Reliable packets the fake dropped on purpose (first copies). */
  dropped: number;
  /** Reliable packets it resent because no ack came. */
  resent: number;
  /** Of the dropped ones, how many were acked after their resend. */
  recovered: number;
  /** Acks received for its reliable packets. */
  acked: number;
  /** Reliable packets still unacked. */
  unacked: number;
  badSent: number;
  duplicatesFromViewer: number;
  loggedOut: boolean;
  eventQueue: { polls: number; statuses: number[] };
  seedPosts: number;
}

interface Circuit {
  remote: RemoteInfo;
  code: number;
  seq: number;
  stats: FakeCircuitStats;
  pending: Map<number, { bytes: Uint8Array; at: number; dropped: boolean; tries: number }>;
  seen: Set<number>;
  reliableCount: number;
  sentCount: number;
  sceneSent: boolean;
}

/** A running fake simulator. */
export interface FakeSim {
  readonly port: number;
  readonly loginUri: string;
  /** Stats of every circuit, newest last. */
  readonly circuits: FakeCircuitStats[];
  /** Sends KillObject for `ids` on every circuit. */
  kill(ids: number[]): void;
  close(): Promise<void>;
}

/** The replay for a 512 m var region: land as 0x4D, once in place and once moved by 16 patches on both axes. */
function varRegionScene(replay: Packet[]): Message[] {
  return replay.flatMap((p): Message[] => {
    const m = p.message;
    if (!isMessage(m, 'LayerData') || m.blocks.LayerID.Type !== LayerType.land) return [m];
    return [0, 16].map((d) => ({
      name: 'LayerData',
      blocks: { LayerID: { Type: LayerType.landExtended }, LayerData: { Data: toExtendedLand(m.blocks.LayerData.Data, d, d) } },
    }));
  });
}

function recordedScene(): Packet[] {
  const text = readFileSync(new URL('../unit/shared/lludp/fixtures/opensim-session.hex', import.meta.url), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => decodePacket(fromHex(l.trim()) ?? new Uint8Array(0)));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createTcp();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port in the relay's default allowlist range (127.0.0.1:9000-9999), for TCP and UDP alike. */
async function pickPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 9500 + Math.floor(Math.random() * 499);
    if (await portFree(port)) return port;
  }
  throw new Error('fake-sim: no free port in 9500-9999');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
  });
}

function member(name: string, type: string, value: string | number): string {
  return `<member><name>${name}</name><value><${type}>${value}</${type}></value></member>`;
}

function loginAnswer(port: number, code: number, simPort: number, size: number): string {
  return `<?xml version="1.0" encoding="utf-8"?><methodResponse><params><param><value><struct>${[
    member('login', 'string', 'true'),
    member('agent_id', 'string', FAKE_AGENT_ID),
    member('session_id', 'string', SESSION_ID),
    member('secure_session_id', 'string', '99999999-2222-4333-8444-555555555555'),
    member('circuit_code', 'i4', code),
    member('sim_ip', 'string', '127.0.0.1'),
    member('sim_port', 'i4', simPort),
    member('region_x', 'i4', 256000),
    member('region_y', 'i4', 256000),
    member('region_size_x', 'i4', size),
    member('region_size_y', 'i4', size),
    member('seed_capability', 'string', `http://127.0.0.1:${port}/CAPS/seed/${code}/`),
    member('first_name', 'string', 'Test'),
    member('last_name', 'string', 'User'),
    member('look_at', 'string', '[r0,r1,r0]'),
  ].join('')}</struct></value></param></params></methodResponse>`;
}

/** Starts a fake simulator on a free port in 9500-9999 (TCP login/caps and UDP circuit on the same number). */
export async function startFakeSim(fixedPort?: number): Promise<FakeSim> {
  const port = fixedPort ?? (await pickPort());
  const scene = recordedScene();
  const handshake = scene.find((p) => p.message.name === 'RegionHandshake');
  const movement = scene.find((p) => p.message.name === 'AgentMovementComplete');
  const replay = scene.filter(
    (p) =>
      !['PacketAck', 'StartPingCheck', 'CompletePingCheck', 'RegionHandshake', 'AgentMovementComplete'].includes(p.message.name),
  );
  /** Per login (circuit code): its stats, made at login so the seed and event queue count before the circuit. */
  const logins = new Map<number, { stats: FakeCircuitStats; uccDropped: boolean }>();
  const circuits = new Map<string, Circuit>();
  const all: FakeCircuitStats[] = [];
  let nextCode = 1000;
  const udp: Socket = createSocket('udp4');
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const raw = (c: Circuit, bytes: Uint8Array): void => {
    c.sentCount += 1;
    udp.send(bytes, c.remote.port, c.remote.address);
  };

  const send = (c: Circuit, message: Message, reliable = true): void => {
    c.seq += 1;
    const bytes = encodePacket({ header: { sequence: c.seq, reliable }, message });
    if (reliable) {
      c.reliableCount += 1;
      const drop = c.stats.scenario === 'Lossy' && c.reliableCount % 3 === 0;
      c.pending.set(c.seq, { bytes, at: Date.now(), dropped: drop, tries: 0 });
      if (drop) {
        c.stats.dropped += 1;
        c.sentCount += 1;
        return;
      }
    }
    raw(c, bytes);
    if (c.stats.scenario === 'Garbage' && (c.sentCount === 10 || c.sentCount === 40)) {
      c.stats.badSent += 1;
      raw(c, Uint8Array.from([0x40, 0, 0, 0, 99, 0, 0xff, 0xff, 0xff, 0x01, 0x02]));
    }
  };

  const ack = (c: Circuit, seq: number): void => {
    const p = c.pending.get(seq);
    if (!p) return;
    c.stats.acked += 1;
    if (p.dropped) c.stats.recovered += 1;
    c.pending.delete(seq);
  };

  const sendScene = (c: Circuit): void => {
    if (c.sceneSent) return;
    c.sceneSent = true;
    let i = 0;
    const messages = c.stats.scenario === 'Varregion' ? varRegionScene(replay) : replay.map((p) => p.message);
    const step = (): void => {
      if (!circuits.has(`${c.remote.address}:${c.remote.port}`)) return;
      for (let n = 0; n < 8 && i < messages.length; n++, i++) {
        const m = messages[i];
        if (m) send(c, m);
      }
      if (i < messages.length) {
        const t = setTimeout(step, 2);
        timers.add(t);
        return;
      }
      send(c, { name: 'StartPingCheck', blocks: { PingID: { PingID: 1, OldestUnacked: 0 } } }, false);
      if (c.stats.scenario === 'Restart') {
        const t = setTimeout(() => send(c, { name: 'DisableSimulator', blocks: {} }), 300);
        timers.add(t);
      }
    };
    step();
  };

  const onPacket = (c: Circuit, p: Packet): void => {
    for (const a of p.acks) ack(c, a);
    const m = p.message;
    if (isMessage(m, 'PacketAck')) {
      for (const b of m.blocks.Packets) ack(c, b.ID);
      return;
    }
    if (p.header.reliable) {
      udp.send(
        encodePacket({
          header: { sequence: ++c.seq },
          message: { name: 'PacketAck', blocks: { Packets: [{ ID: p.header.sequence }] } },
        }),
        c.remote.port,
        c.remote.address,
      );
      if (c.seen.has(p.header.sequence)) {
        c.stats.duplicatesFromViewer += 1;
        return;
      }
      c.seen.add(p.header.sequence);
    }
    c.stats.received.push(m.name);
    if (isMessage(m, 'CompleteAgentMovement')) {
      if (handshake) send(c, handshake.message);
      if (movement) send(c, movement.message);
    } else if (isMessage(m, 'RegionHandshakeReply')) {
      sendScene(c);
    } else if (isMessage(m, 'ChatFromViewer')) {
      send(c, {
        name: 'ChatFromSimulator',
        blocks: {
          ChatData: {
            FromName: textField('Test User'),
            SourceID: FAKE_AGENT_ID,
            OwnerID: FAKE_AGENT_ID,
            SourceType: 1,
            ChatType: 1,
            Audible: 1,
            Position: [128, 128, 25],
            Message: m.blocks.ChatData.Message,
          },
        },
      });
    } else if (isMessage(m, 'LogoutRequest')) {
      c.stats.loggedOut = true;
      send(c, {
        name: 'LogoutReply',
        blocks: { AgentData: { AgentID: FAKE_AGENT_ID, SessionID: SESSION_ID }, InventoryData: [] },
      });
    }
  };

  udp.on('message', (msg: Buffer, remote: RemoteInfo) => {
    let p: Packet;
    try {
      p = decodePacket(new Uint8Array(msg));
    } catch {
      return;
    }
    const key = `${remote.address}:${remote.port}`;
    let c = circuits.get(key);
    if (!c) {
      if (!isMessage(p.message, 'UseCircuitCode')) return; // unknown endpoint: OpenSim drops it too
      const code = p.message.blocks.CircuitCode.Code;
      const login = logins.get(code);
      if (!login) return;
      if (login.stats.scenario === 'Lossy' && !login.uccDropped) {
        login.uccDropped = true;
        return; // the viewer must resend UseCircuitCode
      }
      c = {
        remote,
        code,
        seq: 0,
        stats: login.stats,
        pending: new Map(),
        seen: new Set(),
        reliableCount: 0,
        sentCount: 0,
        sceneSent: false,
      };
      circuits.set(key, c);
    }
    onPacket(c, p);
  });

  const resender = setInterval(() => {
    const now = Date.now();
    for (const c of circuits.values()) {
      for (const [seq, p] of c.pending) {
        if (now - p.at < RESEND_MS) continue;
        if (p.tries >= 5) {
          c.pending.delete(seq);
          continue;
        }
        p.tries += 1;
        p.at = now;
        const again = p.bytes.slice();
        again[0] = (again[0] ?? 0) | 0x20;
        c.stats.resent += 1;
        raw(c, again);
      }
      c.stats.unacked = c.pending.size;
    }
  }, 50);

  /** Asset fetches by id, and by id@capability (GET /fake/assets). */
  const assetFetches: Record<string, number> = {};
  const assets = fakeAssets();
  /** GetTexture, GetMesh and ViewerAsset (texture_id, mesh_id) all answer from the same table, as OpenSim's do. */
  const serveAsset = (cap: string, id: string, res: ServerResponse): void => {
    assetFetches[id] = (assetFetches[id] ?? 0) + 1;
    assetFetches[`${id}@${cap}`] = (assetFetches[`${id}@${cap}`] ?? 0) + 1;
    const a = assets.get(id);
    if (a) res.writeHead(200, { 'content-type': a.type, 'content-length': a.bytes.length }).end(a.bytes);
    else res.writeHead(404).end();
  };
  const http: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const login = logins.get(Number(/^\/CAPS\/\w+\/(\d+)\/$/.exec(url.pathname)?.[1] ?? -1));
    const assetParam = url.searchParams.get('texture_id') ?? url.searchParams.get('mesh_id');
    if ((url.pathname === '/CAPS/texture/' || url.pathname === '/CAPS/mesh/') && assetParam === null) {
      res.writeHead(400).end();
      return;
    }
    if (
      url.pathname === '/CAPS/texture/' ||
      url.pathname === '/CAPS/mesh/' ||
      (url.pathname === '/CAPS/asset/' && assetParam !== null)
    ) {
      serveAsset(url.pathname.split('/')[2] ?? '', assetParam ?? '', res);
      return;
    }
    if (url.pathname === '/fake/asset-sha') {
      const a = assets.get(url.searchParams.get('id') ?? '');
      const sha = a ? createHash('sha256').update(a.bytes).digest('hex') : '';
      res
        .writeHead(a ? 200 : 404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sha256: sha, bytes: a?.bytes.length ?? 0 }));
      return;
    }
    if (url.pathname === '/CAPS/asset/') {
      const id = url.searchParams.get('sound_id') ?? '';
      assetFetches[id] = (assetFetches[id] ?? 0) + 1;
      if (id === FAKE_SOUNDS.tone) res.writeHead(200, { 'content-type': 'audio/ogg' }).end(TONE_OGG);
      else if (id === FAKE_SOUNDS.huge)
        res.writeHead(200, { 'content-type': 'audio/ogg' }).end(Buffer.concat([TONE_OGG, Buffer.alloc(2 * 1024 * 1024)]));
      else if (id === FAKE_SOUNDS.html) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>no</html>');
      else res.writeHead(404).end();
      return;
    }
    if (url.pathname === '/fake/assets') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(assetFetches));
      return;
    }
    if (url.pathname === '/fake/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(all));
      return;
    }
    if (login && url.pathname.startsWith('/CAPS/seed/')) {
      login.stats.seedPosts += 1;
      const code = url.pathname.split('/')[3];
      res
        .writeHead(200, { 'content-type': 'application/llsd+xml' })
        .end(
          `<llsd><map><key>EventQueueGet</key><string>http://127.0.0.1:${port}/CAPS/eq/${code}/</string><key>ViewerAsset</key><string>http://127.0.0.1:${port}/CAPS/asset/</string>${
            login.stats.scenario === OLD_CAPS_FIRST_NAME
              ? ''
              : `<key>GetTexture</key><string>http://127.0.0.1:${port}/CAPS/texture/</string><key>GetMesh</key><string>http://127.0.0.1:${port}/CAPS/mesh/</string>`
          }</map></llsd>`,
        );
      return;
    }
    if (login && url.pathname.startsWith('/CAPS/eq/')) {
      // 404 before the queue exists, then 502 after a short hold: both mean "poll again".
      const q = login.stats.eventQueue;
      const status = q.polls === 0 ? 404 : 502;
      q.polls += 1;
      q.statuses.push(status);
      const t = setTimeout(() => res.writeHead(status).end(), status === 502 ? 300 : 0);
      timers.add(t);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/') {
      const first = /<name>first<\/name><value><string>([^<]*)<\/string>/.exec(body)?.[1] ?? '';
      const passwd = /<name>passwd<\/name><value><string>([^<]*)<\/string>/.exec(body)?.[1] ?? '';
      res.writeHead(200, { 'content-type': 'text/xml' });
      if (passwd !== '$1$5f4dcc3b5aa765d61d8327deb882cf99') {
        res.end(
          `<?xml version="1.0"?><methodResponse><params><param><value><struct>${member('login', 'string', 'false')}${member('reason', 'string', 'key')}${member('message', 'string', 'Could not authenticate your avatar.')}</struct></value></param></params></methodResponse>`,
        );
        return;
      }
      const code = nextCode++;
      const stats = emptyStats(
        ['Lossy', 'Garbage', 'Farsim', 'Restart', 'Varregion', OLD_CAPS_FIRST_NAME].includes(first) ? first : 'clean',
      );
      logins.set(code, { stats, uccDropped: false });
      all.push(stats);
      res.end(loginAnswer(port, code, first === 'Farsim' ? 7000 : port, first === 'Varregion' ? 512 : REGION_SIZE));
      return;
    }
    res.writeHead(404).end();
  });

  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));

  return {
    port,
    loginUri: `http://127.0.0.1:${port}/`,
    circuits: all,
    kill(ids) {
      for (const c of circuits.values()) send(c, { name: 'KillObject', blocks: { ObjectData: ids.map((ID) => ({ ID })) } });
    },
    async close() {
      clearInterval(resender);
      for (const t of timers) clearTimeout(t);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

function emptyStats(scenario: string): FakeCircuitStats {
  return {
    scenario,
    received: [],
    dropped: 0,
    resent: 0,
    recovered: 0,
    acked: 0,
    unacked: 0,
    badSent: 0,
    duplicatesFromViewer: 0,
    loggedOut: false,
    eventQueue: { polls: 0, statuses: [] },
    seedPosts: 0,
  };
}

/**
 * The relay port of the edge test project: its RELAY_URL binding (vitest.config.ts, miniflare bindings) must
 * name http://127.0.0.1:18790. Not the default 8790, where a developer's own relay may come and go.
 */
export const EDGE_TEST_RELAY_PORT = 18790;

/**
 * vitest globalSetup for the edge project (tests/edge/grid-*.test.ts run inside workerd, which cannot open
 * UDP or spawn processes): starts the fake simulator and, unless one already answers there, the real relay on
 * EDGE_TEST_RELAY_PORT. The tests read the simulator's port with `inject('gridFakeSimPort')`.
 */
export async function setup(project: { provide(key: 'gridFakeSimPort', value: number): void }): Promise<() => Promise<void>> {
  const { createRelay } = await import('../../edge/relay/relay');
  const { parseRelayConfig } = await import('../../edge/relay/config');
  const port = EDGE_TEST_RELAY_PORT;
  const running = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  const relay = running ? null : await createRelay(parseRelayConfig({ port, logLevel: 'warn' }));
  const sim = await startFakeSim();
  project.provide('gridFakeSimPort', sim.port);
  return async () => {
    await sim.close();
    await relay?.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    gridFakeSimPort: number;
  }
}
