/**
 * Fault injection without a real region: the fake simulator (tests/support/fake-sim.ts) and the real UDP relay
 * (edge/relay) in Node, driven by the gateway's own GridClient (the logic inside the GridSession Durable Object)
 * over a `ws` circuit. Packet loss must be recovered by resends and acks both ways; a bad datagram is counted and
 * ignored with the session alive. Runs always (no OPENSIM_LOGIN_URI needed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridAllowlist } from '../../edge/grid/allowlist';
import { type GridClient, type GridEvent, startGridClient } from '../../edge/grid/grid-client';
import { parseRelayConfig } from '../../edge/relay/config';
import { createRelay, type Relay } from '../../edge/relay/relay';
import { type FakeSim, startFakeSim } from '../support/fake-sim';
import { relayCircuit } from './grid-client';

let relay: Relay;
let sim: FakeSim;

const wsCircuit = relayCircuit(() => relay);

async function visit(first: string, password = 'password') {
  const events: GridEvent[] = [];
  const client = await startGridClient(
    { loginUri: new URL(sim.loginUri), first, last: 'User', password, region: '' },
    { fetch: globalThis.fetch, allow: GridAllowlist.parse(undefined), openCircuit: wsCircuit, onEvent: (e) => events.push(e) },
  );
  return { client, events };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const prims = (c: GridClient) => c.scene.entities().filter((e) => e.kind === 'prim');
const settled = (c: GridClient) => prims(c).length === 66 && c.terrain.count === 256 && c.avatarId !== 0;

beforeAll(async () => {
  relay = await createRelay(parseRelayConfig({ port: 0, logLevel: 'silent' }));
  sim = await startFakeSim();
});

afterAll(async () => {
  await sim?.close();
  await relay?.close();
});

describe('GridClient against the fake simulator through the relay', () => {
  it('does the handshake in order, polls the event queue again after 404 and 502, and builds the whole scene', async () => {
    const { client, events } = await visit('Clean');
    await until(() => settled(client), 10_000, 'the scene');
    const stats = sim.circuits.at(-1);
    expect(stats?.scenario).toBe('clean');
    const sent = stats?.received ?? [];
    expect(sent.slice(0, 3)).toEqual(['UseCircuitCode', 'CompleteAgentMovement', 'RegionHandshakeReply']);
    expect(sent).toContain('AgentThrottle');
    expect(sent).toContain('AgentUpdate');
    expect(stats?.seedPosts).toBe(1);
    await until(() => (stats?.eventQueue.polls ?? 0) >= 3, 5000, 'event queue polls');
    expect(stats?.eventQueue.statuses.slice(0, 2)).toEqual([404, 502]);
    expect(events).toContainEqual({ type: 'region', name: client.regionName });
    // Linkset children wait for their root and keep relative positions.
    expect(prims(client).filter((e) => e.parent !== 0)).toHaveLength(7);
    expect(client.circuit.stats.badDatagrams).toBe(0);
    await until(() => (stats?.unacked ?? 1) === 0, 3000, 'every reliable packet acked');

    // KillObject → despawn.
    const victim = prims(client).find((e) => e.parent === 0)?.id ?? 0;
    client.scene.takeChanges();
    sim.kill([victim]);
    await until(() => !client.scene.objects.has(victim), 3000, 'the kill');
    expect(client.scene.takeChanges().despawned).toEqual([victim]);

    // Chat both ways.
    client.say('hello fake');
    await until(() => events.some((e) => e.type === 'chat' && e.text === 'hello fake'), 3000, 'the chat echo');

    await client.logout();
    expect(stats?.loggedOut).toBe(true);
    expect(client.open).toBe(false);
  }, 20_000);

  it('recovers dropped datagrams both ways: resent and acked, nothing lost', async () => {
    const { client } = await visit('Lossy');
    await until(() => settled(client), 15_000, 'the scene over a lossy circuit');
    const stats = sim.circuits.at(-1);
    expect(stats?.scenario).toBe('Lossy');
    // Our UseCircuitCode was dropped once: we resent it.
    expect(client.circuit.stats.resent).toBeGreaterThanOrEqual(1);
    // The simulator dropped every 3rd reliable packet's first copy; each came again and we acked it.
    await until(() => (stats?.unacked ?? 1) === 0, 5000, 'every reliable packet acked');
    expect(stats?.dropped).toBeGreaterThan(10);
    expect(stats?.recovered).toBe(stats?.dropped);
    expect(client.circuit.stats.lost).toBe(0);
    await client.logout();
  }, 25_000);

  it('counts and ignores a datagram that is not LLUDP, and the session stays alive', async () => {
    const { client, events } = await visit('Garbage');
    await until(() => settled(client), 10_000, 'the scene despite garbage');
    const stats = sim.circuits.at(-1);
    expect(stats?.badSent).toBe(2);
    expect(client.circuit.stats.badDatagrams).toBe(2);
    client.say('still here');
    await until(() => events.some((e) => e.type === 'chat' && e.text === 'still here'), 3000, 'chat after garbage');
    expect(events.some((e) => e.type === 'failed')).toBe(false);
    await client.logout();
  }, 20_000);

  it('maps a wrong password to grid_bad_credentials and a dead login server to grid_unreachable', async () => {
    await expect(visit('Clean', 'nope')).rejects.toMatchObject({ code: 'grid_bad_credentials' });
    const dead = startGridClient(
      { loginUri: new URL('http://127.0.0.1:9/'), first: 'A', last: 'B', password: 'x', region: '' },
      { fetch: globalThis.fetch, allow: GridAllowlist.parse('127.0.0.1:1-65535'), openCircuit: wsCircuit, onEvent: () => {} },
    );
    await expect(dead).rejects.toMatchObject({ code: 'grid_unreachable' });
  });
});
