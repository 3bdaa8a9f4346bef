/**
 * The SignalRoom in workerd, spoken to as the stock `peerjs` 1.5 client speaks (its Socket and API classes):
 * GET <path><key>/id, the socket at <path>peerjs?key&id&token&version, JSON frames with HEARTBEAT, OFFER,
 * ANSWER, CANDIDATE and LEAVE, and the server's OPEN, ERROR, EXPIRE and relayed frames.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PERMISSION } from '../../edge/auth/permissions';
import { MAX_SIGNAL_FRAME_BYTES } from '../../shared/protocol';
import { call, join, sessionToken, testEnv, tokenWith } from './support';

const PEERJS_VERSION = '1.5.5';

interface PeerSocket {
  ws: WebSocket;
  /** The next frame matching `pred` (skipping others). */
  until(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every frame received so far. */
  seen: Record<string, unknown>[];
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** The id the stock client's `retrieveId` would get, here with the visitor's bearer token. */
async function peerId(world: string, token: string | null): Promise<Response> {
  return call(`/p2p/${world}/peerjs/id?ts=${Date.now()}0.5&version=${PEERJS_VERSION}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function ownId(world: string, token: string): Promise<string> {
  const res = await peerId(world, token);
  expect(res.status).toBe(200);
  return res.text();
}

/** Opens the socket as peerjs's Socket.start(id, token) does. */
async function open(world: string, id: string, token: string, key = 'peerjs'): Promise<PeerSocket> {
  const res = await call(`/p2p/${world}/peerjs?key=${key}&id=${id}&token=${token}&version=${PEERJS_VERSION}`, {
    headers: { Upgrade: 'websocket' },
  });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  const seen: Record<string, unknown>[] = [];
  let cursor = 0;
  let wake: (() => void) | null = null;
  ws.addEventListener('message', (e) => {
    seen.push(JSON.parse(String(e.data)) as Record<string, unknown>);
    wake?.();
  });
  return {
    ws,
    seen,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    closed: new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason }))),
    async until(pred, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < seen.length) {
          const m = seen[cursor++];
          if (m && pred(m)) return m;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; seen: ${JSON.stringify(seen).slice(0, 400)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 50));
        });
      }
    },
  };
}

/** A visitor of `world` connected to its signalling, after OPEN. */
async function visitor(world = 'plaza') {
  const token = world === 'plaza' ? await sessionToken(world) : await tokenWith(world, PERMISSION.join);
  const id = await ownId(world, token);
  const s = await open(world, id, token);
  expect(await s.until(() => true)).toEqual({ type: 'OPEN' });
  return { token, id, s };
}

/** The world room names these visitors to each other, as its peers plan does (the SignalRoom's `allow` RPC). */
async function named(world: string, ...ids: string[]): Promise<void> {
  await env.SIGNAL_ROOM.getByName(world).allow(Object.fromEntries(ids.map((id) => [id, ids.filter((o) => o !== id)])));
}

const offer = (dst: string, extra: Record<string, unknown> = {}) => ({
  type: 'OFFER',
  payload: {
    sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' },
    type: 'data',
    connectionId: 'dc_abc123',
    label: 'dc_abc123',
    reliable: false,
    serialization: 'binary',
    ...extra,
  },
  dst,
});

describe('signalling ids are bound to visitors', () => {
  it('GET peerjs/id gives a visitor of the world its own id, the same every time, and different visitors different ids', async () => {
    const a = await sessionToken('plaza');
    const b = await sessionToken('plaza');
    const idA = await ownId('plaza', a);
    expect(idA).toMatch(/^p[0-9a-f]{32}$/);
    expect(await ownId('plaza', a)).toBe(idA);
    expect(await ownId('plaza', b)).not.toBe(idA);
  });

  it('a visitor without a valid token gets no peer id (none, forged, another world, no join)', async () => {
    const none = await peerId('plaza', null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'token_missing' } });
    const token = await sessionToken('plaza');
    const forged = await peerId('plaza', `${token.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    const other = await peerId('elsewhere', token);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: 'token_wrong_world' } });
    const noJoin = await peerId('plaza', await tokenWith('plaza', PERMISSION.chat));
    expect(noJoin.status).toBe(403);
  });

  it('the socket opens only for a valid token and the id bound to it', async () => {
    const { id } = await visitor();
    const bad = await open('plaza', id, 'v1.not.atoken');
    expect(await bad.until(() => true)).toMatchObject({ type: 'ERROR' });
    expect((await bad.closed).code).toBe(4401);
    expect(bad.seen.some((m) => m.type === 'OPEN')).toBe(false);

    // Another visitor's valid token cannot take this id.
    const thief = await sessionToken('plaza');
    const taken = await open('plaza', id, thief);
    const err = await taken.until(() => true);
    expect(err).toMatchObject({ type: 'ERROR', payload: { msg: expect.stringContaining('not yours') } });
    expect((await taken.closed).code).toBe(4403);

    const badKey = await open('plaza', await ownId('plaza', thief), thief, 'other');
    expect(await badKey.until(() => true)).toMatchObject({
      type: 'ERROR',
      payload: { msg: expect.stringContaining('invalid key') },
    });
  });

  it('the same visitor connecting again takes its id over; the old socket is closed', async () => {
    const { id, token, s } = await visitor();
    const again = await open('plaza', id, token);
    expect(await again.until(() => true)).toEqual({ type: 'OPEN' });
    expect((await s.closed).code).toBe(1000);
  });
});

describe('relaying between peers', () => {
  it('relays OFFER, ANSWER, CANDIDATE and LEAVE with src set by the room and unknown fields dropped', async () => {
    const a = await visitor();
    const b = await visitor();
    await named('plaza', a.id, b.id);
    a.s.send({ type: 'HEARTBEAT' });
    a.s.send(offer(b.id, { injected: 'x'.repeat(100) }));
    const got = await b.s.until((m) => m.type === 'OFFER');
    expect(got).toMatchObject({ type: 'OFFER', src: a.id, dst: b.id, payload: { type: 'data', connectionId: 'dc_abc123' } });
    expect(JSON.stringify(got)).not.toContain('injected');

    b.s.send({
      type: 'ANSWER',
      payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_abc123' },
      dst: a.id,
    });
    expect(await a.s.until((m) => m.type === 'ANSWER')).toMatchObject({ src: b.id, dst: a.id });
    b.s.send({
      type: 'CANDIDATE',
      payload: {
        candidate: {
          candidate: 'candidate:1 1 udp 2122260223 10.250.0.1 50000 typ host',
          sdpMid: '0',
          sdpMLineIndex: 0,
          usernameFragment: 'abcd',
        },
        type: 'data',
        connectionId: 'dc_abc123',
      },
      dst: a.id,
    });
    expect(await a.s.until((m) => m.type === 'CANDIDATE')).toMatchObject({ src: b.id, payload: { candidate: { sdpMid: '0' } } });
    a.s.send({ type: 'LEAVE', dst: b.id });
    expect(await b.s.until((m) => m.type === 'LEAVE')).toEqual({ type: 'LEAVE', src: a.id, dst: b.id });
  });

  it('holds a message for a peer that connects within 5 s, and answers EXPIRE for one that never does', async () => {
    const a = await visitor();
    const lateToken = await sessionToken('plaza');
    const lateId = await ownId('plaza', lateToken);
    const ghost = `p${'0'.repeat(32)}`;
    await named('plaza', a.id, lateId, ghost);
    a.s.send(offer(lateId));
    const late = await open('plaza', lateId, lateToken);
    expect(await late.until(() => true)).toEqual({ type: 'OPEN' });
    expect(await late.until((m) => m.type === 'OFFER')).toMatchObject({ src: a.id });

    a.s.send(offer(ghost));
    expect(await a.s.until((m) => m.type === 'EXPIRE', 8000)).toEqual({ type: 'EXPIRE', src: ghost, dst: a.id });
  }, 15_000);

  it('nobody signals into another world: an offer to a peer of another world expires, and never arrives', async () => {
    const here = await visitor('plaza');
    const there = await visitor('elsewhere');
    // Even named (as no room would): the other world's peer is not connected here.
    await named('plaza', here.id, there.id);
    here.s.send(offer(there.id));
    expect(await here.s.until((m) => m.type === 'EXPIRE', 8000)).toMatchObject({ src: there.id });
    expect(there.s.seen.filter((m) => m.type === 'OFFER')).toEqual([]);
  }, 15_000);
});

describe('only peers the world room named to each other signal', () => {
  const answer = (dst: string) => ({
    type: 'ANSWER',
    payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_abc123' },
    dst,
  });
  const candidate = (dst: string) => ({
    type: 'CANDIDATE',
    payload: { candidate: { candidate: 'candidate:1 1 udp 1 10.250.0.1 5 typ host' }, type: 'data', connectionId: 'c' },
    dst,
  });

  it('an OFFER, ANSWER or CANDIDATE to a peer not named for you is answered EXPIRE with the reason, never relayed; the socket stays and named peers still talk', async () => {
    const a = await visitor();
    const b = await visitor();
    const c = await visitor();
    await named('plaza', a.id, b.id);
    for (const frame of [offer(c.id), answer(c.id), candidate(c.id)]) {
      a.s.send(frame);
      expect(await a.s.until((m) => m.type === 'EXPIRE')).toEqual({
        type: 'EXPIRE',
        src: c.id,
        dst: a.id,
        payload: { msg: expect.stringContaining('signal_not_your_peer') },
      });
    }
    // Named only one way (a list not yet updated on the other side) is not enough either.
    await env.SIGNAL_ROOM.getByName('plaza').allow({ [c.id]: [b.id] });
    c.s.send(offer(b.id));
    expect(await c.s.until((m) => m.type === 'EXPIRE')).toMatchObject({
      src: b.id,
      payload: { msg: expect.stringMatching(/^signal: /) },
    });
    a.s.send(offer(b.id));
    expect(await b.s.until((m) => m.type === 'OFFER')).toMatchObject({ src: a.id });
    expect(b.s.seen.filter((m) => m.type === 'OFFER')).toHaveLength(1);
    expect(c.s.seen.some((m) => m.type === 'OFFER' || m.type === 'ANSWER' || m.type === 'CANDIDATE')).toBe(false);
    // Taken off each other's lists: refused again; a LEAVE still goes through (it closes a connection).
    await env.SIGNAL_ROOM.getByName('plaza').allow({ [a.id]: [], [b.id]: [] });
    a.s.send(offer(b.id));
    expect(await a.s.until((m) => m.type === 'EXPIRE')).toMatchObject({ src: b.id });
    a.s.send({ type: 'LEAVE', dst: b.id });
    expect(await b.s.until((m) => m.type === 'LEAVE')).toEqual({ type: 'LEAVE', src: a.id, dst: b.id });
    expect(a.s.seen.some((m) => m.type === 'ERROR')).toBe(false);
  });

  it('the world room names visitors standing together to the SignalRoom before it tells them, and not the one far away', async () => {
    const a = await join('plaza', [60, 60, 30]);
    const b = await join('plaza', [62, 60, 30]);
    const far = await join('plaza', [200, 30, 30]);
    for (const v of [a, b, far]) v.s.send({ type: 'p2p', on: true });
    await a.s.until((m) => m.type === 'peers' && m.peers.length > 0);
    const idA = await ownId('plaza', a.token);
    const idB = await ownId('plaza', b.token);
    const idFar = await ownId('plaza', far.token);
    const sa = await open('plaza', idA, a.token);
    const sb = await open('plaza', idB, b.token);
    const sf = await open('plaza', idFar, far.token);
    for (const s of [sa, sb, sf]) expect(await s.until(() => true)).toEqual({ type: 'OPEN' });
    sa.send(offer(idB));
    expect(await sb.until((m) => m.type === 'OFFER')).toMatchObject({ src: idA });
    sf.send(offer(idA));
    expect(await sf.until((m) => m.type === 'EXPIRE')).toMatchObject({
      payload: { msg: expect.stringContaining('signal_not_your_peer') },
    });
    // b opts out: the room takes it off a's list, and signalling between them stops.
    b.s.send({ type: 'p2p', on: false });
    await a.s.until((m) => m.type === 'peers' && m.peers.length === 0);
    sa.send(offer(idB));
    expect(await sa.until((m) => m.type === 'EXPIRE')).toMatchObject({ src: idB });
    for (const v of [a, b, far]) v.s.ws.close(1000);
  }, 15_000);

  it('the allow RPC takes only peer ids, at most 16 per visitor', async () => {
    const room = env.SIGNAL_ROOM.getByName('plaza');
    expect(await room.allow({ '../x': [] })).toEqual({ ok: false, message: expect.stringMatching(/^signal: allow takes/) });
    const many = Array.from({ length: 17 }, (_, i) => `p${i.toString(16).padStart(32, '0')}`);
    expect(await room.allow({ [`p${'1'.repeat(32)}`]: many })).toMatchObject({ ok: false });
    expect(await room.allow({ [`p${'1'.repeat(32)}`]: many.slice(0, 16) })).toEqual({ ok: true });
  });
});

describe('bad frames are refused and the room keeps serving others', () => {
  it('a forged src is refused (ERROR, 4400); the others still talk', async () => {
    const a = await visitor();
    const b = await visitor();
    const forger = await visitor();
    await named('plaza', a.id, b.id, forger.id);
    forger.s.send({ ...offer(b.id), src: a.id });
    expect(await forger.s.until((m) => m.type === 'ERROR')).toMatchObject({
      payload: { msg: 'signal: src must be your own peer id' },
    });
    expect((await forger.s.closed).code).toBe(4400);
    a.s.send(offer(b.id));
    expect(await b.s.until((m) => m.type === 'OFFER')).toMatchObject({ src: a.id });
    expect(b.s.seen.filter((m) => m.type === 'OFFER')).toHaveLength(1);
  });

  it('an oversize frame closes its socket with 1009; schema-breaking, non-JSON and binary frames with 4400', async () => {
    const b = await visitor();
    const big = await visitor();
    big.s.send(JSON.stringify(offer(b.id, { metadata: 'x'.repeat(MAX_SIGNAL_FRAME_BYTES) })));
    expect((await big.s.closed).code).toBe(1009);

    const cases: unknown[] = [
      '{not json',
      { type: 'OFFER', dst: b.id, payload: { sdp: { type: 'answer', sdp: '' }, type: 'data', connectionId: 'c' } },
      { type: 'OFFER', dst: '../../x', payload: offer(b.id).payload },
      { type: 'EXPIRE', dst: b.id },
      { type: 'CANDIDATE', dst: b.id, payload: { candidate: { candidate: 'c'.repeat(600) }, type: 'data', connectionId: 'c' } },
    ];
    for (const frame of cases) {
      const bad = await visitor();
      bad.s.send(frame);
      expect(await bad.s.until((m) => m.type === 'ERROR')).toMatchObject({
        payload: { msg: expect.stringMatching(/^signal: /) },
      });
      expect((await bad.s.closed).code).toBe(4400);
    }
    const bin = await visitor();
    bin.s.ws.send(new Uint8Array([1, 2, 3]));
    expect((await bin.s.closed).code).toBe(4400);

    const a = await visitor();
    await named('plaza', a.id, b.id);
    a.s.send(offer(b.id));
    expect(await b.s.until((m) => m.type === 'OFFER')).toMatchObject({ src: a.id });
    expect(b.s.seen.filter((m) => m.type === 'OFFER')).toHaveLength(1);
  });

  it('routes outside the protocol answer JSON errors (discovery off, no upgrade, bad world name)', async () => {
    expect((await call('/p2p/plaza/peerjs/peers')).status).toBe(403);
    expect((await call('/p2p/plaza/peerjs')).status).toBe(426);
    expect((await call('/p2p/Bad!/peerjs/id')).status).toBe(400);
    expect((await call('/p2p/plaza/nothing')).status).toBe(404);
  });
});

describe('ICE servers are configuration, handed to visitors of the world', () => {
  const ice = (token: string | null, world = 'plaza', withEnv: Env = testEnv) =>
    call(`/p2p/${world}/ice`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } }, withEnv);

  it('none by default (loopback needs none); the configured STUN and TURN servers otherwise, uncached', async () => {
    const token = await sessionToken('plaza');
    const none = await ice(token);
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ iceServers: [] });
    const list = [
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:turn.example.org:3478?transport=udp'], username: 'storm', credential: 'secret' },
    ];
    const configured = await ice(token, 'plaza', { ...testEnv, P2P_ICE_SERVERS: JSON.stringify(list) });
    expect(configured.status).toBe(200);
    expect(configured.headers.get('cache-control')).toBe('no-store');
    expect(await configured.json()).toEqual({ iceServers: list });
  });

  it('only a valid token of that world gets them (TURN credentials stay with its visitors)', async () => {
    const env = { ...testEnv, P2P_ICE_SERVERS: '[{"urls":"turn:t.example.org:3478","username":"u","credential":"c"}]' };
    expect((await ice(null, 'plaza', env)).status).toBe(401);
    const elsewhere = await tokenWith('elsewhere', PERMISSION.join);
    const other = await ice(elsewhere, 'plaza', env);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { code: 'token_wrong_world' } });
  });

  it('a configuration outside the schema is a clear 500 (p2p_ice_config) naming the variable and field', async () => {
    const token = await sessionToken('plaza');
    for (const bad of ['not json', '[{"urls":"http://x.example/"}]', '[{"urls":"turn:t.example.org:3478"}]']) {
      const res = await ice(token, 'plaza', { ...testEnv, P2P_ICE_SERVERS: bad });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('p2p_ice_config');
      expect(body.error.message).toMatch(/^edge: P2P_ICE_SERVERS/);
    }
  });
});
