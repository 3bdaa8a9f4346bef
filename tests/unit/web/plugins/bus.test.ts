/** The plugin bus (web/plugins/bus.ts): signed tokens, scopes, expiry, rate limits, loop detection, patterns. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BusDelivery, createPluginBus } from '../../../../web/plugins/bus';
import { PluginError } from '../../../../web/plugins/errors';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PluginError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('plugin bus', () => {
  it('delivers to matching subscribers but not to the publisher itself', async () => {
    const bus = await createPluginBus();
    const got: Record<string, BusDelivery[]> = { b: [], c: [], a: [] };
    bus.subscribe('b', 'a/*', (d) => got.b?.push(d));
    bus.subscribe('c', 'other/**', (d) => got.c?.push(d));
    bus.subscribe('a', 'a/*', (d) => got.a?.push(d));
    const token = await bus.issueToken('a', ['a/*']);
    expect(await bus.publish('a', 'a/ping', { n: 1 }, token)).toBe(1);
    expect(got.b?.map((d) => [d.event, d.from, d.payload])).toEqual([['a/ping', 'a', { n: 1 }]]);
    expect(got.b?.[0]?.chain).toEqual([{ plugin: 'a', event: 'a/ping' }]);
    expect(got.c).toEqual([]);
    expect(got.a).toEqual([]);
    expect(bus.countersOf('a').published).toBe(1);
    expect(bus.countersOf('b').delivered).toBe(1);
  });

  it('refuses a publish outside the token scope, a token of another plugin and a forged token', async () => {
    const bus = await createPluginBus();
    const other = await createPluginBus();
    const token = await bus.issueToken('a', ['a/*']);
    expect(await codeOf(bus.publish('a', 'b/ping', null, token))).toBe('plugin_permission_denied');
    expect(await codeOf(bus.publish('b', 'a/ping', null, token))).toBe('plugin_token_invalid');
    expect(await codeOf(bus.publish('a', 'a/ping', null, await other.issueToken('a', ['a/*'])))).toBe('plugin_token_invalid');
    expect(await codeOf(bus.publish('a', 'a/ping', null, 'not a token'))).toBe('plugin_token_invalid');
    // A widened scope in the body without a new signature.
    const [body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString());
    const wider = Buffer.from(JSON.stringify({ ...claims, s: ['**'] })).toString('base64url');
    expect(await codeOf(bus.publish('a', 'b/ping', null, `${wider}.${sig}`))).toBe('plugin_token_invalid');
    expect(bus.countersOf('a').refused).toBe(4);
  });

  it('refuses every altered token (property)', async () => {
    const bus = await createPluginBus();
    const token = await bus.issueToken('a', ['a/*']);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.constantFrom(...alphabet), async (at, ch) => {
        const altered = token.slice(0, at) + ch + token.slice(at + 1);
        // A change in the last character's padding bits decodes to the same bytes: only real changes count.
        const same = Buffer.from(altered.replace('.', ''), 'base64url').equals(Buffer.from(token.replace('.', ''), 'base64url'));
        if (altered === token || (same && altered.indexOf('.') === token.indexOf('.'))) return;
        expect(await codeOf(bus.publish('a', 'a/x', null, altered))).toBe('plugin_token_invalid');
      }),
      { numRuns: 200 },
    );
  });

  it('refuses an expired token with plugin_token_expired', async () => {
    let now = 1000;
    const bus = await createPluginBus({ now: () => now, tokenTtlMs: 500 });
    const token = await bus.issueToken('a', ['a/*']);
    expect(await codeOf(bus.publish('a', 'a/x', null, token))).toBe('ok');
    now = 1600;
    expect(await codeOf(bus.publish('a', 'a/x', null, token))).toBe('plugin_token_expired');
  });

  it('rate-limits a plugin with a token bucket', async () => {
    let now = 0;
    const bus = await createPluginBus({ now: () => now, ratePerSecond: 10, burst: 10, tokenTtlMs: 1e9 });
    const token = await bus.issueToken('a', ['a/*']);
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push(await codeOf(bus.publish('a', 'a/x', i, token)));
    expect(codes.filter((c) => c === 'ok').length).toBe(10);
    expect(codes.slice(10)).toEqual(['plugin_rate_limited', 'plugin_rate_limited']);
    now = 500; // half a second refills five
    for (let i = 0; i < 5; i++) expect(await codeOf(bus.publish('a', 'a/x', i, token))).toBe('ok');
    expect(await codeOf(bus.publish('a', 'a/x', 0, token))).toBe('plugin_rate_limited');
  });

  it('cuts a chain of events that comes back to the same plugin and event, telling the plugins involved', async () => {
    const cuts: string[][] = [];
    const bus = await createPluginBus({ onLoopCut: (plugins) => cuts.push([...plugins]) });
    const ta = await bus.issueToken('a', ['a/*']);
    const tb = await bus.issueToken('b', ['b/*']);
    const seen: string[] = [];
    const pending: Promise<unknown>[] = [];
    // a answers b/pong with a/ping, b answers a/ping with b/pong: a loop.
    bus.subscribe('b', 'a/ping', (d) => {
      seen.push(d.event);
      pending.push(bus.publish('b', 'b/pong', null, tb, d.chain).catch((e: PluginError) => e.code));
    });
    bus.subscribe('a', 'b/pong', (d) => {
      seen.push(d.event);
      pending.push(bus.publish('a', 'a/ping', null, ta, d.chain).catch((e: PluginError) => e.code));
    });
    await bus.publish('a', 'a/ping', null, ta);
    for (let i = 0; i < 10 && pending.length < 2; i++) await new Promise((r) => setTimeout(r, 1));
    const results = [];
    while (pending.length > 0) results.push(await pending.shift());
    expect(seen).toEqual(['a/ping', 'b/pong']);
    expect(results).toContain('plugin_loop_cut');
    expect(cuts).toEqual([['a', 'b']]);
  });

  it('cuts a chain longer than maxChain even without a repeat', async () => {
    const bus = await createPluginBus({ maxChain: 3 });
    const t = await bus.issueToken('a', ['a/**']);
    const chain = [
      { plugin: 'x', event: 'x/1' },
      { plugin: 'y', event: 'y/1' },
      { plugin: 'z', event: 'z/1' },
    ];
    expect(await codeOf(bus.publish('a', 'a/x', null, t, chain))).toBe('plugin_loop_cut');
    expect(await codeOf(bus.publish('a', 'a/x', null, t, chain.slice(1)))).toBe('ok');
  });

  it('bridges host (engine) events to subscribers without a token', async () => {
    const bus = await createPluginBus();
    const got: string[] = [];
    bus.subscribe('a', 'engine/**', (d) => got.push(`${d.from}:${d.event}`));
    expect(bus.publishFromHost('engine/chat/line', { text: 'hi' })).toBe(1);
    expect(got).toEqual(['engine:engine/chat/line']);
  });
});

describe('plugin bus anomaly scores', () => {
  it('throttles a plugin whose publishing floods far past its own baseline, says why, and reports every score', async () => {
    let now = 0;
    const anomalies: string[] = [];
    const bus = await createPluginBus({
      now: () => now,
      tokenTtlMs: 1e9,
      onAnomaly: (s) => anomalies.push(`${s.source}:${s.features[0]?.feature}`),
    });
    const quiet = await bus.issueToken('quiet', ['q/*']);
    const noisy = await bus.issueToken('noisy', ['n/*']);
    const second = async (noisyEvents: number): Promise<string[]> => {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push(await codeOf(bus.publish('quiet', 'q/x', i, quiet)));
      for (let i = 0; i < noisyEvents; i++) codes.push(await codeOf(bus.publish('noisy', 'n/x', i, noisy)));
      now += 1000;
      return codes;
    };
    for (let t = 0; t < 20; t++) expect(new Set(await second(5))).toEqual(new Set(['ok']));
    // A plugin that starts publishing once a frame is not an anomaly.
    for (let t = 0; t < 3; t++) expect(new Set(await second(60))).toEqual(new Set(['ok']));
    await second(1500);
    await second(1500);
    const codes = await second(10);
    expect(codes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(codes.slice(5)).toContain('plugin_throttled');
    expect(anomalies).toEqual(['noisy:events_per_s']);
    const scores = bus.anomalyScores();
    expect(scores.map((s) => s.source)).toEqual(['noisy', 'quiet']);
    expect(scores[0]).toMatchObject({ throttled: true });
    expect(scores[1]).toMatchObject({ anomalous: false, throttled: false });
    bus.unregister('noisy');
    expect(bus.anomalyScores().map((s) => s.source)).toEqual(['quiet']);
  });
});
