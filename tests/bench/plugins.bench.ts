/**
 * Plugins bench (docs/plugins.md): the signed bus's publish latency within one thread against a plain EventTarget
 * (the unsigned in-process peer) in the same run; events/s with 10 subscribers; then in headless Chromium (dev server):
 * round trips across the sandbox boundary, sustained events/s from one sandboxed plugin to 10 sandboxed subscribers,
 * the load time of a small plugin and the host's per-frame cost of 10 idle plugins. Writes bench/results/plugins.json.
 */
import { fileURLToPath } from 'node:url';
import { createPluginBus } from '../../web/plugins/bus';
import { launchChromium } from '../support/chromium';
import { startDevServer } from '../support/dev-server';
import { type Served, serve } from '../support/plugin-fixtures';
import { type CaseResult, writeReport } from './report';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** p50/p99 (ms) of `fn` over `n` runs after a warm-up. */
async function latency(fn: () => unknown, n: number): Promise<{ p50: number; p99: number; mad: number; samples: number[] }> {
  for (let i = 0; i < 1000; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const p50 = pct(samples, 50);
  const mad = pct(
    samples.map((v) => Math.abs(v - p50)).sort((a, b) => a - b),
    50,
  );
  return { p50, p99: pct(samples, 99), mad, samples };
}

// --- Within one thread: the bus against EventTarget.
const bus = await createPluginBus({ ratePerSecond: 1e9, tokenTtlMs: 3_600_000 });
const token = await bus.issueToken('pub', ['pub/*']);
let got = 0;
bus.subscribe('sub', 'pub/*', () => {
  got++;
});
const target = new EventTarget();
target.addEventListener('pub/x', () => {
  got++;
});
const busLatency = await latency(() => bus.publish('pub', 'pub/x', { n: 1 }, token), SAMPLES * 10);
const peerLatency = await latency(() => target.dispatchEvent(new CustomEvent('pub/x', { detail: { n: 1 } })), SAMPLES * 10);
for (let i = 1; i < 10; i++)
  bus.subscribe(`sub-${i}`, 'pub/*', () => {
    got++;
  });
const n = 200_000;
let t = performance.now();
for (let i = 0; i < n; i++) await bus.publish('pub', 'pub/x', i, token);
const busEventsPerS = n / ((performance.now() - t) / 1000);
for (let i = 1; i < 10; i++)
  target.addEventListener('pub/x', () => {
    got++;
  });
t = performance.now();
for (let i = 0; i < n; i++) target.dispatchEvent(new CustomEvent('pub/x', { detail: i }));
const peerEventsPerS = n / ((performance.now() - t) / 1000);

// --- Across the sandbox boundary, in Chromium.
const fixtures = new Map<string, Served>([
  [
    'echo',
    {
      code: `export function init(ctx) { ctx.bus.subscribe('engine/ping', (e) => ctx.bus.publish('engine/pong', e.payload)); }`,
      manifest: { permissions: ['bus:subscribe:engine/ping', 'bus:publish:engine/pong'] },
    },
  ],
  [
    'flood',
    {
      code: `export function init(ctx) { for (let i = 0; i < 20000; i++) ctx.bus.publish('flood/x', i); }`,
      manifest: { permissions: ['bus:publish:flood/*'] },
    },
  ],
  ['small', { code: `export function init(ctx) { ctx.log.info('hello'); }`, manifest: {} }],
]);
for (let i = 0; i < 10; i++) {
  fixtures.set(`sink-${i}`, {
    code: `let n = 0; export function init(ctx) { ctx.bus.subscribe('flood/*', () => { n++; }); }`,
    manifest: { permissions: ['bus:subscribe:flood/*'] },
  });
  fixtures.set(`idle-${i}`, { code: 'export function update() {}', manifest: {} });
}
// Small plugins loaded once each (a first load fetches its entry), one per load sample of two modes.
for (let i = 0; i < 50; i++)
  for (const mode of ['b', 'w'])
    fixtures.set(`small-${mode}${i}`, { code: `export function init(ctx) { ctx.log.info('hello ${mode}${i}'); }`, manifest: {} });
const files = await serve(fixtures);
const server = await startDevServer();
const browser = await launchChromium({ webgpu: false });
const pageModule = `/@fs${fileURLToPath(new URL('../e2e/plugins.page.ts', import.meta.url))}`;
let browserRun: Record<string, number> | undefined;
let coldRun: { cold: Record<string, number[]>; coldPeer: number[] } | undefined;
/** Fresh pages for the cold load (and as many for its peer). */
const COLD_PAGES = Number(process.env.BENCH_COLD_PAGES ?? 10);
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/api/health`, { waitUntil: 'networkidle' });
  for (let attempt = 0; ; attempt++) {
    try {
      browserRun = (await page.evaluate(
        `import(${JSON.stringify(pageModule)}).then((m) => m.benchmark(${JSON.stringify(files.url)}, 500))`,
      )) as Record<string, number>;
      break;
    } catch (err) {
      if (attempt >= 3 || !/context was destroyed|navigation/i.test(String(err))) throw err;
      await page.waitForLoadState('networkidle');
    }
  }
  // Cold: the first plugin after the page started, one per fresh page (its own context), alternating with the peer.
  const pageModuleRef = JSON.stringify(pageModule);
  const cold: Record<string, number[]> = {};
  const coldPeer: number[] = [];
  for (let i = 0; i < 2 * COLD_PAGES; i++) {
    const peer = i % 2 === 1;
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${server.url}/api/health`, { waitUntil: 'networkidle' });
      await fresh.evaluate(`import(${pageModuleRef})`); // the page's modules compiled before the clock starts
      const r = (await fresh.evaluate(
        `import(${pageModuleRef}).then((m) => m.coldLoad(${JSON.stringify(files.url)}, ${peer}))`,
      )) as Record<string, number>;
      if (peer) coldPeer.push(r.total ?? Number.NaN);
      else for (const [k, v] of Object.entries(r)) cold[k] = [...(cold[k] ?? []), v];
    } finally {
      await fresh.close();
    }
  }
  coldRun = { cold, coldPeer };
} finally {
  await browser.close();
  await server.stop();
  files.close();
}
if (!browserRun || !coldRun) throw new Error('bench: plugins: no result from the page');
const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );
const madOf = (xs: number[]) => {
  const m = median(xs);
  return median(xs.map((v) => Math.abs(v - m)));
};
const coldTotal = coldRun.cold.total ?? [];
const coldMs: Record<string, number> = {
  load_small_cold_p50_ms: median(coldTotal),
  load_small_cold_mad_ms: madOf(coldTotal),
  load_small_cold_samples: coldTotal.length,
  load_small_cold_peer_bare_worker_p50_ms: median(coldRun.coldPeer),
  load_small_cold_over_peer_p50: median(coldTotal) / median(coldRun.coldPeer),
  load_small_cold_sandbox_was_started_share: (coldRun.cold.warm ?? []).reduce((a, b) => a + b, 0) / Math.max(1, coldTotal.length),
};
for (const part of ['fetch', 'manifest', 'entry', 'integrity', 'risk', 'sandbox', 'startWait', 'module', 'init'])
  coldMs[`load_small_cold_${part === 'module' ? 'module_import' : part === 'startWait' ? 'start_wait' : part}_p50_ms`] = median(
    coldRun.cold[part] ?? [],
  );

/** A case from its median and, where measured, its median absolute deviation (the regression flag's noise). */
const one = (name: string, ms: number, samples: number, mad?: number): CaseResult => ({
  name,
  median_ms: ms,
  min_ms: ms,
  max_ms: ms,
  samples,
  ...(mad !== undefined && Number.isFinite(mad) ? { mad_ms: mad } : {}),
});
const ms: Record<string, number> = {
  bus_publish_p50_ms: busLatency.p50,
  bus_publish_p99_ms: busLatency.p99,
  eventtarget_dispatch_p50_ms: peerLatency.p50,
  eventtarget_dispatch_p99_ms: peerLatency.p99,
  ...browserRun,
  ...coldMs,
};
writeReport({
  suite: 'plugins',
  cases: [
    one('bus_publish_in_thread', busLatency.p50, busLatency.samples.length, busLatency.mad),
    one('eventtarget_dispatch_in_thread', peerLatency.p50, peerLatency.samples.length, peerLatency.mad),
    one('sandbox_round_trip', browserRun.sandbox_round_trip_p50_ms ?? 0, 500, browserRun.sandbox_round_trip_mad_ms),
    one('load_small_plugin', browserRun.load_small_p50_ms ?? 0, browserRun.load_small_samples ?? 0, browserRun.load_small_mad_ms),
    one(
      'load_small_plugin_warm',
      browserRun.load_small_warm_p50_ms ?? 0,
      browserRun.load_small_warm_samples ?? 0,
      browserRun.load_small_warm_mad_ms,
    ),
    one(
      'load_small_plugin_kept',
      browserRun.load_small_kept_p50_ms ?? 0,
      browserRun.load_small_kept_samples ?? 0,
      browserRun.load_small_kept_mad_ms,
    ),
    one('load_small_plugin_cold', coldMs.load_small_cold_p50_ms ?? 0, coldTotal.length, coldMs.load_small_cold_mad_ms),
    one('host_frame_10_idle_plugins', browserRun.frame_10_idle_plugins_p50_ms ?? 0, 200, browserRun.frame_10_idle_plugins_mad_ms),
  ],
  ratios: {
    bus_over_eventtarget_p50: busLatency.p50 / peerLatency.p50,
    bus_events_per_s_10_subscribers: busEventsPerS,
    eventtarget_events_per_s_10_listeners: peerEventsPerS,
    bus_over_eventtarget_throughput: busEventsPerS / peerEventsPerS,
    load_small_cold_over_bare_worker_p50: coldMs.load_small_cold_over_peer_p50 ?? 0,
    load_small_over_bare_worker_p50: browserRun.load_small_over_peer_p50 ?? 0,
    load_small_warm_over_bare_worker_p50: browserRun.load_small_warm_over_peer_p50 ?? 0,
    load_small_kept_over_bare_worker_p50: browserRun.load_small_kept_over_peer_p50 ?? 0,
    load_small_kept_over_manifest_fetch_alone_p50: browserRun.load_small_kept_over_manifest_fetch_alone_p50 ?? 0,
  },
  ms,
  extra: { deliveries_checked: got > 0 },
});
console.log(JSON.stringify(ms, null, 2));
