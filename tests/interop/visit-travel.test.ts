/**
 * Interop: `npm run -s visit` across a real two-region OpenSim (StormTest + StormEast; .ci/run exports
 * OPENSIM_TRAVEL_LOGIN_URI) through the whole path (CLI → dev edge → GridSession → relay → simulators): the report
 * names the regions and each entity's region at its global place, a walk across the border is reported as a
 * crossing, and --teleport moves you without logging out, with its timings.
 */
import { describe, expect, it } from 'vitest';
import type { VisitEntity } from '../../web/visit/report';
import type { VisitRegion, VisitTravel } from '../../web/visit/visit';
import { FIRST, LAST, PASSWORD, useEdge } from './grid-client';
import { runVisitCli } from './visit-run';

const LOGIN = process.env.OPENSIM_TRAVEL_LOGIN_URI ?? '';
if (LOGIN === '')
  console.warn(
    'interop: OPENSIM_TRAVEL_LOGIN_URI is not set, so the visit travel suite did not run (.ci/run starts a two-region OpenSim)',
  );

interface Report {
  world: { name: string };
  regions: VisitRegion[];
  travel: VisitTravel[];
  entities: VisitEntity[];
  timings: { teleport_ms: number | null; teleport_first_prim_ms: number | null };
  self: { path: number[][]; final: number[] } | null;
}

describe.skipIf(LOGIN === '')('visit across a two-region grid (interop)', () => {
  const edge = useEdge();
  const grid = () => new URL(LOGIN).host;
  const account = (extra: string[]) => ['--first', FIRST, '--last', LAST, '--password', PASSWORD, '--edge', edge.url, ...extra];

  it("reports both regions and the neighbour's prims at their global places, walks across the border, and teleports back", async () => {
    // Near the east border, facing east (turn −90° from the default north), walk on into StormEast.
    const link = `http://localhost/#/os/${grid()}/StormTest/240/128/25`;
    const run = await runVisitCli(
      [link, ...account(['--seconds', '1', '--walk', 'turn -90, forward 12s', '--teleport', 'StormTest/128/128/25'])],
      {},
      150_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const out = run.json as unknown as Report;
    expect(out.regions.map((r) => [r.name, r.origin])).toEqual([
      ['StormTest', [0, 0]],
      ['StormEast', [256, 0]],
    ]);
    // StormEast's landmark at its global place, in StormEast.
    const obelisk = out.entities.find((e) => e.name === 'east-obelisk');
    expect(obelisk?.region).toBe('StormEast');
    expect(obelisk?.position[0]).toBeCloseTo(256 + 24, 0);
    expect(obelisk?.position[1]).toBeCloseTo(128, 0);
    expect(out.entities.filter((e) => e.kind === 'prim' && e.region === 'StormTest').length).toBe(66);
    expect(out.entities.filter((e) => e.kind === 'prim' && e.region === 'StormEast').length).toBe(13);
    // The walk crossed into StormEast, then the teleport brought you back.
    const kinds = out.travel.map((t) => t.kind);
    expect(kinds).toContain('crossed');
    expect(kinds.indexOf('teleport_finish')).toBeGreaterThan(kinds.indexOf('crossed'));
    const crossed = out.travel.find((t) => t.kind === 'crossed');
    expect(crossed?.region).toBe('StormEast');
    expect(out.world.name).toBe('StormTest');
    expect(out.timings.teleport_ms).toBeGreaterThan(0);
    expect(out.timings.teleport_first_prim_ms).toBeGreaterThan(0);
    // Your walk went past x = 256 without a jump.
    const path = out.self?.path ?? [];
    expect(Math.max(...path.map((p) => p[1] ?? 0))).toBeGreaterThan(256);
    for (let i = 1; i < path.length; i++)
      expect(
        Math.hypot((path[i]?.[1] ?? 0) - (path[i - 1]?.[1] ?? 0), (path[i]?.[2] ?? 0) - (path[i - 1]?.[2] ?? 0)),
      ).toBeLessThan(3);
    console.error(
      `interop: visit crossing ${crossed?.ms} ms; teleport ${out.timings.teleport_ms} ms, first prim ${out.timings.teleport_first_prim_ms} ms`,
    );
  }, 200_000);
});
