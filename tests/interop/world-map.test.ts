/**
 * Interop: the gateway's WorldMap against the real OpenSim region(s), over a real LLUDP circuit: the gateway's own
 * GridClient logs in through the Node UDP relay, and every datagram the simulator sends is also decoded here and fed
 * to WorldMap.receive (what the grid session does in the Durable Object). The map tile named by MapBlockReply is
 * fetched through the region's texture capability, as the asset route does. Runs only when OPENSIM_LOGIN_URI is
 * set; the StormEast expectations only with OPENSIM_REGIONS=2 (region.sh's two-region mode).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridAllowlist } from '../../edge/grid/allowlist';
import { assetCapability, assetUrl, fetchAsset } from '../../edge/grid/assets';
import { type GridClient, startGridClient } from '../../edge/grid/grid-client';
import { MAP_TIMEOUT_MS, type MapAnswer, mapRegionHandle, WorldMap } from '../../edge/grid/world-map';
import { parseRelayConfig } from '../../edge/relay/config';
import { createRelay, type Relay } from '../../edge/relay/relay';
import type { MapRequest } from '../../shared/protocol';
import { decodeJ2k } from '../../web/assets/j2k';
import { FIRST, LAST, LOGIN_URI, PASSWORD, relayCircuit } from './grid-client';

const TWO_REGIONS = (process.env.OPENSIM_REGIONS ?? '').includes('StormEast');
const NIL = '00000000-0000-0000-0000-000000000000';

let relay: Relay;
let client: GridClient;
let map: WorldMap;
const answers: MapAnswer[] = [];

async function answerTo(request: MapRequest, ms = MAP_TIMEOUT_MS + 1000): Promise<MapAnswer> {
  const end = Date.now() + ms;
  for (;;) {
    const a = answers.find((x) => x.request === request);
    if (a) return a;
    if (Date.now() > end) throw new Error(`interop: no map answer for ${JSON.stringify(request)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(LOGIN_URI === '')('WorldMap against the real OpenSim grid (interop)', () => {
  beforeAll(async () => {
    relay = await createRelay(parseRelayConfig({ port: 0, logLevel: 'silent' }));
    client = await startGridClient(
      { loginUri: new URL(LOGIN_URI), first: FIRST, last: LAST, password: PASSWORD, region: '' },
      {
        fetch: globalThis.fetch,
        allow: GridAllowlist.parse(undefined),
        openCircuit: relayCircuit(() => relay),
        onEvent: () => {},
        // As the grid session wires it: MapBlockReply goes to the world map.
        onPacket: (_link, p) => void map?.receive(p.message),
      },
    );
    await client.region;
    map = new WorldMap({
      send: (m) => client.circuit.send(m, true),
      agent: { agentId: client.session.agentId, sessionId: client.session.sessionId },
      onAnswer: (a) => answers.push(a),
    });
  }, 60_000);

  afterAll(async () => {
    map?.close();
    await client?.logout();
    await relay?.close();
  });

  it('answers the rectangle around StormTest with its regions, their map tiles and no placeholders', async () => {
    const request: MapRequest = { type: 'map_request', min: [998, 998], max: [1003, 1002], name: '' };
    const asked = Date.now();
    map.request(request);
    const { regions } = await answerTo(request);
    // Answered by the settle delay after the blocks, well before the timeout.
    expect(Date.now() - asked).toBeLessThan(MAP_TIMEOUT_MS);
    const names = regions.map((r) => r.name).sort();
    expect(names).toEqual(TWO_REGIONS ? ['StormEast', 'StormTest'] : ['StormTest']);
    const home = regions.find((r) => r.name === 'StormTest');
    expect(home).toMatchObject({ x: 1000, y: 1000, size: [256, 256], access: 13 });
    expect(home?.image).not.toBe(NIL);
    if (TWO_REGIONS) expect(regions.find((r) => r.name === 'StormEast')).toMatchObject({ x: 1001, y: 1000 });
  }, 15_000);

  it("serves the region's map tile as a J2K texture through the texture capability", async () => {
    const home = map.regionAt(1000, 1000);
    expect(home).toBeDefined();
    const end = Date.now() + 10_000;
    while (!assetCapability('texture', client.assetCaps) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const cap = assetCapability('texture', client.assetCaps);
    expect(cap).not.toBeNull();
    const id = home?.image ?? NIL;
    const bytes = await fetchAsset(globalThis.fetch, assetUrl(String(cap), 'texture', id), 'texture', id);
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
    expect(bytes.length).toBeGreaterThan(1000);
    // The viewer's decoder (what the map's tiles go through) reads it: a 256 px tile, not blank.
    const image = await decodeJ2k(bytes, { maxDimension: 256 });
    expect([image.width, image.height]).toEqual([256, 256]);
    const values = new Set<number>();
    for (let i = 0; i < image.rgba.length; i += 4 * 97) values.add(image.rgba[i] ?? 0);
    expect(values.size).toBeGreaterThan(4);
  }, 15_000);

  it('answers a single empty tile at the grid placeholder, without waiting for the timeout', async () => {
    const request: MapRequest = { type: 'map_request', min: [990, 990], max: [990, 990], name: '' };
    const asked = Date.now();
    map.request(request);
    expect((await answerTo(request)).regions).toEqual([]);
    expect(Date.now() - asked).toBeLessThan(MAP_TIMEOUT_MS);
  }, 15_000);

  it('looks a region up by its whole name, case-insensitively, for teleport by name', async () => {
    const r = await map.lookup('stormtest');
    expect(r?.name).toBe('StormTest');
    expect(r && mapRegionHandle(r)).toBe(1099511628032000n);
    if (TWO_REGIONS) expect((await map.lookup('STORMEAST'))?.x).toBe(1001);
  }, 15_000);

  it('resolves null for a partial or unknown name as soon as the search ends', async () => {
    const asked = Date.now();
    expect(await map.lookup('Storm')).toBeNull();
    expect(await map.lookup('Nowhere Land')).toBeNull();
    expect(Date.now() - asked).toBeLessThan(MAP_TIMEOUT_MS);
  }, 15_000);

  it('answers a name search on the socket with every region whose name contains it', async () => {
    const request: MapRequest = { type: 'map_request', min: [0, 0], max: [0, 0], name: 'storm' };
    map.request(request);
    const names = (await answerTo(request)).regions.map((r) => r.name).sort();
    expect(names).toEqual(TWO_REGIONS ? ['StormEast', 'StormTest'] : ['StormTest']);
  }, 15_000);
});
