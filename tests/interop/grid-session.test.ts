/**
 * Interop: the real OpenSim region (../shared/opensim) through the whole path: Node → the dev edge (workerd)
 * → GridSession → UDP relay → simulator. Runs only when OPENSIM_LOGIN_URI is set (.ci/run exports it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIRST, heightmap, LAST, LOGIN_URI, openStorm, PASSWORD, postLogin, REGION, shapeName, useEdge } from './grid-client';

if (LOGIN_URI === '') {
  console.warn(
    'interop: OPENSIM_LOGIN_URI is not set, so the real-region suite did not run; start the region (../shared/opensim/region.sh start) and export its KEY=VALUE lines, as .ci/run does',
  );
}

/** What node-metaverse decoded from the same region (recorded fixture): objects by position. */
const expected: {
  objects: {
    rotation: number[] | null;
    parentId: number;
    localId: number;
    pcode: number;
    position: number[];
    scale: number[];
    shape: { pathCurve: number };
    defaultColor: number[] | null;
  }[];
} = JSON.parse(readFileSync(new URL('../unit/shared/lludp/fixtures/opensim-expected.json', import.meta.url), 'utf8'));

describe.skipIf(LOGIN_URI === '')('OpenSim region through GridSession (interop)', () => {
  const edge = useEdge();

  it('logs in and streams all 66 prims with their shapes, positions and colours, and the terrain', async () => {
    const t0 = performance.now();
    const login = await postLogin(edge.url, { loginUri: LOGIN_URI, first: FIRST, last: LAST, password: PASSWORD });
    const tLogin = performance.now();
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    const view = await openStorm(edge.url, String(login.json.session), String(login.json.token));
    const prims = () => [...view.entities.values()].filter((e) => e.kind === 'prim');
    await view.waitFor(() => prims().length >= 66 && view.terrain.size >= 256, 15_000, '66 prims and 256 terrain patches');
    const tAll = performance.now();
    console.error(
      `interop: welcome ${(view.at.welcome - tLogin).toFixed(0)} ms, snapshot ${(view.at.snapshot - tLogin).toFixed(0)} ms; login ${(tLogin - t0).toFixed(0)} ms, first prim ${(view.at.firstPrim - tLogin).toFixed(0)} ms and all prims ${(tAll - tLogin).toFixed(0)} ms after the login reply`,
    );
    const timings = login.json.timings as { loginMs: number; handshakeMs: number };
    const xmlRpcReply = t0 + timings.loginMs;
    console.error(
      `interop: XML-RPC login ${timings.loginMs} ms, region handshake ${timings.handshakeMs} ms; after the XML-RPC reply: first prim ${(view.at.firstPrim - xmlRpcReply).toFixed(0)} ms, all 66 prims ${(tAll - xmlRpcReply).toFixed(0)} ms`,
    );
    expect(view.at.firstPrim - xmlRpcReply).toBeLessThan(1000);
    expect(tAll - xmlRpcReply).toBeLessThan(3000);
    expect(prims()).toHaveLength(66);
    expect(view.avatar).not.toBe(0xffffffff);
    expect(view.entities.get(view.avatar)?.kind).toBe('avatar');

    // Shapes, as the region's README counts them.
    const counts: Record<string, number> = {};
    for (const e of prims()) counts[shapeName(e.shape)] = (counts[shapeName(e.shape)] ?? 0) + 1;
    expect(counts).toEqual({ box: 10, cylinder: 13, prism: 8, sphere: 11, torus: 8, tube: 8, ring: 8 });
    // Two linksets with 7 children; children positioned relative to their root.
    const children = prims().filter((e) => e.parent !== 0);
    expect(children).toHaveLength(7);
    for (const c of children) expect(view.entities.get(c.parent)?.kind).toBe('prim');

    // Every prim node-metaverse saw is here: position within 0.1 m (relative for children), scale, path, colour.
    const mine = prims();
    for (const o of expected.objects.filter((x) => x.pcode === 9)) {
      const match = mine.find(
        (e) =>
          (e.parent !== 0) === (o.parentId !== 0) &&
          Math.hypot(
            e.position[0] - (o.position[0] ?? 0),
            e.position[1] - (o.position[1] ?? 0),
            e.position[2] - (o.position[2] ?? 0),
          ) < 0.1,
      );
      expect(match, `a prim at ${o.position.join(',')}`).toBeDefined();
      if (!match) continue;
      expect(match.shape.pathCurve).toBe(o.shape.pathCurve);
      if (o.rotation) {
        const dot = match.rotation.reduce((sum, v, i) => sum + v * (o.rotation?.[i] ?? 0), 0);
        expect(Math.abs(dot), `rotation of the prim at ${o.position.join(',')}`).toBeGreaterThan(0.999);
      }
      for (let i = 0; i < 3; i++) expect(Math.abs((match.scale[i] ?? 0) - (o.scale[i] ?? 0))).toBeLessThan(0.01);
      if (o.defaultColor) {
        const c = match.colors[0] ?? [0, 0, 0, 0];
        for (let i = 0; i < 4; i++)
          expect(Math.abs((c[i] ?? 0) / 255 - (o.defaultColor[i] ?? 0))).toBeLessThanOrEqual(1 / 255 + 1e-6);
      }
    }
    // The README's layout: 56 single prims on the 8 m grid (x 100..156, y 100..116 and 132..156), the
    // welcome sign above the landing point, linkset roots at (168,124) and (88,124).
    const roots = mine.filter((e) => e.parent === 0);
    const rows = [100, 108, 116, 132, 140, 148, 156];
    const onGrid = roots.filter((e) =>
      [0, 1, 2, 3, 4, 5, 6, 7].some((i) => rows.some((y) => Math.hypot(e.position[0] - (100 + 8 * i), e.position[1] - y) < 0.1)),
    );
    expect(onGrid.length).toBe(56);
    expect(roots.some((e) => Math.hypot(e.position[0] - 128, e.position[1] - 128) < 0.5 && e.position[2] > 28)).toBe(true);
    for (const [x, y] of [
      [168, 124],
      [88, 124],
    ]) {
      expect(roots.some((e) => Math.hypot(e.position[0] - (x ?? 0), e.position[1] - (y ?? 0)) < 0.5)).toBe(true);
    }

    // Terrain: min 5.51 at (37,43), max 48.78 at (217,213), mean 23.88, landing point 24.94 (within 0.05 m).
    const h = heightmap(view.terrain, 256, 256);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (const v of h) {
      expect(Number.isNaN(v)).toBe(false);
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(Math.abs(min - 5.51)).toBeLessThan(0.05);
    expect(Math.abs(max - 48.78)).toBeLessThan(0.05);
    expect(Math.abs(sum / h.length - 23.88)).toBeLessThan(0.05);
    expect(Math.abs((h[43 * 256 + 37] ?? 0) - 5.51)).toBeLessThan(0.05);
    expect(Math.abs((h[213 * 256 + 217] ?? 0) - 48.78)).toBeLessThan(0.05);
    expect(Math.abs((h[128 * 256 + 128] ?? 0) - 24.94)).toBeLessThan(0.05);

    // Chat both ways: ChatFromViewer is echoed back as ChatFromSimulator.
    const line = `interop ${Date.now()}`;
    view.send({ type: 'chat', text: line });
    await view.waitFor(() => view.frames.some((f) => f.type === 'chat' && f.text === line), 5000, 'the chat echo');

    // Walking: input becomes AgentUpdate and the avatar moves on the simulator.
    const start = view.entities.get(view.avatar)?.position ?? [0, 0, 0];
    for (let seq = 1; seq <= 20; seq++) {
      view.send({ type: 'input', seq, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
      await new Promise((r) => setTimeout(r, 50));
    }
    await view.waitFor(
      () => {
        const p = view.entities.get(view.avatar)?.position ?? start;
        return Math.hypot(p[0] - start[0], p[1] - start[1]) > 0.5;
      },
      5000,
      'the avatar to walk',
    );
    view.send({ type: 'input', seq: 21, move: [0, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });

    view.ws.close(1000, 'done');
    await view.closed;
  }, 60_000);

  it('answers a wrong password, a non-allowlisted grid and an unknown region with their own codes, and a named region works', async () => {
    const t0 = performance.now();
    const bad = await postLogin(edge.url, { loginUri: LOGIN_URI, first: FIRST, last: LAST, password: 'wrong-password' });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ error: { code: 'grid_bad_credentials' } });
    const far = await postLogin(edge.url, { loginUri: 'http://10.1.2.3:9000/', first: FIRST, last: LAST, password: PASSWORD });
    expect(far.status).toBe(403);
    expect(far.json).toMatchObject({ error: { code: 'grid_not_allowed' } });
    console.error(`interop: refusals answered in ${(performance.now() - t0).toFixed(0)} ms`);
    const nowhere = await postLogin(edge.url, {
      loginUri: LOGIN_URI,
      first: FIRST,
      last: LAST,
      password: PASSWORD,
      region: 'Nowhere',
    });
    expect(nowhere.status).toBe(404);
    expect(nowhere.json).toMatchObject({ error: { code: 'grid_unknown_region' } });
    console.error(`interop: unknown region reported ${(performance.now() - t0).toFixed(0)} ms`);
    const here = await postLogin(edge.url, {
      loginUri: LOGIN_URI,
      first: FIRST,
      last: LAST,
      password: PASSWORD,
      region: REGION,
      // A link's x/y/z: the simulator puts the avatar there.
      position: [60, 200, 30],
    });
    expect(here.status).toBe(200);
    expect(here.json.region).toBe(REGION);
    const view = await openStorm(edge.url, String(here.json.session), String(here.json.token));
    await view.waitFor(() => view.frames.some((f) => f.type === 'welcome'), 5000, 'the welcome');
    await view.waitFor(() => view.entities.has(view.avatar), 10_000, 'your avatar');
    const me = view.entities.get(view.avatar)?.position ?? [0, 0, 0];
    expect(Math.hypot(me[0] - 60, me[1] - 200)).toBeLessThan(3);
    view.ws.close(1000, 'done');
    await view.closed;
    expect(REGION).toBe('StormTest');
  }, 60_000);
});
