/**
 * Grid travel against a real two-region OpenSim (StormTest at 1000,1000 and StormEast at 1001,1000 in one process:
 * `OPENSIM_REGIONS=2 ../shared/opensim/region.sh start`; .ci/run starts it and exports OPENSIM_TRAVEL_LOGIN_URI).
 * Driven by the gateway's own GridClient and GridView (the logic inside the GridSession Durable Object) through
 * the real UDP relay in Node: neighbours shown at their place, teleports there and back, a teleport that fails,
 * walking across the border, a neighbour the relay refuses, a neighbour whose circuit dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { GridAllowlist } from '../../edge/grid/allowlist';
import { type GridClient, type GridEvent, startGridClient } from '../../edge/grid/grid-client';
import { GridView } from '../../edge/grid/grid-view';
import { mapRegionHandle, WorldMap } from '../../edge/grid/world-map';
import { parseRelayConfig } from '../../edge/relay/config';
import { createRelay, type Relay } from '../../edge/relay/relay';
import type { EntityUpdate, Quat } from '../../shared/protocol';
import { relayCircuit } from './grid-client';

const LOGIN = process.env.OPENSIM_TRAVEL_LOGIN_URI ?? '';
const FIRST = process.env.OPENSIM_FIRST ?? 'Test';
const LAST = process.env.OPENSIM_LAST ?? 'User';
const PASSWORD = process.env.OPENSIM_PASSWORD ?? 'password';

if (LOGIN === '')
  console.warn(
    'interop: OPENSIM_TRAVEL_LOGIN_URI is not set, so the grid travel suite did not run; start a two-region OpenSim (OPENSIM_REGIONS=2 ../shared/opensim/region.sh start) and export its login URI as OPENSIM_TRAVEL_LOGIN_URI, as .ci/run does',
  );

type Travel = Extract<GridEvent, { type: 'travel' }>;

interface Visit {
  client: GridClient;
  view: GridView;
  events: GridEvent[];
  sockets: Map<number, WebSocket>;
  /** Every translated update of your own avatar, with when it was taken (ms) and its global position. */
  selfTrack: { at: number; x: number; y: number; region: string }[];
  stop: () => void;
}

const travels = (v: Visit) => v.events.filter((e): e is Travel => e.type === 'travel');

async function until(pred: () => boolean, ms: number, what: string, v?: Visit): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}${v ? `; travel: ${JSON.stringify(travels(v).map((t) => [t.kind, t.region, t.message]))}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Logs in at StormTest/128/128 and follows the session as the GridSession does (a flush every 50 ms). */
async function visit(relay: Relay, at: [number, number, number] = [128, 128, 25]): Promise<Visit> {
  const events: GridEvent[] = [];
  const sockets = new Map<number, WebSocket>();
  // As the GridSession wires it: the world map finds regions by name for teleports.
  let map: WorldMap | null = null;
  const client = await startGridClient(
    { loginUri: new URL(LOGIN), first: FIRST, last: LAST, password: PASSWORD, region: 'StormTest', position: at },
    {
      fetch: globalThis.fetch,
      allow: GridAllowlist.parse(undefined),
      openCircuit: relayCircuit(() => relay, sockets),
      onEvent: (e) => events.push(e),
      drawDistance: 128,
      onPacket: (_link, p) => void map?.receive(p.message),
      lookupRegion: async (name) => {
        const found = await map?.lookup(name);
        return found ? { name: found.name, handle: mapRegionHandle(found) } : null;
      },
    },
  );
  map = new WorldMap({
    send: (m) => client.sendRoot(m),
    agent: { agentId: client.session.agentId, sessionId: client.session.sessionId },
    onAnswer: () => {},
  });
  const view = new GridView(client.root.handle, client.session.agentId);
  const v: Visit = { client, view, events, sockets, selfTrack: [], stop: () => {} };
  const timer = setInterval(() => {
    for (const link of client.shownLinks()) {
      for (const u of view.changes(link).updates) track(v, u);
      link.terrain.takeChanges();
    }
  }, 50);
  v.stop = () => {
    clearInterval(timer);
    map?.close();
  };
  await client.region;
  return v;
}

function track(v: Visit, u: EntityUpdate): void {
  if (u.id !== v.view.known(v.client.session.agentId) || u.position === undefined) return;
  const link = [...v.client.links.values()].find((l) => v.view.slotOf(l.key) === u.region);
  if (!link) return;
  const [ox, oy] = v.view.origin(link);
  v.selfTrack.push({ at: Date.now(), x: u.position[0] + ox, y: u.position[1] + oy, region: link.name });
}

async function leave(v: Visit): Promise<void> {
  v.stop();
  await v.client.logout();
}

const east = (v: Visit) => [...v.client.links.values()].find((l) => l.name === 'StormEast' && !l.closed);
const yaw = (radians: number): Quat => [0, 0, Math.sin(radians / 2), Math.cos(radians / 2)];

describe.skipIf(LOGIN === '')('grid travel on a real two-region OpenSim (interop)', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await createRelay(parseRelayConfig({ port: 0, logLevel: 'silent' }));
  });

  afterAll(async () => {
    await relay?.close();
  });

  it("shows the neighbour's prims and terrain at their global places, each object once", async () => {
    const v = await visit(relay);
    try {
      await until(() => east(v)?.handshaken === true, 15_000, 'a circuit to StormEast', v);
      const link = east(v);
      if (!link) throw new Error('no StormEast link');
      expect(v.view.origin(link)).toEqual([256, 0]);
      await until(
        () => [...link.scene.objects.values()].some((o) => o.entity.name === 'east-obelisk'),
        20_000,
        "StormEast's prims with their names",
        v,
      );
      await until(() => link.terrain.count >= 16, 10_000, "StormEast's terrain", v);
      const snapshot = v.view.snapshot(v.client.shownLinks());
      const obelisk = snapshot.find((e) => e.name === 'east-obelisk');
      expect(obelisk?.region).toBe(v.view.slotOf(link.key));
      expect(obelisk?.position[0]).toBeCloseTo(24, 0);
      expect(obelisk?.position[1]).toBeCloseTo(128, 0);
      // StormTest's own prims are in slot 0, at their own coordinates.
      expect(snapshot.filter((e) => e.kind === 'prim' && e.region === 0).length).toBeGreaterThanOrEqual(66);
      expect(new Set(snapshot.map((e) => e.id)).size).toBe(snapshot.length);
      const patches = v.view.terrain(link, link.terrain.all());
      expect(patches.length).toBe(link.terrain.count);
      expect(Math.min(...patches.map((p) => p.x))).toBeGreaterThanOrEqual(256);
      const regions = v.view.regions(v.client.shownLinks());
      expect(regions.regions.map((r) => [r.name, r.origin])).toEqual([
        ['StormTest', [0, 0]],
        ['StormEast', [256, 0]],
      ]);
      expect(travels(v).some((t) => t.kind === 'neighbour_added' && t.region === 'StormEast')).toBe(true);
    } finally {
      await leave(v);
    }
  }, 60_000);

  it('teleports to the neighbour and back without logging out, and a teleport to no region fails and leaves you where you were', async () => {
    const v = await visit(relay);
    try {
      await until(() => east(v)?.handshaken === true, 15_000, 'a circuit to StormEast', v);
      await v.client.teleport('StormEast', [40, 120, 30]);
      await until(
        () => travels(v).some((t) => t.kind === 'teleport_finish' || t.kind === 'teleport_failed'),
        30_000,
        'the teleport',
        v,
      );
      const there = travels(v).find((t) => t.kind === 'teleport_finish');
      expect(there, JSON.stringify(travels(v))).toBeDefined();
      expect(v.client.root.name).toBe('StormEast');
      expect(v.client.avatarPosition[0]).toBeCloseTo(40, -1);
      console.error(`interop: teleport StormTest -> StormEast ${there?.ms} ms`);
      const n = travels(v).length;
      await v.client.teleport('StormTest', [128, 128, 30]);
      await until(
        () =>
          travels(v)
            .slice(n)
            .some((t) => t.kind === 'teleport_finish' || t.kind === 'teleport_failed'),
        30_000,
        'the way back',
        v,
      );
      const back = travels(v)
        .slice(n)
        .find((t) => t.kind === 'teleport_finish');
      expect(back, JSON.stringify(travels(v).slice(n))).toBeDefined();
      expect(v.client.root.name).toBe('StormTest');
      console.error(`interop: teleport StormEast -> StormTest ${back?.ms} ms`);
      const m = travels(v).length;
      await v.client.teleport('NoSuchRegion', [128, 128, 30]);
      await until(
        () =>
          travels(v)
            .slice(m)
            .some((t) => t.kind === 'teleport_failed'),
        30_000,
        'the failure',
        v,
      );
      const failed = travels(v)
        .slice(m)
        .find((t) => t.kind === 'teleport_failed');
      expect(failed?.message).toMatch(/NoSuchRegion|no region|not found|does not exist/i);
      expect(v.client.root.name).toBe('StormTest');
      expect(v.client.open).toBe(true);
    } finally {
      await leave(v);
    }
  }, 120_000);

  it('walks across the border into the neighbour with no gap over 1 s in your position updates', async () => {
    const v = await visit(relay, [236, 128, 25]);
    try {
      await until(() => east(v)?.handshaken === true, 15_000, 'a circuit to StormEast', v);
      await until(() => v.client.avatarId !== 0, 10_000, 'your avatar', v);
      // Face east (+x) and walk.
      v.client.input([1, 0, 0], yaw(0), { run: false, fly: false });
      const keepWalking = setInterval(() => v.client.input([1, 0, 0], yaw(0), { run: false, fly: false }), 100);
      try {
        await until(() => travels(v).some((t) => t.kind === 'crossed'), 40_000, 'the crossing', v);
        const start = Date.now();
        await until(() => Date.now() - start > 1500, 5000, 'a little more walking');
      } finally {
        clearInterval(keepWalking);
        v.client.input([0, 0, 0], yaw(0), { run: false, fly: false });
      }
      const crossed = travels(v).find((t) => t.kind === 'crossed');
      console.error(`interop: crossing StormTest -> StormEast ${crossed?.ms} ms`);
      expect(v.client.root.name).toBe('StormEast');
      const track = v.selfTrack;
      const before = track.filter((p) => p.region === 'StormTest');
      const after = track.filter((p) => p.region === 'StormEast');
      expect(before.length).toBeGreaterThan(0);
      expect(after.length).toBeGreaterThan(0);
      const from = before.findIndex((p) => p.x > 246);
      const walk = track.slice(Math.max(0, from));
      let gap = 0;
      for (let i = 1; i < walk.length; i++) gap = Math.max(gap, (walk[i]?.at ?? 0) - (walk[i - 1]?.at ?? 0));
      console.error(`interop: largest gap between position updates across the border ${gap} ms (${walk.length} updates)`);
      expect(gap).toBeLessThan(1000);
      // The avatar is where it was, in global terms: no jump at the border.
      for (let i = 1; i < walk.length; i++) {
        const a = walk[i - 1];
        const b = walk[i];
        if (a && b) expect(Math.hypot(b.x - a.x, b.y - a.y)).toBeLessThan(6);
      }
      expect(after.at(-1)?.x ?? 0).toBeGreaterThan(256);
    } finally {
      await leave(v);
    }
  }, 90_000);

  it('drops a neighbour whose circuit dies mid-visit and keeps the region you are in', async () => {
    const v = await visit(relay);
    try {
      await until(() => east(v)?.handshaken === true, 15_000, 'a circuit to StormEast', v);
      const link = east(v);
      if (!link) throw new Error('no StormEast link');
      await until(() => link.scene.objects.size > 5, 15_000, "StormEast's objects", v);
      // Some StormEast prims are in the view now.
      for (const l of v.client.shownLinks()) v.view.changes(l);
      v.sockets.get(link.sim.port)?.terminate();
      await until(() => travels(v).some((t) => t.kind === 'neighbour_removed'), 5000, 'the neighbour dropped', v);
      expect(v.client.links.has(link.key)).toBe(false);
      expect(v.view.dropRegion(link.key).length).toBeGreaterThan(5);
      expect(v.client.open).toBe(true);
      expect(v.client.root.name).toBe('StormTest');
      v.client.say('still here');
      await new Promise((r) => setTimeout(r, 500));
      expect(v.client.open).toBe(true);
    } finally {
      await leave(v);
    }
  }, 60_000);

  it("shows why a neighbour outside the relay's allowlist is not shown, and keeps the visit", async () => {
    const port = Number(new URL(LOGIN).port);
    const narrow = await createRelay(parseRelayConfig({ port: 0, logLevel: 'silent', allow: [`127.0.0.1:${port}`] }));
    try {
      const v = await visit(narrow);
      try {
        await until(() => travels(v).some((t) => t.kind === 'neighbour_refused'), 20_000, 'the refusal', v);
        const refused = travels(v).find((t) => t.kind === 'neighbour_refused');
        expect(refused?.message).toMatch(/allowlist/);
        expect(v.client.open).toBe(true);
        expect(east(v)).toBeUndefined();
        await until(
          () => v.client.scene.entities().filter((e) => e.kind === 'prim').length >= 66,
          15_000,
          "StormTest's prims",
          v,
        );
      } finally {
        await leave(v);
      }
    } finally {
      await narrow.close();
    }
  }, 60_000);
});
