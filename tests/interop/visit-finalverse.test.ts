/**
 * `npm run -s visit` in the Finalverse demo world "plaza" (served by the dev edge's WorldRoom; no OpenSim
 * region needed): the same client lists the world's prims, with uuid null (Finalverse entities have none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisitAsset } from '../../web/visit/assets';
import type { VisitEntity } from '../../web/visit/report';
import { decodeHeights } from '../../web/visit/report';
import { type RunningServer, startDevServer } from '../support/dev-server';
import { creatorToken, house, stormClient, uploadModel } from '../support/model-placer';
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

  it('reports a placed glTF model as a prim of shape "model" with its hash and size, and with --assets what it decodes to', async () => {
    const token = await creatorToken();
    const model = await uploadModel(server.url, token, house);
    const builder = await stormClient(server.url, token);
    const plan = await builder.operate(1, {
      op: 'prepare',
      actions: [{ tool: 'create_model', model: model.hash, position: [140, 140, 30], name: 'Visit house' }],
    });
    if (plan.op !== 'prepare') throw new Error(`prepare failed: ${JSON.stringify(plan)}`);
    expect(await builder.operate(2, { op: 'commit', planId: plan.planId })).toMatchObject({ op: 'commit' });
    builder.ws.close();
    const run = await runVisitCli([`${server.url}/#/fv/plaza`, '--edge', server.url, '--seconds', '1', '--assets']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.json as { entities: VisitEntity[]; assets: Record<string, VisitAsset> };
    const placed = out.entities.find((e) => e.name === 'Visit house');
    expect(placed).toMatchObject({ kind: 'prim', shape: 'model', model: model.hash });
    for (let k = 0; k < 3; k++) expect(placed?.scale[k]).toBeCloseTo(model.size[k] ?? 0, 3);
    // Fetched from the edge's model route and decoded by the viewer's decoder: the counts the upload was answered with.
    expect(out.assets[model.hash]).toMatchObject({
      kind: 'model',
      bytes: house.byteLength,
      sha256: model.hash,
      vertices: model.vertices,
      triangles: model.triangles,
      textures: 0,
      images: [],
      error: null,
    });
  }, 120_000);

  it('walks a --walk script with the viewer physics: stops at a bench, turns, jumps, and ends where the room says', async () => {
    const run = await runVisitCli([
      `${server.url}/#/fv/plaza/128/112/22`,
      '--edge',
      server.url,
      '--seconds',
      '0',
      '--walk',
      'forward 2s, turn 90, forward 1s, jump',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const self = (run.json as { self: { path: number[][]; final: number[]; predicted: boolean; authority: number[] } }).self;
    expect(self.predicted).toBe(true);
    // A sample every 100 ms over the walk (3.9 s) and the second after it.
    expect(self.path.length).toBeGreaterThan(40);
    const times = self.path.map((p) => p[0] ?? 0);
    // About every 100 ms: the typical gap is one sample period (a loaded machine may delay one now and then).
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    const sortedGaps = [...gaps].sort((a, b) => a - b);
    expect(sortedGaps[Math.floor(sortedGaps.length / 2)] ?? 0).toBeLessThan(130);
    expect(Math.max(...gaps)).toBeLessThan(500);
    // North from (128, 112): the bench at (128, 116) (0.6 m deep) stops you before it, not on or past it.
    const ys = self.path.filter((p) => (p[0] ?? 0) < 2000).map((p) => p[2] ?? 0);
    expect(Math.max(...ys)).toBeGreaterThan(115);
    expect(Math.max(...ys)).toBeLessThan(116 - 0.3);
    // Then west, a metre and a half or more, and a jump that comes back down.
    expect(self.final[0]).toBeLessThan(126.5);
    const zs = self.path.filter((p) => (p[0] ?? 0) > 3000).map((p) => p[3] ?? 0);
    expect(Math.max(...zs) - (self.final[2] ?? 0)).toBeGreaterThan(0.3);
    // The prediction and the room agree at the end.
    expect(
      Math.hypot((self.final[0] ?? 0) - (self.authority[0] ?? 0), (self.final[1] ?? 0) - (self.authority[1] ?? 0)),
    ).toBeLessThan(0.05);
  }, 120_000);

  it('exits 4 with world_not_found for a world that does not exist', async () => {
    const run = await runVisitCli([`/#/fv/no-such-world`, '--edge', server.url]);
    expect(run.json).toMatchObject({ error: { code: 'world_not_found' } });
    expect(run.code).toBe(4);
  }, 60_000);
});
