/**
 * Interop: `npm run -s visit` against the real OpenSim region (../shared/opensim) through the whole path:
 * the CLI (web/visit on the viewer's net and world code) → the dev edge (workerd) → GridSession → UDP relay →
 * simulator. Runs only when OPENSIM_LOGIN_URI is set (.ci/run exports it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VisitEntity } from '../../web/visit/report';
import { decodeHeights } from '../../web/visit/report';
import { FIRST, LAST, LOGIN_URI, PASSWORD, REGION, useEdge } from './grid-client';
import { runVisitCli } from './visit-run';

if (LOGIN_URI === '') {
  console.warn(
    'interop: OPENSIM_LOGIN_URI is not set, so the visit suite against the real region did not run; start the region (../shared/opensim/region.sh start) and export its KEY=VALUE lines, as .ci/run does',
  );
}

/** What node-metaverse decoded from the same region (recorded fixture): objects and terrain samples. */
const expected: {
  terrain: [number, number, number][];
  objects: {
    rotation: number[] | null;
    parentId: number;
    localId: number;
    pcode: number;
    position: number[];
    scale: number[];
    defaultColor: number[] | null;
  }[];
} = JSON.parse(readFileSync(new URL('../unit/shared/lludp/fixtures/opensim-expected.json', import.meta.url), 'utf8'));

type V3 = [number, number, number];
type Q = [number, number, number, number];

/** Rotates v by the unit quaternion q ([x, y, z, w]): the fixture's child offsets into region axes. */
function quatRotate(q: Q, v: V3): V3 {
  const [x, y, z, w] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [v[0] + w * tx + (y * tz - z * ty), v[1] + w * ty + (z * tx - x * tz), v[2] + w * tz + (x * ty - y * tx)];
}

/** The fixture's objects with world positions (children resolved against their root, as the viewer does). */
function expectedWorld(): { position: V3; scale: V3; color: number[] | null; child: boolean }[] {
  const byId = new Map(expected.objects.map((o) => [o.localId, o]));
  return expected.objects
    .filter((o) => o.pcode === 9)
    .map((o) => {
      const local = o.position as V3;
      const root = o.parentId !== 0 ? byId.get(o.parentId) : undefined;
      let position = local;
      if (root) {
        const offset = quatRotate((root.rotation ?? [0, 0, 0, 1]) as Q, local);
        const rp = root.position as V3;
        position = [rp[0] + offset[0], rp[1] + offset[1], rp[2] + offset[2]];
      }
      return { position, scale: o.scale as V3, color: o.defaultColor, child: o.parentId !== 0 };
    });
}

const dist = (a: readonly number[], b: readonly number[]) =>
  Math.hypot((a[0] ?? 0) - (b[0] ?? 0), (a[1] ?? 0) - (b[1] ?? 0), (a[2] ?? 0) - (b[2] ?? 0));

describe.skipIf(LOGIN_URI === '')('visit: the headless client in the real OpenSim region (interop)', () => {
  const edge = useEdge();
  const account = (extra: string[] = []) => [
    '--first',
    FIRST,
    '--last',
    LAST,
    '--password',
    PASSWORD,
    '--edge',
    edge.url,
    ...extra,
  ];

  it('lists every prim of the region with uuid, name, shape, world position (0.1 m) and colour; terrain within 0.05 m; --say comes back as chat', async () => {
    const line = `visit interop ${Date.now()}`;
    const run = await runVisitCli([LOGIN_URI, ...account(['--seconds', '2', '--say', line])]);
    expect(run.code, run.stderr).toBe(0);
    const out = run.json as {
      world: { kind: string; name: string; size: number[] };
      timings: { login_ms: number; first_entity_ms: number; settled_ms: number };
      entities: VisitEntity[];
      terrain: { size: number[]; spacing: number; min: number; max: number; mean: number; heights: string };
      chat: { from: string; text: string }[];
      errors: unknown[];
    };
    console.error(
      `interop: visit login ${out.timings.login_ms} ms, first entity ${out.timings.first_entity_ms} ms, settled ${out.timings.settled_ms} ms (from the start of the visit); whole run ${run.ms.toFixed(0)} ms`,
    );
    expect(out.world).toEqual({ kind: 'opensim', name: REGION, size: [256, 256] });
    expect(out.timings.login_ms).toBeGreaterThan(0);
    expect(out.timings.first_entity_ms).toBeGreaterThanOrEqual(out.timings.login_ms);
    expect(out.timings.settled_ms).toBeGreaterThanOrEqual(out.timings.first_entity_ms);
    expect(out.errors).toEqual([]);

    const prims = out.entities.filter((e) => e.kind === 'prim');
    expect(prims).toHaveLength(66);
    const counts: Record<string, number> = {};
    for (const e of prims) counts[e.shape] = (counts[e.shape] ?? 0) + 1;
    expect(counts).toEqual({ box: 10, cylinder: 13, prism: 8, sphere: 11, torus: 8, tube: 8, ring: 8 });
    // Every prim has the simulator's UUID and its name (children too); ids are unique.
    const uuids = new Set(prims.map((e) => e.uuid));
    expect(uuids.size).toBe(66);
    for (const e of prims) {
      expect(e.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(e.name, `the name of prim ${e.uuid}`).not.toBe('');
    }
    expect(prims.filter((e) => e.parent !== null)).toHaveLength(7);
    for (const name of ['table', 'snowman', 'table-leg-1', 'snowman-nose']) expect(prims.some((e) => e.name === name)).toBe(true);
    const me = out.entities.find((e) => e.kind === 'avatar');
    expect(me?.name).toBe(`${FIRST} ${LAST}`);

    // Every prim node-metaverse saw is here: world position within 0.1 m, scale, and face 0's colour.
    for (const o of expectedWorld()) {
      const match = prims.find((e) => (e.parent !== null) === o.child && dist(e.position, o.position) < 0.1);
      expect(match, `a prim at ${o.position.map((v) => v.toFixed(2)).join(',')}`).toBeDefined();
      if (!match) continue;
      for (let i = 0; i < 3; i++) expect(Math.abs((match.scale[i] ?? 0) - (o.scale[i] ?? 0))).toBeLessThan(0.01);
      if (o.color)
        for (let i = 0; i < 4; i++)
          expect(Math.abs((match.colour[i] ?? 0) / 255 - (o.color[i] ?? 0))).toBeLessThanOrEqual(1 / 255 + 1e-6);
    }
    // The README: linkset roots at (168,124) and (88,124); the welcome sign above the landing point.
    expect(prims.some((e) => e.name === 'table' && dist(e.position.slice(0, 2), [168, 124]) < 0.5)).toBe(true);
    expect(prims.some((e) => e.name === 'snowman' && dist(e.position.slice(0, 2), [88, 124]) < 0.5)).toBe(true);
    expect(prims.some((e) => dist(e.position.slice(0, 2), [128, 128]) < 0.5 && e.position[2] > 28)).toBe(true);

    // Terrain: the README's facts and every sample node-metaverse recorded, within 0.05 m.
    expect(out.terrain.size).toEqual([256, 256]);
    expect(out.terrain.spacing).toBe(1);
    expect(Math.abs(out.terrain.min - 5.51)).toBeLessThan(0.05);
    expect(Math.abs(out.terrain.max - 48.78)).toBeLessThan(0.05);
    expect(Math.abs(out.terrain.mean - 23.88)).toBeLessThan(0.05);
    const h = decodeHeights(out.terrain.heights);
    expect(h).toHaveLength(256 * 256);
    expect(Math.abs((h[43 * 256 + 37] ?? 0) - 5.51)).toBeLessThan(0.05);
    expect(Math.abs((h[213 * 256 + 217] ?? 0) - 48.78)).toBeLessThan(0.05);
    expect(Math.abs((h[128 * 256 + 128] ?? 0) - 24.94)).toBeLessThan(0.05);
    for (const [x, y, height] of expected.terrain) expect(Math.abs((h[y * 256 + x] ?? 0) - height)).toBeLessThan(0.05);

    // --say: ChatFromViewer came back as ChatFromSimulator.
    expect(out.chat).toContainEqual({ from: `${FIRST} ${LAST}`, text: line });
  }, 120_000);

  it("walking into one of the region's prims stops at it, in the prediction and on the simulator", async () => {
    // Find a free-standing, unrotated box or cylinder of the test grid with nothing else in the 6 m north of it.
    const listed = await runVisitCli([LOGIN_URI, ...account(['--seconds', '0'])]);
    expect(listed.code, listed.stderr).toBe(0);
    const prims = (listed.json as { entities: VisitEntity[] }).entities.filter((e) => e.kind === 'prim');
    const wall = prims.find(
      (p) =>
        p.parent === null &&
        (p.shape === 'box' || p.shape === 'cylinder') &&
        // A plain one: a tapered, sheared or twisted prim's faces slant (the content names each prim by its shape).
        !/taper|shear|twist/.test(p.name) &&
        Math.abs(p.rotation[3]) > 0.999 &&
        p.scale[0] >= 1 &&
        p.scale[1] >= 1 &&
        p.scale[2] >= 1 &&
        !prims.some(
          (o) =>
            o !== p &&
            Math.abs(o.position[0] - p.position[0]) < 3 &&
            o.position[1] > p.position[1] &&
            o.position[1] - p.position[1] < 7,
        ),
    );
    if (!wall) throw new Error('interop: the region has no free-standing box or cylinder to walk into');
    const face = wall.position[1] + wall.scale[1] / 2;
    // Start 4 m north of its north face, on the ground (the simulator puts you there), turn south, walk 4 s.
    const [x, , z] = wall.position;
    const link = `/#/os/${new URL(LOGIN_URI).host}/${REGION}/${x.toFixed(1)}/${(face + 4).toFixed(1)}/${z.toFixed(1)}`;
    const run = await runVisitCli([link, ...account(['--seconds', '0', '--walk', 'turn 180, forward 4s'])]);
    expect(run.code, run.stderr).toBe(0);
    const self = (run.json as { self: { path: number[][]; final: number[]; predicted: boolean; authority: number[] } }).self;
    expect(self.predicted).toBe(true);
    const start = self.path[0]?.[2] ?? 0;
    const nearest = Math.min(...self.path.map((p) => p[2] ?? 0));
    console.error(
      `interop: walked south from y ${start} toward the ${wall.shape} "${wall.name}" whose face is at y ${face.toFixed(2)}; nearest ${nearest}, simulator ${self.authority[1]}`,
    );
    // It walked up to the prim (a capsule of 0.3 m radius stops that far off) and not into or through it.
    expect(start - nearest).toBeGreaterThan(2);
    expect(nearest).toBeGreaterThan(face + 0.2);
    expect(self.authority[1] ?? 0).toBeGreaterThan(face + 0.2);
    expect(Math.abs((self.final[1] ?? 0) - (self.authority[1] ?? 0))).toBeLessThan(0.25);
  }, 180_000);

  it('takes every link form: hop:// with the region, /#/os/, and secondlife:// with --grid', async () => {
    const grid = new URL(LOGIN_URI).host;
    for (const target of [
      `hop://${grid}/${REGION}/128/128/25`,
      `${edge.url}/#/os/${grid}/${REGION}`,
      `secondlife://${REGION}/128/128`,
    ]) {
      const run = await runVisitCli([target, ...account(['--seconds', '0', '--grid', LOGIN_URI, '--draw-distance', '128'])]);
      expect(run.code, `${target}: ${run.stderr}`).toBe(0);
      const out = run.json as { world: { name: string }; entities: VisitEntity[] };
      expect(out.world.name).toBe(REGION);
      expect(out.entities.filter((e) => e.kind === 'prim')).toHaveLength(66);
    }
  }, 120_000);

  it('exits with its own code for a wrong password, a non-allowlisted grid, an unknown region, an unreachable grid and bad usage', async () => {
    const cases: { args: string[]; code: number; error: string }[] = [
      { args: [LOGIN_URI, ...account(['--password', 'wrong-password'])], code: 3, error: 'grid_bad_credentials' },
      { args: ['http://10.1.2.3:9000/', ...account()], code: 7, error: 'grid_not_allowed' },
      { args: [`hop://${new URL(LOGIN_URI).host}/Nowhere`, ...account()], code: 4, error: 'grid_unknown_region' },
      { args: ['http://127.0.0.1:9999/', ...account()], code: 5, error: 'grid_unreachable' },
      { args: ['not a link', ...account()], code: 2, error: 'visit_usage' },
    ];
    for (const c of cases) {
      const run = await runVisitCli(c.args);
      expect(run.json, c.error).toMatchObject({ error: { code: c.error } });
      expect(run.code, c.error).toBe(c.code);
    }
  }, 120_000);
});
