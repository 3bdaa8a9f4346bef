import { describe, expect, it } from 'vitest';
import { GridAllowlist } from '../../../edge/grid/allowlist';
import { GridClient, type GridEvent } from '../../../edge/grid/grid-client';
import { encodeLlsd, type LlsdValue } from '../../../edge/grid/llsd';
import type { GridLogin } from '../../../edge/grid/login';

const session: GridLogin = {
  agentId: '6f0a3c1e-5b1d-4a8e-9c3b-2d7e8f901234',
  sessionId: '11111111-2222-4333-8444-555555555555',
  circuitCode: 42,
  simIp: '127.0.0.1',
  simPort: 9000,
  seedCapability: 'http://127.0.0.1:9000/CAPS/root/',
  regionX: 256_000,
  regionY: 256_000,
  sizeX: 256,
  sizeY: 256,
  firstName: 'Test',
  lastName: 'User',
};

const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
const EAST = [0, 3, 0xe9, 0, 0, 3, 0xe8, 0]; // (256256 << 32) | 256000, big-endian

/**
 * A client whose root event queue answers once with `events`, then never again; the circuits it opens are recorded
 * (nothing answers on them: this is about what the client asks for).
 */
async function clientWith(events: LlsdValue[]): Promise<{ opened: number[]; notes: GridEvent[]; client: GridClient }> {
  const opened: number[] = [];
  const notes: GridEvent[] = [];
  let answered = false;
  const fetcher: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url.endsWith('/CAPS/root/')) return new Response(encodeLlsd({ EventQueueGet: 'http://127.0.0.1:9000/CAPS/eq/' }));
    if (url.endsWith('/CAPS/eq/') && !answered) {
      answered = true;
      return new Response(encodeLlsd({ id: 1, events }));
    }
    // Later polls (and every other capability) wait until the client lets go.
    return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
  };
  const client = new GridClient(
    session,
    {
      fetch: fetcher,
      allow: GridAllowlist.parse(undefined),
      openCircuit: async (sim) => {
        opened.push(sim.port);
        return { send: () => {}, close: () => {} };
      },
      onEvent: (e) => notes.push(e),
    },
    0,
  );
  await client.connect();
  for (let i = 0; i < 50 && opened.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  return { opened, notes, client };
}

const enable = {
  message: 'EnableSimulator',
  body: { SimulatorInfo: [{ Handle: b64(EAST), IP: b64([127, 0, 0, 1]), Port: 9001, RegionSizeX: 256, RegionSizeY: 256 }] },
};
const establish = {
  message: 'EstablishAgentCommunication',
  body: { 'sim-ip-and-port': '127.0.0.1:9001', 'seed-capability': 'http://127.0.0.1:9000/CAPS/east/' },
};

describe('GridClient neighbours', () => {
  it('opens a child circuit to a neighbour announced as OpenSim does (EnableSimulator, then its seed)', async () => {
    const { opened, client } = await clientWith([enable, establish]);
    expect(opened).toEqual([9000, 9001]);
    expect([...client.links.values()].map((l) => [l.sim.port, l.seed])).toEqual([
      [9000, 'http://127.0.0.1:9000/CAPS/root/'],
      [9001, 'http://127.0.0.1:9000/CAPS/east/'],
    ]);
    await client.logout(0);
  });

  it('opens it as well when a grid sends the seed before EnableSimulator', async () => {
    const { opened, client } = await clientWith([establish, enable]);
    expect(opened).toEqual([9000, 9001]);
    await client.logout(0);
  });

  it('does not show a "neighbour" announced far from the region you are in, and says why', async () => {
    const far = [0, 0x10, 0, 0, 0, 3, 0xe8, 0]; // x = 1 048 576 m, 792 km east
    const { opened, notes, client } = await clientWith([
      { ...enable, body: { SimulatorInfo: [{ ...enable.body.SimulatorInfo[0], Handle: b64(far) }] } },
      establish,
    ]);
    await new Promise((r) => setTimeout(r, 50));
    expect(opened).toEqual([9000]);
    expect(notes.some((n) => n.type === 'travel' && n.kind === 'neighbour_refused' && /not next to/.test(n.message))).toBe(true);
    await client.logout(0);
  });

  it('opens nothing for a seed whose simulator is never announced, nor for an event that does not parse', async () => {
    const { opened, client } = await clientWith([
      establish,
      { message: 'EnableSimulator', body: { SimulatorInfo: [{ Handle: 'x' }] } },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    expect(opened).toEqual([9000]);
    await client.logout(0);
  });
});
