/**
 * A plugin that floods the host with requests but never publishes (web/plugins/host.ts with its bus's anomaly
 * detector): its requests are its traffic, so the flood scores over the alarm under the plugin's name, is logged
 * with the feature that drove it, and its requests are refused with plugin_throttled, while a calm plugin's few
 * requests never are. Driven through the real trusted runner in a world App (Node), on the host's own clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyScore } from '../../../../shared/anomaly/detector';
import { PLUGIN_REQUEST_WEIGHT } from '../../../../web/plugins/bus';
import type { PluginHost } from '../../../../web/plugins/host';
import { Commands } from '../../../../web/world/keys';
import type { Served } from '../../../support/plugin-fixtures';
import { createTrustedHost, type TrustedHost } from '../../../support/trusted-world';

/**
 * Chat lines the flooder sends in one (host clock) second of its flood, in rounds of 100 (one burst would do too:
 * request-burst.test.ts): 200 units of traffic, over the floor of 120.
 */
const FLOOD = 1000;

const fixtures = new Map<string, Served>([
  [
    // Answers each chat line with one line; on "flood" sends FLOOD lines at once and logs how they were answered.
    'chat-flooder',
    {
      manifest: { permissions: ['chat:read', 'chat:send'] },
      code: `let round = 0;
export function init(ctx) {
  ctx.chat.onLine(async (line) => {
    if (line.text !== 'flood') return ctx.chat.send('ack').catch(() => {});
    const n = ++round;
    const codes = [];
    for (let k = 0; k < ${FLOOD / 100}; k++)
      codes.push(...(await Promise.all(Array.from({ length: 100 }, () => ctx.chat.send('spam').then(() => 'ok', (e) => e.code)))));
    const tally = { round: n };
    for (const c of codes) tally[c] = (tally[c] || 0) + 1;
    ctx.log.info(JSON.stringify(tally));
  });
}`,
    },
  ],
  [
    // A calm neighbour: one line back per chat line, never more.
    'chat-echo',
    {
      manifest: { permissions: ['chat:read', 'chat:send'] },
      code: `export function init(ctx) { ctx.chat.onLine((line) => ctx.chat.send('echo ' + line.text).catch((e) => ctx.log.error(e.code))); }`,
    },
  ],
]);

describe('a plugin flooding the host with requests (never publishing)', () => {
  let world: TrustedHost;
  let host: PluginHost;
  let now = 1_000_000;
  const sent: { text: string; plugin: string }[] = [];
  const anomalies: AnomalyScore[] = [];

  beforeAll(async () => {
    world = await createTrustedHost(fixtures, {
      // The host's clock (and so its bus's one-second buckets) moves only when the test says a second has passed.
      now: () => now,
      sendChat: (text, plugin) => void sent.push({ text, plugin }),
      onAnomaly: (s) => void anomalies.push(s),
    });
    host = world.host;
  });
  afterAll(() => world?.close());

  const info = (name: string) => host.list().find((p) => p.name === name);
  /**
   * Says `text` in chat, waits until each plugin's requests reach `expected` (and, for a flood, until the flooder
   * logged how its round was answered), then a second passes.
   */
  const second = async (text: string, expected: Record<string, number>, log?: string) => {
    host.chatLine({ from: 'Visitor', text, at: now });
    for (const [name, n] of Object.entries(expected))
      await expect.poll(() => info(name)?.requests, { timeout: 10_000, interval: 5 }).toBe(n);
    if (log !== undefined) await expect.poll(() => info('chat-flooder')?.last_log, { timeout: 10_000, interval: 5 }).toBe(log);
    now += 1000;
  };
  const tally = (counts: Record<string, number>) => `info: ${JSON.stringify(counts)}`;

  it('scores the flood over the alarm under the plugin’s name, says why and refuses its requests; the calm one is untouched', async () => {
    for (const name of fixtures.keys()) {
      const r = await host.load(`${world.files.url}/${name}/storm-plugin.json`, { trusted: true });
      expect(r, name).toMatchObject({ ok: true });
    }
    const requests = { 'chat-flooder': 0, 'chat-echo': 0 };
    const step = async (text: string, flooder: number, log?: string) => {
      requests['chat-flooder'] += flooder;
      requests['chat-echo'] += 1;
      await second(text, requests, log);
    };
    // Ten calm seconds: both plugins answer each line with one request; nobody is anomalous.
    for (let t = 0; t < 10; t++) await step(`hello ${t}`, 1);
    expect(host.anomalyScores().filter((s) => s.anomalous)).toEqual([]);
    // Neither ever published: only its requests make its traffic.
    expect(host.list().map((p) => p.events_out)).toEqual([0, 0]);

    expect(world.trusted.world.app.droppedEvents(Commands)).toBe(0);
    // Two seconds of flood: FLOOD chat lines each (the flooder's own line goes unanswered on "flood").
    await step('flood', FLOOD, tally({ round: 1, ok: FLOOD }));
    await step('flood', FLOOD, tally({ round: 2, ok: FLOOD }));
    const [top, next] = host.anomalyScores();
    expect(top).toMatchObject({ source: 'chat-flooder', anomalous: true, throttled: true });
    expect(top?.score).toBeGreaterThan(top?.threshold ?? Number.POSITIVE_INFINITY);
    expect(top?.features[0]).toMatchObject({ feature: 'events_per_s' });
    expect(top?.features[0]?.value).toBeCloseTo(FLOOD * PLUGIN_REQUEST_WEIGHT, 6);
    expect(next).toMatchObject({ source: 'chat-echo', anomalous: false, throttled: false });
    // Logged once, named, with the feature that drove it; the panel line says it is throttled.
    expect(anomalies.map((s) => [s.source, s.features[0]?.feature])).toEqual([['chat-flooder', 'events_per_s']]);
    expect(info('chat-flooder')?.last_log).toMatch(/^throttled: anomaly score/);

    // While throttled, its requests are refused with plugin_throttled and nothing reaches the chat.
    const before = sent.filter((s) => s.plugin === 'chat-flooder').length;
    await step('flood', FLOOD, tally({ round: 3, plugin_throttled: FLOOD }));
    expect(sent.filter((s) => s.plugin === 'chat-flooder').length).toBe(before);
    expect(info('chat-flooder')?.state).toBe('running');
    // The calm plugin's lines still go out, one per line said.
    expect(sent.filter((s) => s.plugin === 'chat-echo')).toHaveLength(requests['chat-echo']);
    expect(info('chat-echo')?.last_log).toBe('');
  });
});
