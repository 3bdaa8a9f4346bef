/**
 * `npm run -s visit` in the Finalverse demo world "plaza" (served by the dev edge's WorldRoom; no OpenSim
 * region needed): the same client lists the world's prims, with uuid null (Finalverse entities have none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisitEntity } from '../../web/visit/report';
import { decodeHeights } from '../../web/visit/report';
import { type RunningServer, startDevServer } from '../support/dev-server';
import { runVisitCli } from './visit-run';

describe('visit: the headless client in the Finalverse world "plaza"', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startDevServer();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('lists plaza prims with shapes, positions and colours, uuid null, and its terrain', async () => {
    const run = await runVisitCli([`${server.url}/#/fv/plaza`, '--edge', server.url, '--seconds', '1', '--say', 'hello plaza']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.json as {
      world: { kind: string; name: string; size: number[] };
      timings: { login_ms: number; first_entity_ms: number; settled_ms: number };
      entities: VisitEntity[];
      terrain: { size: number[]; spacing: number; min: number; max: number; heights: string };
      chat: { from: string; text: string }[];
    };
    expect(out.world).toEqual({ kind: 'finalverse', name: 'plaza', size: [256, 256] });
    const prims = out.entities.filter((e) => e.kind === 'prim');
    expect(prims.length).toBeGreaterThan(20);
    for (const e of out.entities) expect(e.uuid).toBeNull();
    const paving = prims.find((e) => e.name === 'Plaza paving');
    expect(paving?.shape).toBe('box');
    expect(paving?.colour).toEqual([196, 186, 170, 255]);
    expect(Math.hypot((paving?.position[0] ?? 0) - 128, (paving?.position[1] ?? 0) - 128)).toBeLessThan(0.1);
    expect(new Set(prims.map((e) => e.shape)).size).toBeGreaterThan(1);
    expect(out.entities.filter((e) => e.kind === 'avatar')).toHaveLength(1);
    expect(out.timings.settled_ms).toBeGreaterThanOrEqual(out.timings.first_entity_ms);
    expect(out.terrain.spacing).toBe(4);
    expect(decodeHeights(out.terrain.heights)).toHaveLength((out.terrain.size[0] ?? 0) * (out.terrain.size[1] ?? 0));
    expect(out.terrain.max).toBeGreaterThan(out.terrain.min);
    expect(out.chat.some((c) => c.text === 'hello plaza')).toBe(true);
  }, 120_000);

  it('exits 4 with world_not_found for a world that does not exist', async () => {
    const run = await runVisitCli([`/#/fv/no-such-world`, '--edge', server.url]);
    expect(run.json).toMatchObject({ error: { code: 'world_not_found' } });
    expect(run.code).toBe(4);
  }, 60_000);
});
