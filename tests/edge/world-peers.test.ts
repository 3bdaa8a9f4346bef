/** The WorldRoom tells opted-in visitors which nearby opted-in visitors they may connect to peer-to-peer. */
import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/protocol';
import { call, join, type TestSocket } from './support';

async function peerIdOf(token: string): Promise<string> {
  const res = await call('/p2p/plaza/peerjs/id', { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

type PeersFrame = Extract<ServerMessage, { type: 'peers' }>;
const peers = (s: TestSocket, pred: (m: PeersFrame) => boolean = () => true, timeoutMs = 3000) =>
  s.until((m) => m.type === 'peers' && pred(m), timeoutMs) as Promise<PeersFrame>;

describe('world room: peer-to-peer neighbours', () => {
  it("tells opted-in visitors standing together each other's avatar and bound peer id, and nobody else", async () => {
    const a = await join('plaza', [100, 100, 30]);
    const b = await join('plaza', [103, 100, 30]);
    const shy = await join('plaza', [101, 101, 30]);
    const far = await join('plaza', [20, 20, 30]);
    const idA = await peerIdOf(a.token);
    const idB = await peerIdOf(b.token);
    a.s.send({ type: 'p2p', on: true });
    far.s.send({ type: 'p2p', on: true });
    // Alone among the opted-in: a hears its own id and no peers.
    expect(await peers(a.s)).toEqual({ type: 'peers', self: idA, peers: [] });
    b.s.send({ type: 'p2p', on: true });
    expect(await peers(a.s, (m) => m.peers.length > 0)).toEqual({
      type: 'peers',
      self: idA,
      peers: [{ entity: b.welcome.avatar, peer: idB }],
    });
    expect(await peers(b.s)).toEqual({ type: 'peers', self: idB, peers: [{ entity: a.welcome.avatar, peer: idA }] });
    // The one who did not opt in never hears of peers, and the far one hears of nobody.
    await expect(peers(shy.s, () => true, 500)).rejects.toThrow(/timed out/);
    const farFrames: PeersFrame[] = [];
    for (;;) {
      try {
        farFrames.push(await peers(far.s, () => true, 300));
      } catch {
        break;
      }
    }
    expect(farFrames.every((m) => m.peers.length === 0)).toBe(true);

    // Opting out: b hears an empty list, a loses b.
    b.s.send({ type: 'p2p', on: false });
    expect(await peers(b.s)).toEqual({ type: 'peers', self: '', peers: [] });
    expect(await peers(a.s)).toEqual({ type: 'peers', self: idA, peers: [] });
    for (const v of [a, b, shy, far]) v.s.ws.close(1000);
  }, 15_000);

  it("a peer that leaves the world is taken off the others' lists", async () => {
    const a = await join('plaza', [150, 150, 30]);
    const b = await join('plaza', [151, 150, 30]);
    a.s.send({ type: 'p2p', on: true });
    b.s.send({ type: 'p2p', on: true });
    await peers(a.s, (m) => m.peers.length === 1);
    b.s.ws.close(1000);
    expect((await peers(a.s, (m) => m.peers.length === 0)).peers).toEqual([]);
    a.s.ws.close(1000);
  });
});
