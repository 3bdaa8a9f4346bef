/**
 * GridSession inside workerd: POST /api/grid/login → GridSession → the real UDP relay → the fake simulator
 * (both started in Node by the edge project's globalSetup, tests/support/fake-sim.ts), then /ws/grid/<session>
 * carrying the Storm protocol. Fault injection is chosen by the login's first name (see fake-sim.ts).
 */
import { describe, expect, inject, it } from 'vitest';
import type { Entity, ServerMessage } from '../../shared/protocol';
import { DEFAULT_BOUNDS, decodeServerMessage, encodeClientMessage, HELLO_CLOSE } from '../../shared/protocol';
import { call, helloFor, post, type TestSocket, tokenWith } from './support';

declare module 'vitest' {
  interface ProvidedContext {
    gridFakeSimPort: number;
  }
}

const simPort = inject('gridFakeSimPort');
const loginUri = `http://127.0.0.1:${simPort}/`;

interface Login {
  session: string;
  token: string;
}

async function login(first: string, password = 'password'): Promise<Login> {
  const res = await post('/api/grid/login', { loginUri, first, last: 'User', password });
  if (res.status !== 200) throw new Error(`login ${first}: ${res.status} ${await res.text()}`);
  return res.json<Login>();
}

async function refusal(body: unknown): Promise<[number, string]> {
  const res = await post('/api/grid/login', body);
  return [res.status, (await res.json<{ error: { code: string } }>()).error.code];
}

/** Opens /ws/grid/<session>, says hello with `token` and mirrors the entities it receives. */
async function open(
  l: Login,
  token = l.token,
): Promise<TestSocket & { entities: Map<number, Entity>; frames: ServerMessage[]; patches: number }> {
  const res = await call(`/ws/grid/${l.session}`, { headers: { Upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  const frames: ServerMessage[] = [];
  const entities = new Map<number, Entity>();
  const s = {
    ws,
    bounds: DEFAULT_BOUNDS,
    frames,
    entities,
    patches: 0,
    closed: new Promise<{ code: number; reason: string }>((resolve) =>
      ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
    ),
    send: (msg: Parameters<TestSocket['send']>[0]) => ws.send(encodeClientMessage(msg)),
    async until(pred: (m: ServerMessage) => boolean, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = frames.find(pred);
        if (m) return m;
        if (Date.now() > end)
          throw new Error(
            `timed out; frames: ${frames
              .map((f) => f.type)
              .join(',')
              .slice(0, 300)}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async next<T extends ServerMessage['type']>(type?: T) {
      return (await s.until((m) => type === undefined || m.type === type)) as Extract<ServerMessage, { type: T }>;
    },
  };
  ws.addEventListener('message', (e) => {
    if (!(e.data instanceof ArrayBuffer)) return;
    const msg = decodeServerMessage(new Uint8Array(e.data), s.bounds);
    frames.push(msg);
    if (msg.type === 'welcome') s.bounds = msg.bounds;
    if (msg.type === 'snapshot') for (const x of msg.entities) entities.set(x.id, x);
    if (msg.type === 'delta')
      for (const u of msg.entities) entities.set(u.id, { ...(entities.get(u.id) ?? (u as Entity)), ...u });
    if (msg.type === 'despawn') for (const id of msg.ids) entities.delete(id);
    if (msg.type === 'terrain') s.patches += 1;
  });
  s.send(helloFor(l.session, token));
  return s;
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const prims = (s: { entities: Map<number, Entity> }) => [...s.entities.values()].filter((e) => e.kind === 'prim');

async function simStats(): Promise<
  {
    scenario: string;
    received: string[];
    dropped: number;
    recovered: number;
    unacked: number;
    loggedOut: boolean;
    badSent: number;
  }[]
> {
  const res = await fetch(`http://127.0.0.1:${simPort}/fake/stats`);
  return res.json();
}

describe('POST /api/grid/login refusals', () => {
  it('answers each failure with its own code', async () => {
    expect(await refusal({ loginUri, first: 'Test' })).toEqual([400, 'grid_bad_request']);
    expect(await refusal({ loginUri: 'ftp://127.0.0.1:9000/', first: 'A', last: 'B', password: 'x' })).toEqual([
      400,
      'grid_bad_request',
    ]);
    expect(await refusal({ loginUri: 'http://192.0.2.10:9000/', first: 'A', last: 'B', password: 'x' })).toEqual([
      403,
      'grid_not_allowed',
    ]);
    expect(await refusal({ loginUri, first: 'Test', last: 'User', password: 'wrong' })).toEqual([401, 'grid_bad_credentials']);
    expect(await refusal({ loginUri, first: 'Farsim', last: 'User', password: 'password' })).toEqual([502, 'grid_relay_refused']);
    expect(await refusal({ loginUri: 'http://127.0.0.1:8001/', first: 'A', last: 'B', password: 'x' })).toEqual([
      502,
      'grid_unreachable',
    ]);
  });
});

describe('a GridSession over the fake simulator', () => {
  it('streams welcome, all 66 prims, the avatar and 256 terrain patches; chat goes both ways; closing logs out', async () => {
    const l = await login('Clean');
    const s = await open(l);
    const welcome = await s.next('welcome');
    expect(welcome.session).toBe(l.session);
    expect(welcome.bounds.max[0]).toBe(256 + 64);
    await waitFor(() => prims(s).length === 66 && s.patches >= 256, 10_000, 'the scene');
    expect(s.entities.get(welcome.avatar)?.kind).toBe('avatar');
    expect(prims(s).filter((e) => e.parent !== 0)).toHaveLength(7);
    s.send({ type: 'chat', text: 'hello from workerd' });
    await s.until((m) => m.type === 'chat' && m.text === 'hello from workerd');
    s.send({ type: 'input', seq: 1, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    s.ws.close(1000, 'bye');
    await waitFor(() => false, 0, 'nothing').catch(() => {});
    let stats = await simStats();
    for (let i = 0; i < 100 && !stats.at(-1)?.loggedOut; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stats = await simStats();
    }
    const mine = stats.at(-1);
    expect(mine?.loggedOut).toBe(true);
    expect(mine?.received.slice(0, 3)).toEqual(['UseCircuitCode', 'CompleteAgentMovement', 'RegionHandshakeReply']);
    expect(mine?.received).toContain('ChatFromViewer');
    expect(mine?.received).toContain('AgentUpdate');
    expect(mine?.received.at(-1)).toBe('LogoutRequest');
  }, 20_000);

  it("sends the RegionHandshake's terrain textures, heights and water as region_info right after welcome, and again to a new hello", async () => {
    const l = await login('Clean');
    const s = await open(l);
    await s.next('welcome');
    await s.until((m) => m.type === 'snapshot');
    const types = s.frames.map((f) => f.type);
    // The regions shown (one here), then the ground and water, then the objects.
    expect(types.slice(0, 4)).toEqual(['welcome', 'regions', 'region_info', 'snapshot']);
    expect(s.frames[1]).toMatchObject({ type: 'regions', current: 0, regions: [{ slot: 0, origin: [0, 0], size: [256, 256] }] });
    // The recorded StormTest session's RegionHandshake (OpenSim's default terrain textures).
    expect(s.frames[2]).toEqual({
      type: 'region_info',
      terrainTextures: [
        'b8d3965a-ad78-bf43-699b-bff8eca6c975',
        'abb783e6-3e93-26c0-248a-247666855da3',
        '179cdabd-398a-9b6b-1391-4dc333ba321f',
        'beb169c7-11ea-fff2-efe5-0f24dc881df2',
      ],
      terrainStartHeights: [10, 10, 10, 10],
      terrainHeightRanges: [60, 60, 60, 60],
      waterHeight: 20,
    });
    const before = s.frames.length;
    s.send(helloFor(l.session, l.token));
    await waitFor(() => s.frames.slice(before).some((f) => f.type === 'region_info'), 5000, 'region_info again');
    const again = s.frames.slice(before).map((f) => f.type);
    expect(again.indexOf('region_info')).toBe(again.indexOf('welcome') + 2);
    expect(s.frames.filter((f) => f.type === 'region_info')).toHaveLength(2);
    s.ws.close(1000, 'bye');
  }, 20_000);

  it('recovers from packet loss (dropped datagrams are resent and acked) and ignores a bad datagram', async () => {
    const lossy = await open(await login('Lossy'));
    await waitFor(() => prims(lossy).length === 66 && lossy.patches >= 256, 15_000, 'the scene over loss');
    const garbage = await open(await login('Garbage'));
    await waitFor(() => prims(garbage).length === 66 && garbage.patches >= 256, 10_000, 'the scene despite garbage');
    garbage.send({ type: 'chat', text: 'alive' });
    await garbage.until((m) => m.type === 'chat' && m.text === 'alive');
    expect(garbage.frames.some((f) => f.type === 'error')).toBe(false);
    const stats = await simStats();
    const l = stats.filter((x) => x.scenario === 'Lossy').at(-1);
    const g = stats.filter((x) => x.scenario === 'Garbage').at(-1);
    expect(l?.dropped).toBeGreaterThan(10);
    expect(l?.recovered).toBe(l?.dropped);
    expect(g?.badSent).toBe(2);
    lossy.ws.close(1000, 'bye');
    garbage.ws.close(1000, 'bye');
  }, 30_000);

  it('says clearly when the region goes away under the visitor (DisableSimulator), then closes', async () => {
    const s = await open(await login('Restart'));
    const err = await s.until((m) => m.type === 'error', 10_000);
    expect(err).toMatchObject({ type: 'error', code: 'grid_region_closed' });
    expect((await s.closed).code).toBe(1011);
  }, 20_000);

  it('shows a 512 m var region: bounds from the login, var-region land layers (0x4D) as terrain past 256 m', async () => {
    const s = await open(await login('Varregion'));
    const welcome = await s.next('welcome');
    expect(welcome.bounds.max[0]).toBe(512 + 64);
    await waitFor(() => s.patches >= 512, 10_000, '512 var-region patches');
    const far = s.frames.find((f) => f.type === 'terrain' && f.x >= 256 && f.y >= 256);
    expect(far).toBeDefined();
    s.ws.close(1000, 'bye');
  }, 20_000);

  it('refuses a token for another session, a second socket, and a session that does not exist', async () => {
    const l = await login('Clean');
    const other = await tokenWith('g-000000000000000000000000', 1);
    const wrong = await open(l, other);
    expect((await wrong.next('error')).code).toBe('token_wrong_world');
    expect((await wrong.closed).code).toBe(HELLO_CLOSE.forbidden);
    const s = await open(l);
    await s.next('welcome');
    const again = await call(`/ws/grid/${l.session}`, { headers: { Upgrade: 'websocket' } });
    expect([again.status, (await again.json<{ error: { code: string } }>()).error.code]).toEqual([409, 'grid_session_taken']);
    const ghost = 'g-0123456789abcdef01234567';
    // Refused before any hello: there is no session to say hello to.
    const none = await call(`/ws/grid/${ghost}`, { headers: { Upgrade: 'websocket' } });
    expect([none.status, (await none.json<{ error: { code: string } }>()).error.code]).toEqual([404, 'grid_session_not_found']);
    s.ws.close(1000, 'bye');
  }, 20_000);
});
