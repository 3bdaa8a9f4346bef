import { abortAllDurableObjects, evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PERMISSION } from '../../edge/auth/permissions';
import {
  type EntityUpdate,
  HELLO_CLOSE,
  HELLO_TIMEOUT_MS,
  MAX_CLIENT_FRAME_BYTES,
  type OperationResult,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../shared/protocol';
import { call, connect, helloFor, join, openSocket, operate, post, sessionToken, type TestSocket, tokenWith } from './support';

function expectOp<T extends OperationResult['op']>(r: OperationResult, op: T): Extract<OperationResult, { op: T }> {
  if (r.op !== op) throw new Error(`expected ${op}, got ${JSON.stringify(r)}`);
  return r as Extract<OperationResult, { op: T }>;
}

async function createBox(s: TestSocket, id: number, position: [number, number, number]) {
  const plan = expectOp(
    await operate(s, id, { op: 'prepare', actions: [{ tool: 'create_primitive', shape: 'box', position, name: 'Test box' }] }),
    'prepare',
  );
  const commit = expectOp(await operate(s, id + 1, { op: 'commit', planId: plan.planId }), 'commit');
  return { plan, commit };
}

/** Every frame queued on `s` until none arrives for 100 ms. */
/** What the tests read inside the plaza room (its private state, for waiting on it). */
interface RoomInside {
  world: { savedTick: number } | null;
  store: { getSession(id: string): unknown };
}

/** Polls inside the plaza room until `pred` holds (a close handled, a tick saved), at most 5 s. */
async function untilRoom(what: string, pred: (room: RoomInside) => boolean): Promise<void> {
  const stub = env.WORLD_ROOM.getByName('plaza');
  for (const deadline = Date.now() + 5000; ; ) {
    if (await runInDurableObject(stub, (instance) => pred(instance as unknown as RoomInside))) return;
    if (Date.now() > deadline) throw new Error(`the room never ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function drain(s: TestSocket): Promise<ServerMessage[]> {
  const out: ServerMessage[] = [];
  for (;;) {
    try {
      out.push(await s.until(() => true, 100));
    } catch {
      return out;
    }
  }
}

describe('world sessions and tokens', () => {
  it('POST /api/session gives a token for plaza, 400 for a bad name, 404 for an unknown world', async () => {
    const ok = await post('/api/session', { world: 'plaza' });
    expect(ok.status).toBe(200);
    expect((await ok.json<{ token: string }>()).token).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    const bad = await post('/api/session', { world: 'Not A Name!' });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { code: string } }>()).error.code).toBe('bad_request');
    const missing = await post('/api/session', { world: 'nowhere' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'world_not_found' } });
  });

  it('POST /api/session narrows permissions and lifetime on request, and refuses more than visitors get', async () => {
    const narrow = await post('/api/session', { world: 'plaza', perm: 1, ttl: 120 });
    expect(narrow.status).toBe(200);
    const body = await narrow.json<{ token: string; permissions: number; expiresAt: number }>();
    expect(body.permissions).toBe(1);
    expect(body.expiresAt - Date.now()).toBeLessThanOrEqual(120_000);
    const [, claims = ''] = body.token.split('.');
    const decoded = JSON.parse(atob(claims.replace(/-/g, '+').replace(/_/g, '/'))) as { perm: number; exp: number; iat: number };
    expect(decoded).toMatchObject({ perm: 1 });
    expect(decoded.exp - decoded.iat).toBe(120);
    const more = await post('/api/session', { world: 'plaza', perm: 16 });
    expect(more.status).toBe(403);
    expect(await more.json()).toMatchObject({ error: { code: 'permission_denied' } });
    for (const bad of [{ perm: -1 }, { ttl: 10 }, { ttl: 7 * 24 * 3600 }, { perm: 1.5 }])
      expect((await post('/api/session', { world: 'plaza', ...bad })).status).toBe(400);
  });

  it('closes a world socket whose hello has no token, a forged, expired or other-world one, or lacks join', async () => {
    /** The error frame and close code a hello with `token` gets. */
    const refusal = async (token: string, world = 'plaza') => {
      const s = await openSocket('/ws/world/plaza');
      s.send(helloFor(world, token));
      const error = await s.next('error');
      return [(await s.closed).code, error.code];
    };
    expect(await refusal('')).toEqual([HELLO_CLOSE.unauthorized, 'token_missing']);
    const good = await sessionToken('plaza');
    const forged = `${good.slice(0, -3)}${good.endsWith('A') ? 'B' : 'A'}AA`;
    expect(await refusal(forged)).toEqual([HELLO_CLOSE.unauthorized, 'token_forged']);
    expect(await refusal('garbage')).toEqual([HELLO_CLOSE.unauthorized, 'token_malformed']);
    const expired = await tokenWith('plaza', PERMISSION.join, Date.now() - 2 * 3600 * 1000);
    expect(await refusal(expired)).toEqual([HELLO_CLOSE.unauthorized, 'token_expired']);
    const other = await tokenWith('elsewhere', PERMISSION.join);
    expect(await refusal(other)).toEqual([HELLO_CLOSE.forbidden, 'token_wrong_world']);
    const noJoin = await tokenWith('plaza', PERMISSION.chat);
    expect(await refusal(noJoin)).toEqual([HELLO_CLOSE.forbidden, 'permission_denied']);
    expect(await refusal(good, 'elsewhere')).toEqual([HELLO_CLOSE.invalid, 'world_mismatch']);
  });

  it('admits a socket only by its hello: a token in the URL does nothing, another first frame closes it', async () => {
    const token = await sessionToken('plaza');
    const byUrl = await openSocket(`/ws/world/plaza?token=${encodeURIComponent(token)}`);
    byUrl.send({ type: 'ping', nonce: 1, clientTime: 1 });
    expect((await byUrl.next('error')).code).toBe('hello_required');
    expect((await byUrl.closed).code).toBe(HELLO_CLOSE.invalid);
    const text = await openSocket('/ws/world/plaza');
    text.ws.send('hello');
    expect((await text.next('error')).code).toBe('hello_required');
    expect((await text.closed).code).toBe(HELLO_CLOSE.invalid);
  });

  it('closes a socket that sends no hello within HELLO_TIMEOUT_MS', async () => {
    const s = await openSocket('/ws/world/plaza');
    const error = await s.next('error', HELLO_TIMEOUT_MS + 2000);
    expect(error.code).toBe('hello_timeout');
    expect((await s.closed).code).toBe(HELLO_CLOSE.timeout);
  }, 15_000);

  it('answers an unknown world socket with 404 and a message', async () => {
    const res = await call('/ws/world/nowhere', { headers: { Upgrade: 'websocket' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'world_not_found' } });
  });

  it('answers 503 with how to fix it when TOKEN_KEY is not set', async () => {
    const { TOKEN_KEY: _unused, ...noKey } = (await import('./support')).testEnv;
    const res = await call('/api/session', { method: 'POST', body: JSON.stringify({ world: 'plaza' }) }, noKey);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'token_key_missing' } });
  });
});

describe('WorldRoom: plaza', () => {
  it('greets with welcome then a snapshot of the seeded plaza, then terrain', async () => {
    const { s, welcome, snapshot } = await join();
    expect(welcome).toMatchObject({ version: PROTOCOL_VERSION, resumed: false });
    expect(welcome.bounds.max[0]).toBe(256);
    const prims = snapshot.entities.filter((e) => e.kind === 'prim');
    expect(prims.length).toBeGreaterThanOrEqual(24);
    expect(new Set(prims.map((e) => JSON.stringify(e.shape))).size).toBeGreaterThanOrEqual(4);
    expect(new Set(prims.map((e) => JSON.stringify(e.colors[0]))).size).toBeGreaterThanOrEqual(5);
    expect(snapshot.entities.some((e) => e.id === welcome.avatar && e.kind === 'avatar')).toBe(true);
    const terrain = await s.next('terrain');
    expect(terrain.size).toBe(17);
    s.ws.close(1000);
  });

  it('moves your avatar from input and shows it moving (dead-reckoned) to another visitor, and leaving', async () => {
    const a = await join();
    const b = await join();
    const startA = a.snapshot.entities.find((e) => e.id === a.welcome.avatar)?.position ?? [0, 0, 0];
    const isA = (m: ServerMessage, pred: (e: EntityUpdate) => boolean) =>
      m.type === 'delta' && m.entities.some((e) => e.id === a.welcome.avatar && pred(e));
    a.s.send({ type: 'input', seq: 1, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    // B learns A's velocity, so it can extrapolate; no further updates are needed while it holds.
    await b.s.until((m) => isA(m, (e) => (e.velocity?.[0] ?? 0) > 2.9));
    await new Promise((r) => setTimeout(r, 200));
    a.s.send({ type: 'input', seq: 2, move: [0, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    const stopped = await b.s.until((m) => isA(m, (e) => e.velocity?.[0] === 0));
    const at = stopped.type === 'delta' ? stopped.entities.find((e) => e.id === a.welcome.avatar)?.position : undefined;
    expect(at?.[0]).toBeGreaterThan(startA[0] + 0.5);
    a.s.ws.close(1000);
    const gone = await b.s.until((m) => m.type === 'despawn' && m.ids.includes(a.welcome.avatar));
    expect(gone.type).toBe('despawn');
    b.s.ws.close(1000);
  });

  it('sends a visitor only what lies in its view: a prim moved far away is despawned, and comes back in full', async () => {
    const a = await join();
    const b = await join();
    const { commit } = await createBox(a.s, 1, [140, 110, 25]);
    const id = commit.created[0] ?? 0;
    const isBox = (m: ServerMessage) => m.type === 'delta' && m.entities.some((e) => e.id === id);
    expect(await b.s.until(isBox)).toMatchObject({ type: 'delta' });
    const move = async (n: number, position: [number, number, number]) => {
      const plan = expectOp(
        await operate(a.s, n, { op: 'prepare', actions: [{ tool: 'move_entity', entity: id, position }] }),
        'prepare',
      );
      expectOp(await operate(a.s, n + 1, { op: 'commit', planId: plan.planId }), 'commit');
    };
    // The far corner is more than a view away from the spawn point, where both visitors stand.
    await move(3, [254, 254, 25]);
    const gone = await b.s.until((m) => m.type === 'despawn' && m.ids.includes(id));
    expect(gone.type).toBe('despawn');
    // A visitor who joins now does not get it at all.
    const c = await join();
    expect(c.snapshot.entities.some((e) => e.id === id)).toBe(false);
    expect(c.snapshot.entities.filter((e) => e.kind === 'prim').length).toBeGreaterThanOrEqual(24);
    await move(5, [130, 120, 25]);
    const back = await b.s.until(isBox);
    const record = back.type === 'delta' ? back.entities.find((e) => e.id === id) : undefined;
    // In full: the visitor had dropped it, so position alone would not do.
    expect(record).toMatchObject({ kind: 'prim', name: 'Test box', shape: expect.any(Object), colors: expect.any(Array) });
    expect(record?.position?.[0]).toBeCloseTo(130, 1);
    for (const v of [a, b, c]) v.s.ws.close(1000);
  });

  it('starts a fresh visit where the hello’s place points, standing on the ground inside the world', async () => {
    const token = await sessionToken('plaza');
    const s = await connect('plaza', token, { at: [100, 90, -50] });
    const welcome = await s.next('welcome');
    const snapshot = await s.next('snapshot');
    const me = snapshot.entities.find((e) => e.id === welcome.avatar);
    expect(me?.position[0]).toBeCloseTo(100, 1);
    expect(me?.position[1]).toBeCloseTo(90, 1);
    // Below the terrain: lifted onto it.
    expect(me?.position[2]).toBeGreaterThan(0);
    s.ws.close(1000);
    const far = await connect('plaza', await sessionToken('plaza'), { at: [9000, -5, 30] });
    const farWelcome = await far.next('welcome');
    const farMe = (await far.next('snapshot')).entities.find((e) => e.id === farWelcome.avatar);
    expect(farMe?.position.slice(0, 2)).toEqual([256, 0]);
    far.ws.close(1000);
  });

  it('relays chat to everyone in the world', async () => {
    const a = await join();
    const b = await join();
    a.s.send({ type: 'chat', text: 'hello plaza' });
    const line = await b.s.next('chat');
    expect(line).toMatchObject({ from: a.welcome.avatar, text: 'hello plaza' });
    a.s.ws.close(1000);
    b.s.ws.close(1000);
  });

  it('answers ping with pong', async () => {
    const { s } = await join();
    s.send({ type: 'ping', nonce: 77, clientTime: 5 });
    expect(await s.next('pong')).toMatchObject({ nonce: 77, clientTime: 5 });
    s.ws.close(1000);
  });
});

describe('WorldRoom: World Tool Protocol', () => {
  it('prepare → commit creates a box the other visitor sees; a repeated commit returns the original result', async () => {
    const a = await join();
    const b = await join();
    const { plan, commit } = await createBox(a.s, 1, [100, 100, 25]);
    expect(plan.expiresAt).toBeGreaterThan(Date.now());
    expect(commit.created).toHaveLength(1);
    const boxId = commit.created[0] ?? 0;
    const seen = await b.s.until((m) => m.type === 'delta' && m.entities.some((e) => e.id === boxId && e.kind === 'prim'));
    expect(seen.type).toBe('delta');
    // The box comes owned by its maker, by the name its avatar carries.
    const maker = a.snapshot.type === 'snapshot' ? a.snapshot.entities.find((e) => e.id === a.welcome.avatar)?.name : undefined;
    expect(maker).toMatch(/\S/);
    const box = seen.type === 'delta' ? seen.entities.find((e) => e.id === boxId) : undefined;
    expect(box?.owner).toEqual({ name: maker });
    const again = await operate(a.s, 3, { op: 'commit', planId: plan.planId });
    expect(again).toEqual(commit);
    const journal = expectOp(await operate(a.s, 4, { op: 'journal', limit: 10 }), 'journal');
    const states = journal.entries.filter((e) => e.planId === plan.planId).map((e) => e.state);
    expect(states).toEqual(['committed', 'prepared']);
    a.s.ws.close(1000);
    b.s.ws.close(1000);
  });

  it('reports a concurrent edit to the loser and applies only the winner', async () => {
    const a = await join();
    const b = await join();
    const { commit } = await createBox(a.s, 1, [110, 100, 25]);
    const id = commit.created[0] ?? 0;
    const pa = expectOp(
      await operate(a.s, 3, { op: 'prepare', actions: [{ tool: 'set_name', entity: id, name: 'A wins' }] }),
      'prepare',
    );
    const pb = expectOp(
      await operate(b.s, 3, { op: 'prepare', actions: [{ tool: 'set_name', entity: id, name: 'B loses' }] }),
      'prepare',
    );
    expectOp(await operate(a.s, 4, { op: 'commit', planId: pa.planId }), 'commit');
    const lost = expectOp(await operate(b.s, 4, { op: 'commit', planId: pb.planId }), 'failed');
    expect(lost.code).toBe('world_conflict');
    expect(lost.conflicts?.[0]?.entity).toBe(id);
    const look = expectOp(await operate(b.s, 5, { op: 'inspect', center: [110, 100, 25], radius: 1 }), 'inspect');
    expect(look.entities.find((e) => e.id === id)?.name).toBe('A wins');
    a.s.ws.close(1000);
    b.s.ws.close(1000);
  });

  it('undo removes what a plan created, and refuses when someone changed it since', async () => {
    const a = await join();
    const b = await join();
    const first = await createBox(a.s, 1, [120, 100, 25]);
    const undo = expectOp(await operate(a.s, 3, { op: 'undo', planId: first.plan.planId }), 'undo');
    expect(undo.removed).toEqual(first.commit.created);
    const gone = await b.s.until((m) => m.type === 'despawn' && m.ids.includes(first.commit.created[0] ?? -1));
    expect(gone.type).toBe('despawn');
    expect(await operate(a.s, 4, { op: 'undo', planId: first.plan.planId })).toEqual(undo);

    const second = await createBox(a.s, 5, [121, 100, 25]);
    const id = second.commit.created[0] ?? 0;
    const pb = expectOp(
      await operate(b.s, 7, { op: 'prepare', actions: [{ tool: 'move_entity', entity: id, position: [122, 100, 25] }] }),
      'prepare',
    );
    expectOp(await operate(b.s, 8, { op: 'commit', planId: pb.planId }), 'commit');
    const refused = expectOp(await operate(a.s, 9, { op: 'undo', planId: second.plan.planId }), 'failed');
    expect(refused.code).toBe('world_undo_conflict');
    a.s.ws.close(1000);
    b.s.ws.close(1000);
  });

  it('bounds inspect and refuses edits without the edit permission', async () => {
    const token = await tokenWith('plaza', PERMISSION.join | PERMISSION.chat);
    const s = await connect('plaza', token);
    await s.next('snapshot');
    const look = expectOp(await operate(s, 1, { op: 'inspect', center: [128, 128, 21], radius: 64, limit: 5 }), 'inspect');
    expect(look.entities).toHaveLength(5);
    expect(look.truncated).toBe(true);
    const denied = expectOp(
      await operate(s, 2, { op: 'prepare', actions: [{ tool: 'create_primitive', shape: 'sphere', position: [1, 1, 30] }] }),
      'failed',
    );
    expect(denied.code).toBe('world_permission_denied');
    s.ws.close(1000);
  });
});

describe('WorldRoom: bad input', () => {
  it('answers a malformed or unknown frame with an error frame and keeps the socket open', async () => {
    const { s } = await join();
    s.ws.send(Uint8Array.of(0x7e, 1, 2, 3));
    expect(await s.next('error')).toMatchObject({ code: 'protocol_unknown_type' });
    s.ws.send(Uint8Array.of(0x05, 1));
    expect(await s.next('error')).toMatchObject({ code: 'protocol_truncated' });
    s.ws.send('{"type":"chat"}');
    expect(await s.next('error')).toMatchObject({ code: 'protocol_text_frame' });
    s.send({ type: 'ping', nonce: 1, clientTime: 0 });
    expect(await s.next('pong')).toMatchObject({ nonce: 1 });
    s.ws.close(1000);
  });

  it('closes with 1009 on a frame over the size limit', async () => {
    const { s } = await join();
    s.ws.send(new Uint8Array(MAX_CLIENT_FRAME_BYTES + 1));
    expect((await s.closed).code).toBe(1009);
  });

  it('drops the frames of a connection far over its own usual rate (under the flood limit), says so once, and keeps the socket', async () => {
    const { s } = await join();
    // Frames at `rate` a second for `seconds`, paced by the clock (timers on a loaded machine run late).
    const pace = async (rate: number, seconds: number, from: number): Promise<number> => {
      const start = Date.now();
      let sent = 0;
      while (Date.now() - start < seconds * 1000) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate);
        for (; sent < due; sent++) s.send({ type: 'ping', nonce: from + sent, clientTime: 0 });
        await new Promise((r) => setTimeout(r, 20));
      }
      return from + sent;
    };
    const usual = await pace(3, 7, 0);
    const errors: string[] = [];
    void (async () => {
      for (;;) errors.push((await s.next('error', 60_000)).code);
    })().catch(() => {});
    await pace(37, 4, usual);
    expect(errors).toContain('world_throttled');
    expect(errors.filter((c) => c === 'world_throttled')).toHaveLength(1);
    expect(errors).not.toContain('rate_limited');
    s.ws.close(1000);
  }, 30_000);

  it('warns a flooding socket, then closes it with 1008', async () => {
    const { s } = await join();
    for (let i = 0; i < 200; i++) s.send({ type: 'ping', nonce: i, clientTime: 0 });
    expect(await s.next('error')).toMatchObject({ code: 'rate_limited' });
    expect((await s.closed).code).toBe(1008);
  });
});

describe('WorldRoom: persistence and world creation', () => {
  it('keeps a committed box across a restart of every Durable Object', async () => {
    const a = await join();
    const { commit } = await createBox(a.s, 1, [130, 90, 25]);
    const id = commit.created[0] ?? 0;
    a.s.ws.close(1000);
    await abortAllDurableObjects();
    const b = await join();
    expect(b.snapshot.entities.some((e) => e.id === id && e.name === 'Test box')).toBe(true);
    const journal = expectOp(await operate(b.s, 1, { op: 'journal', limit: 100 }), 'journal');
    expect(journal.entries.some((e) => e.planId === commit.planId && e.state === 'committed')).toBe(true);
    b.s.ws.close(1000);
  });

  it('creates a world with the create permission only, once', async () => {
    const noCreate = await tokenWith('*', PERMISSION.join);
    expect((await post('/api/worlds', { name: 'garden' })).status).toBe(401);
    const denied = await post('/api/worlds', { name: 'garden' }, { authorization: `Bearer ${noCreate}` });
    expect(denied.status).toBe(403);
    const creator = await tokenWith('*', PERMISSION.join | PERMISSION.create);
    const made = await post('/api/worlds', { name: 'garden' }, { authorization: `Bearer ${creator}` });
    expect(made.status).toBe(201);
    const again = await post('/api/worlds', { name: 'garden' }, { authorization: `Bearer ${creator}` });
    expect(again.status).toBe(409);
    const { welcome, snapshot, s } = await join('garden');
    expect(snapshot.entities.filter((e) => e.kind === 'prim')).toHaveLength(0);
    expect(snapshot.entities.some((e) => e.id === welcome.avatar)).toBe(true);
    s.ws.close(1000);
  });

  it('resumes a session from its acknowledged tick with a delta instead of a snapshot', async () => {
    const a = await join();
    a.s.send({ type: 'ack', tick: a.welcome.tick });
    a.s.ws.close(1000);
    await new Promise((r) => setTimeout(r, 50));
    const other = await join();
    await createBox(other.s, 1, [140, 90, 25]);
    const again = await connect('plaza', a.token, { resumeId: a.welcome.session, baseline: a.welcome.tick });
    const welcome = await again.next('welcome');
    expect(welcome).toMatchObject({ resumed: true, session: a.welcome.session, avatar: a.welcome.avatar });
    const first = await again.next();
    expect(first.type).toBe('delta');
    again.ws.close(1000);
    other.s.ws.close(1000);
  });

  /** Joins, sees the box `id` arrive, acknowledges that tick and drops; returns the session to resume. */
  async function holdAndDrop(id: () => number, create: () => Promise<void>) {
    const a = await join();
    await create();
    const seen = await a.s.until((m) => m.type === 'delta' && m.entities.some((e) => e.id === id()));
    const tick = seen.type === 'delta' ? seen.tick : 0;
    a.s.send({ type: 'ack', tick });
    await new Promise((r) => setTimeout(r, 50));
    a.s.ws.close(1000);
    await new Promise((r) => setTimeout(r, 50));
    return { a, tick };
  }

  it("re-sends the baseline tick's own changes on resume (the rest of that tick's frames may have been cut)", async () => {
    const other = await join();
    let id = 0;
    const { a, tick } = await holdAndDrop(
      () => id,
      async () => {
        id = (await createBox(other.s, 1, [130, 100, 25])).commit.created[0] ?? 0;
      },
    );
    const again = await connect('plaza', a.token, { resumeId: a.welcome.session, baseline: tick });
    expect(await again.next('welcome')).toMatchObject({ resumed: true, avatar: a.welcome.avatar });
    const delta = await again.next('delta');
    expect(delta.entities.some((e) => e.id === id && e.kind === 'prim')).toBe(true);
    again.ws.close(1000);
    other.s.ws.close(1000);
  });

  it('does not despawn on resume a prim that was deleted and brought back by undo while the visitor was away', async () => {
    const other = await join();
    let id = 0;
    const { a, tick } = await holdAndDrop(
      () => id,
      async () => {
        id = (await createBox(other.s, 1, [132, 100, 25])).commit.created[0] ?? 0;
      },
    );
    const del = expectOp(
      await operate(other.s, 3, { op: 'prepare', actions: [{ tool: 'delete_entity', entity: id }] }),
      'prepare',
    );
    expectOp(await operate(other.s, 4, { op: 'commit', planId: del.planId }), 'commit');
    expectOp(await operate(other.s, 5, { op: 'undo', planId: del.planId }), 'undo');
    const again = await connect('plaza', a.token, { resumeId: a.welcome.session, baseline: tick });
    await again.next('welcome');
    const delta = await again.next('delta');
    expect(delta.entities.some((e) => e.id === id && e.kind === 'prim')).toBe(true);
    const despawned = await again
      .until((m) => m.type === 'despawn' && m.ids.includes(id), 300)
      .then(
        () => true,
        () => false,
      );
    expect(despawned).toBe(false);
    again.ws.close(1000);
    other.s.ws.close(1000);
  });

  it('takes over a session whose old socket the room still holds, instead of making a second avatar', async () => {
    const a = await join();
    const other = await join();
    a.s.send({ type: 'ack', tick: a.welcome.tick });
    await new Promise((r) => setTimeout(r, 50));
    // The old socket is still open (its close never came): the visitor reconnects and resumes.
    const again = await connect('plaza', a.token, { resumeId: a.welcome.session, baseline: a.welcome.tick });
    expect(await again.next('welcome')).toMatchObject({ resumed: true, session: a.welcome.session, avatar: a.welcome.avatar });
    expect(await a.s.closed).toMatchObject({ code: 1000, reason: expect.stringContaining('resumed on another connection') });
    // Nobody saw the avatar leave, and a stranger's token cannot take the session over.
    const left = await other.s
      .until((m) => m.type === 'despawn' && m.ids.includes(a.welcome.avatar), 300)
      .then(
        () => true,
        () => false,
      );
    expect(left).toBe(false);
    const stranger = await connect('plaza', await sessionToken('plaza'), {
      resumeId: a.welcome.session,
      baseline: a.welcome.tick,
    });
    const theirs = await stranger.next('welcome');
    expect(theirs).toMatchObject({ resumed: false });
    expect(theirs.type === 'welcome' && theirs.avatar).not.toBe(a.welcome.avatar);
    for (const s of [again, stranger, other.s]) s.ws.close(1000);
  });

  it('keeps the same session (avatar and place) when a resume comes too late for a delta, with a snapshot', async () => {
    const a = await join();
    a.s.send({ type: 'input', seq: 1, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    await new Promise((r) => setTimeout(r, 300));
    a.s.send({ type: 'input', seq: 2, move: [0, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    // Seen walking first: the avatar's first announcement, at the spawn point, has velocity 0 too.
    const mine = (m: ServerMessage, ok: (v: number) => boolean) =>
      m.type === 'delta' && m.entities.some((e) => e.id === a.welcome.avatar && e.velocity !== undefined && ok(e.velocity[0]));
    await a.s.until((m) => mine(m, (vx) => vx > 0));
    const stopped = await a.s.until((m) => mine(m, (vx) => vx === 0));
    const at = stopped.type === 'delta' ? stopped.entities.find((e) => e.id === a.welcome.avatar)?.position : undefined;
    a.s.ws.close(1000);
    await new Promise((r) => setTimeout(r, 50));
    // Baseline 1 is long gone: no delta, but the same avatar where it stood.
    const again = await connect('plaza', a.token, { resumeId: a.welcome.session, baseline: 1 });
    expect(await again.next('welcome')).toMatchObject({ resumed: true, avatar: a.welcome.avatar });
    const snapshot = await again.next('snapshot');
    const me = snapshot.entities.find((e) => e.id === a.welcome.avatar);
    expect(me?.position[0]).toBeCloseTo(at?.[0] ?? Number.NaN, 1);
    again.ws.close(1000);
  });

  it('never sends a tick lower than one it sent before, across a restart of a room that went quiet', async () => {
    const a = await join();
    a.s.send({ type: 'input', seq: 1, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    await new Promise((r) => setTimeout(r, 400));
    let highest = a.welcome.tick;
    for (const m of await drain(a.s)) if (m.type === 'delta') highest = Math.max(highest, m.tick);
    expect(highest).toBeGreaterThan(a.welcome.tick);
    a.s.ws.close(1000);
    // "Went quiet": the room has handled the close and saved its tick (a crash before that loses unsaved
    // ticks by design: clients then resume with a snapshot).
    await untilRoom('saved the tick it went quiet at', (room) => (room.world?.savedTick ?? -1) >= highest);
    await abortAllDurableObjects();
    const b = await join();
    expect(b.welcome.tick).toBeGreaterThan(highest);
    b.s.ws.close(1000);
  });

  it('keeps sockets across hibernation: the room restores them from their attachments', async () => {
    const a = await join();
    await evictDurableObject(env.WORLD_ROOM.getByName('plaza'), { webSockets: 'hibernate' });
    a.s.send({ type: 'ping', nonce: 9, clientTime: 1 });
    expect(await a.s.next('pong')).toMatchObject({ nonce: 9 });
    a.s.send({ type: 'input', seq: 1, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    const moved = await a.s.until(
      (m) => m.type === 'delta' && m.entities.some((e) => e.id === a.welcome.avatar && (e.velocity?.[0] ?? 0) > 2.9),
    );
    expect(moved.type).toBe('delta');
    a.s.ws.close(1000);
  });

  it('answers a resume whose baseline the room no longer holds (after a restart) with a fresh snapshot, in the same session', async () => {
    const a = await join();
    a.s.send({ type: 'ack', tick: a.welcome.tick });
    a.s.ws.close(1000);
    // The room stores the session when it handles the close; a crash before that would lose it.
    await untilRoom('stored the closed session', (room) => room.store.getSession(a.welcome.session) !== null);
    await abortAllDurableObjects();
    const again = await connect('plaza', a.token, { resumeId: a.welcome.session, baseline: a.welcome.tick });
    expect(await again.next('welcome')).toMatchObject({ resumed: true, avatar: a.welcome.avatar, session: a.welcome.session });
    expect((await again.next()).type).toBe('snapshot');
    again.ws.close(1000);
  });
});

describe('WorldRoom: bandwidth', () => {
  it('costs another visitor under 1 KB/s for an avatar walking and turning (dead reckoning on)', async () => {
    const a = await join();
    const b = await join();
    for (let i = 0; i < 16; i++) await b.s.next('terrain'); // the greeting is not part of the stream
    await new Promise((r) => setTimeout(r, 100));
    let bytes = 0;
    b.s.ws.addEventListener('message', (e) => {
      if (e.data instanceof ArrayBuffer) bytes += e.data.byteLength;
    });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const yaw = i * 0.05; // turning at 1 rad/s while walking
      a.s.send({ type: 'input', seq: i + 1, move: [1, 0, 0], rotation: [0, 0, Math.sin(yaw / 2), Math.cos(yaw / 2)], flags: 0 });
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (Date.now() - started) / 1000;
    const perSecond = bytes / seconds;
    console.log(`bandwidth: ${perSecond.toFixed(0)} B/s for one walking, turning avatar`);
    expect(perSecond).toBeLessThan(1024);
    a.s.ws.close(1000);
    b.s.ws.close(1000);
  });
});
