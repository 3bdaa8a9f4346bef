import { describe, expect, it } from 'vitest';
import {
  type ClientMessage,
  decodeClientMessage,
  type Entity,
  encodeServerMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../../../shared/protocol';
import { createBackoff } from '../../../../web/net/backoff';
import { NetError } from '../../../../web/net/errors';
import { createStormConnection, type SocketLike } from '../../../../web/net/storm-connection';
import { TEST_BOUNDS, testEntity, testWelcome } from '../../../support/entities';

class FakeSocket implements SocketLike {
  sent: ClientMessage[] = [];
  closedWith: number | null = null;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: Uint8Array) {
    this.sent.push(decodeClientMessage(data));
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  push(msg: ServerMessage) {
    const bytes = encodeServerMessage(msg, TEST_BOUNDS);
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  drop(code = 1006) {
    this.onclose?.({ code, reason: '' });
  }
}

const prim = (id: number, kind: Entity['kind'] = 'prim'): Entity => testEntity(id, { kind });

function harness(getToken: (world: string) => Promise<string> = async () => 'tok', at?: [number, number, number]) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const states: string[] = [];
  const messages: ServerMessage[] = [];
  let tokenCalls = 0;
  const conn = createStormConnection({
    origin: 'http://viewer.test',
    world: 'plaza',
    getToken: (w) => {
      tokenCalls++;
      return getToken(w);
    },
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    backoff: createBackoff({ baseMs: 100, random: () => 0 }),
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    now: () => 0,
    onState: (s) => states.push(s),
    onMessage: (m) => messages.push(m),
    // Where the world App says your avatar stands now.
    resumeAt: () => [10, 10, 20],
    ...(at ? { at } : {}),
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { conn, sockets, timers, states, messages, flush, tokenCalls: () => tokenCalls };
}

const welcome = (resumed: boolean, tick = 1): ServerMessage => testWelcome(100, { session: 'sess-1', tick, resumed });

/** The hello a fresh visit to plaza sends with token "tok" (no session to resume, no start place). */
const freshHello = { type: 'hello', version: PROTOCOL_VERSION, token: 'tok', world: 'plaza', resumeId: '', baseline: 0 };

describe('storm connection', () => {
  it('connects with the token, acknowledges the snapshot, and reconnects with resume after a drop', async () => {
    const h = harness();
    await h.flush();
    const first = h.sockets[0];
    if (!first) throw new Error('no socket');
    // The handshake is the first frame, not the URL.
    expect(first.url).toBe('ws://viewer.test/ws/world/plaza');
    first.onopen?.({});
    expect(first.sent[0]).toEqual(freshHello);
    first.push(welcome(false));
    first.push({ type: 'snapshot', tick: 7, part: 0, parts: 1, entities: [prim(1), prim(100, 'avatar'), prim(101, 'avatar')] });
    expect(h.conn.state).toBe('open');
    expect(first.sent).toContainEqual({ type: 'ack', tick: 7 });

    first.drop();
    expect(h.conn.state).toBe('reconnecting');
    expect(h.timers[0]?.ms).toBe(50);
    h.timers[0]?.fn();
    await h.flush();
    const second = h.sockets[1];
    if (!second) throw new Error('no second socket');
    // With where you stood, in case the room can no longer resume the session.
    expect(second.url).toBe('ws://viewer.test/ws/world/plaza');
    second.onopen?.({});
    expect(second.sent[0]).toEqual({ ...freshHello, resumeId: 'sess-1', baseline: 7, at: [10, 10, 20] });
    second.push(welcome(true, 9));
    second.push({ type: 'delta', baseline: 7, tick: 9, entities: [{ id: 1, name: 'changed while away' }] });
    // Every frame reaches the owner in order; the delta's tick is the new baseline.
    expect(h.messages.map((m) => m.type)).toEqual(['welcome', 'snapshot', 'welcome', 'delta']);
    expect(h.conn.tick).toBe(9);
    expect(h.tokenCalls()).toBe(1);
  });

  it("starts a fresh visit where the link points, and resumes where the visitor was, not at the link's place", async () => {
    const h = harness(async () => 'tok', [100, 90.5, 25]);
    await h.flush();
    const first = h.sockets[0];
    if (!first) throw new Error('no socket');
    first.onopen?.({});
    expect(first.sent[0]).toEqual({ ...freshHello, at: [100, 90.5, 25] });
    first.push(welcome(false));
    first.push({ type: 'snapshot', tick: 7, part: 0, parts: 1, entities: [prim(100, 'avatar')] });
    first.drop();
    h.timers[0]?.fn();
    await h.flush();
    h.sockets[1]?.onopen?.({});
    expect(h.sockets[1]?.sent[0]).toEqual({ ...freshHello, resumeId: 'sess-1', baseline: 7, at: [10, 10, 20] });
  });

  it('fetches a new token when a socket closes before any welcome, backing off each time', async () => {
    const h = harness();
    await h.flush();
    h.sockets[0]?.drop(1006);
    h.timers[0]?.fn();
    await h.flush();
    h.sockets[1]?.drop(1006);
    expect(h.timers.map((t) => t.ms)).toEqual([50, 100]);
    expect(h.tokenCalls()).toBe(2);
  });

  it('stops when the room refuses the hello for good (forbidden), but retries an expired token', async () => {
    const h = harness();
    await h.flush();
    h.sockets[0]?.drop(4401);
    expect(h.conn.state).toBe('reconnecting');
    h.timers[0]?.fn();
    await h.flush();
    h.sockets[1]?.drop(4403);
    expect(h.conn.state).toBe('closed');
    expect(h.timers).toHaveLength(1);
  });

  it('stops on a fatal token error (no such world)', async () => {
    const h = harness(async () => {
      throw new NetError('net_world_not_found', 'there is no world "plaza"', true);
    });
    await h.flush();
    expect(h.conn.state).toBe('closed');
    expect(h.timers).toHaveLength(0);
  });

  it('pairs operations with their results and rejects them when the socket drops', async () => {
    const h = harness();
    await h.flush();
    const s = h.sockets[0];
    if (!s) throw new Error('no socket');
    s.push(welcome(false));
    const done = h.conn.operate({ op: 'journal' });
    const sent = s.sent.find((m) => m.type === 'action');
    expect(sent).toMatchObject({ type: 'action', body: { op: 'journal' } });
    s.push({ type: 'action_result', id: sent?.type === 'action' ? sent.id : 0, result: { op: 'journal', entries: [] } });
    expect(await done).toEqual({ op: 'journal', entries: [] });
    const lost = h.conn.operate({ op: 'journal' });
    s.drop();
    await expect(lost).rejects.toMatchObject({ code: 'net_disconnected' });
  });

  it('rejects operations in flight when the viewer closes the connection (a replaced connection too)', async () => {
    const h = harness();
    await h.flush();
    h.sockets[0]?.push(welcome(false));
    const pending = h.conn.operate({ op: 'journal' });
    h.conn.close();
    await expect(pending).rejects.toMatchObject({ code: 'net_closed' });
  });

  it('close() ends the connection and schedules no reconnect', async () => {
    const h = harness();
    await h.flush();
    h.sockets[0]?.push(welcome(false));
    h.conn.close();
    expect(h.sockets[0]?.closedWith).toBe(1000);
    expect(h.conn.state).toBe('closed');
    expect(h.timers).toHaveLength(0);
  });

  it('sends input with increasing sequence numbers', async () => {
    const h = harness();
    await h.flush();
    h.sockets[0]?.push(welcome(false));
    h.conn.sendInput([1, 0, 0], [0, 0, 0, 1], 0);
    h.conn.sendInput([0, 1, 0], [0, 0, 0, 1], 1);
    const seqs = h.sockets[0]?.sent.flatMap((m) => (m.type === 'input' ? [m.seq] : []));
    expect(seqs).toEqual([1, 2]);
  });
});
