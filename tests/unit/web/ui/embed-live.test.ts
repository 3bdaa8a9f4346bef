import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeClientMessage } from '../../../../shared/protocol';
import { EmbedError } from '../../../../web/embed/errors';
import { createLiveApi, LIVE_LIMITS } from '../../../../web/ui/embed-live';
import type { LiveWorld } from '../../../../web/ui/live-world';
import type { WorldCommand } from '../../../../web/world/world-protocol';
import { EMPTY_WORLD_VIEW, type WorldView } from '../../../../web/world/world-snapshot';

function setup() {
  const sent: WorldCommand[] = [];
  const world: LiveWorld = {
    send: (c) => sent.push(c),
    steer: () => {},
    visit: (place) => {
      if (place.kind === 'fv') sent.push({ type: 'connect', origin: 'http://viewer.test', world: place.world, kind: 'fv' });
    },
    setP2p: () => false,
    setP2pAllowed: () => {},
    peerStats: () => null,
    dropPeer: () => false,
    sendPeerMotion: () => 0,
    stop: () => {},
  };
  const api = createLiveApi({
    world,
    show: () => {},
    login: async () => ({ ok: false, code: 'grid_unreachable', message: 'no' }),
    post: async () => Response.json({ token: 'v1.a.b', permissions: 1, expiresAt: 1 }),
  });
  const view = (name: string, connection: WorldView['connection']) =>
    api.onWorldEvent({
      type: 'view',
      view: { ...EMPTY_WORLD_VIEW, connection, world: { kind: 'fv', name, size: [256, 256], origin: [0, 0], regions: [] } },
    });
  return { api, sent, view };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e instanceof EmbedError ? e.numericCode : -999),
  );

describe('the embedded viewer’s own API methods', () => {
  afterEach(() => vi.useRealTimers());

  it('answers connectProtocol only from views of the new connection, not stale ones of the same world', async () => {
    const { api, view } = setup();
    view('plaza', { state: 'in-world' });
    let settled = false;
    const join = api.connectProtocol({ protocol: 1, url: '#/fv/plaza/10/20/30', creds: '' }).then((r) => {
      settled = true;
      return r;
    });
    view('plaza', { state: 'in-world' }); // posted before the world worker took the join
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(await codeOf(api.connectProtocol({ protocol: 1, url: 'plaza', creds: '' }))).toBe(-28);
    view('plaza', { state: 'connecting' });
    view('plaza', { state: 'in-world' });
    expect(await join).toEqual({ place: '#/fv/plaza/10/20/30' });
  });

  it('says chat, refuses the viewer’s own frames, and limits what a host has going at once', async () => {
    const { api, sent, view } = setup();
    const chat = encodeClientMessage({ type: 'chat', text: 'hi' });
    expect(await codeOf(api.sendPacket({ bytes: chat }))).toBe(-43);
    view('plaza', { state: 'in-world' });
    expect(await api.sendPacket({ bytes: chat })).toEqual({ reply: null });
    expect(sent.at(-1)).toEqual({ type: 'chat', text: 'hi' });
    expect(await codeOf(api.sendPacket({ bytes: encodeClientMessage({ type: 'ack', tick: 1 }) }))).toBe(-42);
    // A burst: past the per-second limit the frame answers Busy.
    const codes = await Promise.all(
      Array.from({ length: LIVE_LIMITS.packetsPerSecond + 5 }, () => codeOf(api.sendPacket({ bytes: chat }))),
    );
    expect(codes).toContain(-28);
  });

  it('answers an action with its action_result, a lost one with -29, and a token outside a world with -43', async () => {
    vi.useFakeTimers();
    const { api, sent, view } = setup();
    expect(await codeOf(api.generateToken({ perms: 1, expiry: 120 }))).toBe(-43);
    view('plaza', { state: 'in-world' });
    const action = encodeClientMessage({ type: 'action', id: 7, body: { op: 'journal', limit: 5 } });
    const answered = api.sendPacket({ bytes: action });
    const operate = sent.at(-1);
    expect(operate).toMatchObject({ type: 'operate', body: { op: 'journal' } });
    api.onWorldEvent({ type: 'operated', id: (operate as { id: number }).id, result: { op: 'failed', code: 'x', message: 'y' } });
    expect((await answered).reply?.[0]).toBe(0x87);
    const lost = codeOf(api.sendPacket({ bytes: action }));
    await vi.advanceTimersByTimeAsync(16_000);
    expect(await lost).toBe(-29);
    expect(await api.generateToken({ perms: 1, expiry: 120 })).toMatchObject({ token: 'v1.a.b' });
  });
});
