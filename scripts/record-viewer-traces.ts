/**
 * `npm run record:viewer [-- NAME ...]`: records load traces in the viewer itself, so that they carry the render
 * worker's frame time (render_frame_ms), which a headless `visit` cannot: the real dev server (viewer + edge in
 * workerd), headless Chromium on the plaza (software WebGPU), headless visitors (web/visit, in this process) joining
 * in waves and walking, and World Tool build bursts. At the end the overlay's "Save trace" hands over the world
 * worker's metric snapshots as JSONL; each line is checked against the MetricSnapshot schema and numbers are kept to
 * 5 significant digits (timestamps whole). Written to tests/support/fixtures/load-traces/viewer/NAME.jsonl (or
 * RECORD_OUT): the render quantity's part of the corpus (the headless train and held-out recordings do not have it).
 * Harness: tests/support/recorder.ts. Run it under the test lock.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../tests/support/chromium';
import {
  bots,
  buildBurst,
  compactLine,
  recorderLog,
  recordingDir,
  startServer,
  until,
  viewerInWorld,
  writeJsonl,
} from '../tests/support/recorder';
import { parseMetricSnapshot } from '../web/engine/metrics';

const OUT = recordingDir('load-traces/viewer');
const log = recorderLog('record-viewer');

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

const wanted = process.argv.slice(2);
for (const scenario of SCENARIOS.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
  const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-viewer-trace-'));
  const stop = await startServer(stateDir);
  const browser = await launchChromium();
  try {
    const page = await viewerInWorld(browser, '/', log, { acceptDownloads: true });
    log(`${scenario.name}: in the plaza; ${scenario.seconds} s`);
    const t0 = Date.now();
    const runs: Promise<unknown>[] = [];
    for (const [i, e] of scenario.events.entries()) {
      await until(t0, e.at);
      log(`${scenario.name}: ${e.kind} at ${e.at} s`);
      runs.push(
        e.kind === 'bots'
          ? bots(e.count, e.seconds, { onError: log })
          : buildBurst(e.structures, e.undoAfter, i + 1, { corner: [110, 110], side: 30, log }),
      );
    }
    await Promise.allSettled(runs);
    await until(t0, scenario.seconds);
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
      .map((l) => compactLine(parseMetricSnapshot(JSON.parse(l))));
    const withRender = lines.filter((l) => l.includes('"render_frame_ms"')).length;
    const path = writeJsonl(OUT, `${scenario.name}.jsonl`, lines);
    log(`${scenario.name}: ${lines.length} snapshots (${withRender} with render_frame_ms) → ${path}`);
  } finally {
    await browser.close();
    await stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
