/**
 * Trusted plugins end to end in Node: the page's plugin host (web/plugins/host.ts) loads operator-listed plugins from a
 * loopback server into the world App's trusted runner (web/plugin-runtime/trusted-runner.ts), through the world
 * worker's own command schema and events; world:local entities, world queries through the engine's cache, failure
 * and unload.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrustedPlugin } from '../../../../shared/protocol';
import { TrustedRunnerKey } from '../../../../web/plugin-runtime/trusted-runner';
import { createPluginHost, type PluginHost } from '../../../../web/plugins/host';
import { sriOf } from '../../../../web/plugins/integrity';
import {
  MAX_SANDBOX_QUERY_ROWS,
  type QueryAnswerCopy,
  type WorldOp,
  WorldReplies,
} from '../../../../web/plugins/trusted-protocol';
import { Avatar, Local, NetId, Shape, Transform } from '../../../../web/scene/components';
import { DRAWABLE } from '../../../../web/world/plugins/render-extract';
import type { WorldApp } from '../../../../web/world/world-app';
import { type Served, serve } from '../../../support/plugin-fixtures';
import { createTrustedWorld, type TrustedWorld } from '../../../support/trusted-world';

const fixtures = new Map<string, Served>([
  [
    'beacon',
    {
      manifest: { permissions: ['world:read', 'world:local'] },
      code: `let id = 0; let t = 0;
export function init(ctx) { id = ctx.world.local.create({ shape: 'sphere', color: [1, 0, 0], position: [10, 20, 30] }); }
export function update(dt, ctx) {
  t += 1;
  ctx.world.local.update(id, { position: [10, 20, 30 + t] });
  // Three spellings of one query: the engine's normalizer makes them one key.
  ctx.world.query({ all: ['Transform', 'Shape'] });
  ctx.world.query({ all: ['Shape', 'Transform', 'Shape'] });
  ctx.world.query({ all: ['Shape'], any: ['Transform'] });
}`,
    },
  ],
  [
    'thrower',
    {
      manifest: { permissions: ['world:local'] },
      code: `let n = 0;
export function init(ctx) { ctx.world.local.create({ position: [0, 0, 0] }); }
export function update() { if (++n === 3) throw new Error('boom at frame 3'); }`,
    },
  ],
  ['unlisted', { manifest: {}, code: 'export function update() {}' }],
  [
    'greedy',
    {
      manifest: { permissions: ['world:local'] },
      code: `export function init(ctx) {
  for (let i = 0; i < 256; i++) ctx.world.local.create({ position: [i, 0, 0] });
  const codes = [];
  try { ctx.world.local.create({ position: [0, 0, 0] }); } catch (e) { codes.push(e.code); }
  try { ctx.world.local.create({ position: [0, 0, 0], scale: [100, 1, 1] }); } catch (e) { codes.push(e.code); }
  ctx.log.info(codes.join(' '));
}`,
    },
  ],
  [
    'no-local',
    {
      manifest: { permissions: ['world:read'] },
      code: `export function init(ctx) { if (ctx.world.local !== undefined) throw new Error('world:local given without permission'); }`,
    },
  ],
]);

describe('trusted plugins in the world App', () => {
  let files: Awaited<ReturnType<typeof serve>>;
  let world: WorldApp;
  let host: PluginHost;
  let stopWorld = () => {};
  const sent: unknown[] = [];
  const heard: { name: string; message: unknown }[] = [];
  let listed: TrustedPlugin[] = [];
  let runtime: TrustedWorld['runtime'];

  beforeAll(async () => {
    files = await serve(fixtures);
    const integrity = async (name: string) => sriOf(new TextEncoder().encode(fixtures.get(name)?.code ?? ''));
    listed = await Promise.all(
      ['beacon', 'thrower', 'greedy', 'no-local'].map(async (n) => ({
        url: `${files.url}/${n}/storm-plugin.json`,
        integrity: await integrity(n),
      })),
    );
    const trusted = createTrustedWorld(async () => listed, {
      onCommand: (command) => sent.push(command),
      onEvent: (event) => heard.push(event),
    });
    ({ world, runtime } = trusted);
    stopWorld = trusted.stop;
    host = await createPluginHost({ prewarm: false, trusted: runtime, world: () => ({ people: [] }) });
  });
  afterAll(() => {
    stopWorld();
    host?.close();
    files?.close();
  });
  afterEach(async () => {
    for (const p of host.list()) await host.unload(p.name);
  });

  const locals = () => world.app.world.ids(world.app.world.query({ all: [Local] }));
  const info = (name: string) => host.list().find((p) => p.name === name);

  it('loads a listed plugin in the world, whose local entity the renderer draws and the net index never holds', async () => {
    const r = await host.load(`${files.url}/beacon/storm-plugin.json`, { trusted: true });
    expect(r, r.message).toMatchObject({ ok: true, name: 'beacon' });
    expect(info('beacon')).toMatchObject({ state: 'running', trusted: true });
    const w = world.app.world;
    await expect.poll(() => locals().length).toBe(1);
    const id = locals()[0] as number;
    expect(w.has(id, Shape)).toBe(true);
    expect(w.has(id, NetId)).toBe(false); // never one of the server's: nothing of it is sent
    expect(w.has(id, Avatar)).toBe(false);
    expect(Array.from(w.ids(w.query(DRAWABLE)))).toContain(id);
    // Its update runs each frame on the engine's schedule: the entity moves, and the update time is profiled.
    await expect.poll(() => w.get(id, Transform).position[2] as number).toBeGreaterThan(32);
    await expect.poll(() => info('beacon')?.local_entities).toBe(1);
    // Equivalent queries: one miss per tick, the other two spellings hit the cache.
    await expect.poll(() => info('beacon')?.query_hits ?? 0).toBeGreaterThan(4);
    const b = info('beacon');
    expect(b?.query_hits).toBeGreaterThanOrEqual(2 * (b?.query_misses ?? 0) - 2);
    expect(b?.update_ms_p50).toBeGreaterThanOrEqual(0);
    // The host reached the world only through the world worker's trusted-plugin command.
    expect(sent.every((c) => (c as { type: string }).type === 'trusted-plugin')).toBe(true);
  });

  it('removes a plugin’s local entities when it unloads', async () => {
    await host.load(`${files.url}/beacon/storm-plugin.json`, { trusted: true });
    await expect.poll(() => locals().length).toBe(1);
    expect(await host.unload('beacon')).toBe(true);
    await expect.poll(() => locals().length).toBe(0);
  });

  it('unloads a trusted plugin that throws, says why, and the world keeps stepping', async () => {
    const r = await host.load(`${files.url}/thrower/storm-plugin.json`, { trusted: true });
    expect(r.ok, r.message).toBe(true);
    await expect.poll(() => info('thrower')?.state).toBe('failed');
    expect(info('thrower')?.reason).toMatch(/thrower: update threw: boom at frame 3; unloaded/);
    await expect.poll(() => locals().length).toBe(0);
    const tick = world.app.world.tick;
    await expect.poll(() => world.app.world.tick).toBeGreaterThan(tick + 2);
  });

  it('refuses {trusted: true} for a plugin the operator did not list, or listed with another integrity', async () => {
    const r = await host.load(`${files.url}/unlisted/storm-plugin.json`, { trusted: true });
    expect(r).toMatchObject({ ok: false, code: 'plugin_not_trusted' });
    expect(r.message).toMatch(/not on the operator's trusted plugin list/);
    // Listed, but with another entry's integrity: the manifest's own integrity must be the one the operator gave.
    const entry = listed.find((t) => t.url.endsWith('/no-local/storm-plugin.json')) as TrustedPlugin;
    const own = entry.integrity;
    entry.integrity = listed[0]?.integrity ?? '';
    const mismatch = await host.load(`${files.url}/no-local/storm-plugin.json`, { trusted: true });
    entry.integrity = own;
    expect(mismatch).toMatchObject({ ok: false, code: 'plugin_not_trusted' });
    expect(mismatch.message).toMatch(/operator trusts .* with entry integrity/);
    expect(locals().length).toBe(0);
  });

  it('gives ctx.world.local only with world:local (a trusted plugin has the same permission checks)', async () => {
    const r = await host.load(`${files.url}/no-local/storm-plugin.json`, { trusted: true });
    expect(r, r.message).toMatchObject({ ok: true });
    expect(info('no-local')?.state).toBe('running');
  });

  it('limits local entities per plugin (count and size) with plugin_local_limit and a clear refusal', async () => {
    const r = await host.load(`${files.url}/greedy/storm-plugin.json`, { trusted: true });
    expect(r.ok, r.message).toBe(true);
    await expect.poll(() => locals().length).toBe(256);
    // The 257th is over the count; a 100 m side is over the size (refused by the spec's schema).
    await expect.poll(() => info('greedy')?.last_log).toBe('info: plugin_local_limit plugin_bad_message');
    await host.unload('greedy');
    await expect.poll(() => locals().length).toBe(0);
  });

  it('refuses a malformed host message with a report for that plugin, and the world keeps stepping', async () => {
    const runner = world.app.resource(TrustedRunnerKey);
    const before = runner.names().length;
    runner.command({ name: 'ghost', message: { t: 'load', name: 'ghost', code: 1 } });
    runner.command({ name: 'ghost', message: { t: 'nonsense' } });
    runner.command('not even an object');
    expect(runner.names().length).toBe(before);
    const told = heard.filter((e) => e.name === 'ghost').map((e) => e.message);
    expect(told).toEqual([
      { t: 'failed', message: expect.stringMatching(/^plugins: malformed host message \(message\.code: /) },
      { t: 'failed', message: expect.stringMatching(/^plugins: malformed host message \(message\.t/) },
    ]);
    const tick = world.app.world.tick;
    await expect.poll(() => world.app.world.tick).toBeGreaterThan(tick + 1);
  });

  it('records each trusted plugin update as its own span in the engine trace', async () => {
    await host.load(`${files.url}/beacon/storm-plugin.json`, { trusted: true });
    await expect.poll(() => info('beacon')?.local_entities).toBe(1);
    await expect
      .poll(() => world.app.exportTrace('world worker').traceEvents.filter((e) => e.name === 'plugin beacon update').length)
      .toBeGreaterThan(2);
    const span = world.app.exportTrace().traceEvents.find((e) => e.name === 'plugin beacon update');
    expect(span).toMatchObject({ ph: 'X', cat: 'plugin', pid: 1, tid: 0 });
  });

  describe('a sandboxed plugin’s world requests (the world worker’s side)', () => {
    /** The channel the host opens for a sandboxed plugin's world requests, and the replies it gets. */
    function open(name: string) {
      const replies: WorldReplies[] = [];
      const channel = runtime.open(name, (data) => replies.push(WorldReplies.parse(data)));
      const ask = async (items: WorldOp[]) => {
        const before = replies.length;
        channel.postMessage({ t: 'world-ops', items });
        await expect.poll(() => replies.length).toBe(before + 1);
        return replies[before] as WorldReplies;
      };
      return { channel, ask };
    }

    it('runs queries through the normalizer and the per-tick cache, and answers a bounded plain copy', async () => {
      const { channel, ask } = open('sandboxed-radar');
      for (let i = 0; i < 5; i++) world.app.world.create(Transform, Shape);
      const r = await ask([
        { id: 1, op: 'query', spec: { all: ['Transform', 'Shape'] } },
        { id: 2, op: 'query', spec: { all: ['Shape', 'Transform', 'Shape'] } },
        { id: 3, op: 'query', spec: { all: ['Nonsense'] } },
      ]);
      const [a, b, c] = r.items;
      expect(a).toMatchObject({ id: 1, ok: true, value: { count: expect.any(Number), key: expect.any(String) } });
      const answer = (a as { value: QueryAnswerCopy }).value;
      expect(answer.count).toBeGreaterThanOrEqual(5);
      expect(answer.rows.length).toBe(Math.min(answer.count, MAX_SANDBOX_QUERY_ROWS));
      expect(answer.rows[0]).toEqual({ id: expect.any(Number), position: [0, 0, 0], kind: 'prim' });
      // The same query in another spelling, in the same tick: one key, and a hit.
      expect((b as { value: QueryAnswerCopy }).value.key).toBe(answer.key);
      expect(r.stats).toMatchObject({ query_hits: 1, query_misses: 1 });
      expect(c).toMatchObject({ id: 3, ok: false, code: 'plugin_bad_query' });
      // Past MAX_SANDBOX_QUERY_ROWS the copy is cut; the count is the full one.
      for (let i = 0; i < MAX_SANDBOX_QUERY_ROWS; i++) world.app.world.create(Transform, Shape);
      const big = await ask([{ id: 4, op: 'query', spec: { all: ['Shape'] } }]);
      const copy = (big.items[0] as { value: QueryAnswerCopy }).value;
      expect(copy.rows.length).toBe(MAX_SANDBOX_QUERY_ROWS);
      expect(copy.count).toBeGreaterThan(MAX_SANDBOX_QUERY_ROWS);
      channel.close();
    });

    it('applies local entities with the trusted limits and removes them when the plugin goes', async () => {
      const { channel, ask } = open('sandboxed-beacons');
      const created = await ask(
        Array.from({ length: 256 }, (_, i) => ({ id: i + 1, op: 'local-create' as const, spec: { position: [i, 0, 0] } })),
      );
      expect(created.items.every((i) => i.ok)).toBe(true);
      await expect.poll(() => locals().length).toBe(256);
      const id = (created.items[0] as { value: number }).value;
      expect(world.app.world.has(id, NetId)).toBe(false); // Local: never the server's, never sent
      const more = await ask([
        { id: 300, op: 'local-create', spec: { position: [0, 0, 0] } },
        { id: 301, op: 'local-create', spec: { position: [0, 0, 0], scale: [100, 1, 1] } },
        { id: 302, op: 'local-update', entity: id, fields: { position: [5, 6, 7] } },
        { id: 303, op: 'local-remove', entity: 999_999 },
        { id: 304, op: 'local-count' },
      ]);
      expect(more.items).toMatchObject([
        { id: 300, ok: false, code: 'plugin_local_limit' },
        { id: 301, ok: false, code: 'plugin_bad_message' },
        { id: 302, ok: true },
        { id: 303, ok: false, code: 'plugin_permission_denied' },
        { id: 304, ok: true, value: 256 },
      ]);
      expect(Array.from(world.app.world.get(id, Transform).position)).toEqual([5, 6, 7]);
      expect(more.stats.local_entities).toBe(256);
      // Another plugin cannot touch them.
      const other = open('sandboxed-other');
      const stolen = await other.ask([{ id: 1, op: 'local-remove', entity: id }]);
      expect(stolen.items[0]).toMatchObject({ ok: false, code: 'plugin_permission_denied' });
      other.channel.close();
      // The host closes the plugin's channel when it stops (unloaded, failed, terminated): its entities go.
      channel.close();
      await expect.poll(() => locals().length).toBe(0);
    });
  });

  it('reloads only the plugins of a changed folder (hot reload), with their new code', async () => {
    await host.load(`${files.url}/beacon/storm-plugin.json`, { trusted: true });
    await host.load(`${files.url}/greedy/storm-plugin.json`, { trusted: true });
    await expect.poll(() => locals().length).toBe(257);
    const before = Object.fromEntries(host.list().map((p) => [p.name, p.instance]));
    const served = fixtures.get('beacon') as Served;
    const old = served.code;
    served.code = old.replace(
      'color: [1, 0, 0], position: [10, 20, 30] });',
      'position: [10, 20, 30] }); ctx.world.local.create({ position: [1, 1, 1] });',
    );
    const entry = listed.find((t) => t.url.includes('/beacon/')) as TrustedPlugin;
    const oldIntegrity = entry.integrity;
    // The edited entry is not the one the operator listed: refused until the listing names it.
    const refused = await host.reloadChanged(`${files.url}/beacon/`);
    expect(refused).toMatchObject([{ ok: false, code: 'plugin_not_trusted' }]);
    entry.integrity = await sriOf(new TextEncoder().encode(served.code));
    expect((await host.load(`${files.url}/beacon/storm-plugin.json`, { trusted: true })).ok).toBe(true);
    await expect.poll(() => locals().length).toBe(258); // the new code makes two
    served.code = old;
    entry.integrity = oldIntegrity;
    // Back to the listed code: a reload brings it back, and only it.
    const results = await host.reloadChanged(`${files.url}/beacon/`);
    expect(results).toMatchObject([{ ok: true, name: 'beacon' }]);
    const after = Object.fromEntries(host.list().map((p) => [p.name, p.instance]));
    expect(after.beacon).not.toBe(before.beacon);
    expect(after.greedy).toBe(before.greedy);
    await expect.poll(() => locals().length).toBe(257);
  });
});
