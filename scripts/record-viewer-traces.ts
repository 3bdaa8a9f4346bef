/**
 * `npm run record:viewer [-- NAME ...]`: records load traces in the viewer itself, so that they carry the render
 * worker's frame time (render_frame_ms), which a headless `visit` cannot: the real dev server (viewer + edge in
 * workerd), headless Chromium on the plaza (software WebGPU), headless visitors (web/visit, in this process) joining
 * in waves and walking, and World Tool build bursts. At the end the overlay's "Save trace" hands over the world
 * worker's metric snapshots as JSONL; each line is checked against the MetricSnapshot schema and numbers are kept to
 * 5 significant digits. Written to tests/support/fixtures/load-traces/viewer/NAME.jsonl: the render quantity's part
 * of the corpus (the headless train and held-out recordings do not have it). Run it under the test lock.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorldAction } from '../shared/protocol';
import { launchChromium } from '../tests/support/chromium';
import { parseMetricSnapshot } from '../web/engine/metrics';
import { createStormConnection, fetchSessionToken } from '../web/net/storm-connection';
import { parseVisitArgs } from '../web/visit/options';
import { runVisit } from '../web/visit/visit';
import { ORIGIN, startServer, WANDER } from './record-load-traces';
import { nodeSocket } from './visit';

const OUT = fileURLToPath(new URL('../tests/support/fixtures/load-traces/viewer/', import.meta.url));
const log = (line: string): void => void process.stderr.write(`record-viewer: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Event =
  | { at: number; kind: 'bots'; count: number; seconds: number }
  | { at: number; kind: 'build'; structures: number; undoAfter: number };

const SCENARIOS: { name: string; seconds: number; events: Event[] }[] = [
  {
    name: 'viewer-crowd-and-build',
    seconds: 150,
    events: [
      { at: 15, kind: 'bots', count: 3, seconds: 35 },
      { at: 60, kind: 'build', structures: 10, undoAfter: 25 },
      { at: 100, kind: 'bots', count: 5, seconds: 30 },
    ],
  },
  {
    name: 'viewer-build-waves',
    seconds: 150,
    events: [
      { at: 20, kind: 'build', structures: 6, undoAfter: 20 },
      { at: 55, kind: 'bots', count: 4, seconds: 40 },
      { at: 105, kind: 'build', structures: 14, undoAfter: 20 },
    ],
  },
];

function bots(count: number, seconds: number): Promise<unknown> {
  const options = parseVisitArgs(
    [`${ORIGIN}/#/fv/plaza`, '--edge', ORIGIN, '--bots', String(count), '--seconds', String(seconds), '--walk', WANDER],
    {},
  );
  return runVisit(options, {
    fetch: (input, init) => fetch(input, init),
    createSocket: nodeSocket,
    now: () => performance.now(),
    log: () => undefined,
  }).catch((err: unknown) => log(`bots failed: ${err instanceof Error ? err.message : String(err)}`));
}

async function build(count: number, undoAfter: number, seed: number): Promise<void> {
  const conn = createStormConnection({
    origin: ORIGIN,
    world: 'plaza',
    getToken: (w) => fetchSessionToken(ORIGIN, w),
    createSocket: nodeSocket,
  });
  try {
    const opened = Date.now();
    while (conn.state !== 'open' && Date.now() - opened < 15_000) await sleep(100);
    const actions: WorldAction[] = Array.from({ length: count }, (_, i) => ({
      tool: 'create_structure',
      structure: (['tower', 'wall', 'stairs'] as const)[(i + seed) % 3] ?? 'tower',
      position: [110 + ((i * 7 + seed * 3) % 30), 110 + ((i * 11 + seed * 5) % 30), 25],
      size: 8 + ((i + seed) % 9),
    }));
    const prepared = await conn.operate({ op: 'prepare', actions });
    if (prepared.op !== 'prepare') throw new Error(`prepare answered ${prepared.op}`);
    await conn.operate({ op: 'commit', planId: prepared.planId });
    await sleep(undoAfter * 1000);
    await conn.operate({ op: 'undo', planId: prepared.planId });
  } catch (err) {
    log(`a build burst failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    conn.close();
  }
}

/** Numbers to 5 significant digits (the corpus stays small), recursively. */
function round(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toPrecision(5));
  if (Array.isArray(v)) return v.map(round);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]));
  return v;
}

const wanted = process.argv.slice(2);
mkdirSync(OUT, { recursive: true });
for (const scenario of SCENARIOS.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
  const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-viewer-trace-'));
  const stop = await startServer(stateDir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(`${ORIGIN}/`);
    const deadline = Date.now() + 120_000;
    while ((await page.getByTestId('connection').getAttribute('data-state')) !== 'in-world') {
      if (Date.now() > deadline) throw new Error('record-viewer: the viewer did not reach the plaza in 120 s');
      await sleep(500);
    }
    log(`${scenario.name}: in the plaza; ${scenario.seconds} s`);
    const t0 = Date.now();
    const runs: Promise<unknown>[] = [];
    for (const [i, e] of scenario.events.entries()) {
      await sleep(Math.max(0, t0 + e.at * 1000 - Date.now()));
      log(`${scenario.name}: ${e.kind} at ${e.at} s`);
      runs.push(e.kind === 'bots' ? bots(e.count, e.seconds) : build(e.structures, e.undoAfter, i + 1));
    }
    await Promise.allSettled(runs);
    await sleep(Math.max(0, t0 + scenario.seconds * 1000 - Date.now()));
    const [download] = await Promise.all([
      page.waitForEvent('download', {
        timeout: 60_000,
        predicate: (d) => d.suggestedFilename().startsWith('stormcore-metrics-'),
      }),
      // The overlay redraws each second: the click goes to the button as it is found (it may never hold still).
      page.getByTestId('save-trace').dispatchEvent('click'),
    ]);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.stringify(round(parseMetricSnapshot(JSON.parse(l)))));
    const withRender = lines.filter((l) => l.includes('"render_frame_ms"')).length;
    writeFileSync(join(OUT, `${scenario.name}.jsonl`), `${lines.join('\n')}\n`);
    log(
      `${scenario.name}: ${lines.length} snapshots (${withRender} with render_frame_ms) → load-traces/viewer/${scenario.name}.jsonl`,
    );
  } finally {
    await browser.close();
    await stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
