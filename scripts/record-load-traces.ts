/**
 * `npm run record:load [-- NAME ...]`: records the load-forecast corpus (tests/support/fixtures/load-traces) by
 * driving real scenes through the real dev server: one headless visitor (`visit --metrics`) records the
 * engine's snapshots while other visitors join, walk and leave, a builder runs World Tool bursts (towers
 * and walls, then undoes them), and the server is restarted under the visitor (the room restarts; the
 * visitor reconnects). Each scenario is one recording, assigned to the train or the held-out set by name.
 *
 * Numbers are kept to 5 significant digits (the corpus must stay small); every line is checked against the
 * MetricSnapshot schema before it is written. Run it alone on the machine: it measures the machine's load.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildBurst,
  compactLine,
  ORIGIN,
  PLAZA,
  recorderLog,
  recordingDir,
  sleep,
  startServer,
  WANDER,
  writeJsonl,
} from '../tests/support/recorder';
import { parseMetricSnapshot } from '../web/engine/metrics';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = recordingDir('load-traces');

/** Something that happens during a recording, `at` seconds after the recorder settled. */
type Event =
  | { at: number; kind: 'bots'; count: number; seconds: number; walk: string }
  | { at: number; kind: 'build'; structures: number; undoAfter: number }
  | { at: number; kind: 'restart' };

interface Scenario {
  name: string;
  split: 'train' | 'heldout';
  seconds: number;
  walk: string;
  events: Event[];
}

/** The corpus: bot crowds joining and leaving, build bursts, a room restart; mixes of them. */
const SCENARIOS: Scenario[] = [
  {
    name: 'crowd-waves',
    split: 'train',
    seconds: 150,
    walk: WANDER,
    events: [
      { at: 15, kind: 'bots', count: 2, seconds: 40, walk: WANDER },
      { at: 60, kind: 'bots', count: 4, seconds: 35, walk: WANDER },
      { at: 105, kind: 'bots', count: 1, seconds: 25, walk: WANDER },
    ],
  },
  {
    name: 'build-bursts',
    split: 'train',
    seconds: 150,
    walk: 'turn 30, forward 2s',
    events: [
      { at: 20, kind: 'build', structures: 6, undoAfter: 25 },
      { at: 75, kind: 'build', structures: 12, undoAfter: 30 },
      { at: 125, kind: 'build', structures: 4, undoAfter: 15 },
    ],
  },
  {
    name: 'restart-and-crowd',
    split: 'train',
    seconds: 150,
    walk: WANDER,
    events: [
      { at: 20, kind: 'bots', count: 3, seconds: 30, walk: WANDER },
      { at: 70, kind: 'restart' },
      { at: 100, kind: 'bots', count: 2, seconds: 35, walk: WANDER },
    ],
  },
  {
    name: 'mixed',
    split: 'train',
    seconds: 150,
    walk: WANDER,
    events: [
      { at: 10, kind: 'build', structures: 8, undoAfter: 40 },
      { at: 35, kind: 'bots', count: 3, seconds: 45, walk: WANDER },
      { at: 100, kind: 'build', structures: 10, undoAfter: 20 },
      { at: 110, kind: 'bots', count: 2, seconds: 25, walk: WANDER },
    ],
  },
  {
    name: 'crowd-and-build',
    split: 'heldout',
    seconds: 140,
    walk: WANDER,
    events: [
      { at: 15, kind: 'bots', count: 3, seconds: 35, walk: WANDER },
      { at: 65, kind: 'build', structures: 9, undoAfter: 25 },
      { at: 100, kind: 'bots', count: 2, seconds: 30, walk: WANDER },
    ],
  },
  {
    name: 'restart-and-build',
    split: 'heldout',
    seconds: 140,
    walk: WANDER,
    events: [
      { at: 20, kind: 'build', structures: 7, undoAfter: 30 },
      { at: 70, kind: 'restart' },
      { at: 95, kind: 'bots', count: 4, seconds: 30, walk: WANDER },
    ],
  },
  // Longer recordings (the second corpus): gradual crowds, repeated restarts, build storms.
  {
    name: 'crowd-ramp',
    split: 'train',
    seconds: 360,
    walk: WANDER,
    events: [
      ...[20, 40, 60, 80, 100, 120, 140].map(
        (at, i): Event => ({ at, kind: 'bots', count: 1 + (i % 2), seconds: 230 - at + i * 15, walk: WANDER }),
      ),
      { at: 200, kind: 'build', structures: 8, undoAfter: 30 },
      { at: 300, kind: 'bots', count: 3, seconds: 40, walk: WANDER },
    ],
  },
  {
    name: 'restart-waves',
    split: 'train',
    seconds: 300,
    walk: WANDER,
    events: [
      { at: 20, kind: 'bots', count: 3, seconds: 100, walk: WANDER },
      { at: 60, kind: 'restart' },
      { at: 130, kind: 'bots', count: 2, seconds: 60, walk: WANDER },
      { at: 150, kind: 'build', structures: 6, undoAfter: 20 },
      { at: 200, kind: 'restart' },
      { at: 240, kind: 'build', structures: 10, undoAfter: 30 },
      { at: 250, kind: 'bots', count: 4, seconds: 35, walk: WANDER },
    ],
  },
  {
    name: 'build-storm',
    split: 'train',
    seconds: 300,
    walk: 'turn 30, forward 2s, turn -60, forward 3s',
    events: [
      { at: 15, kind: 'build', structures: 5, undoAfter: 20 },
      { at: 45, kind: 'build', structures: 14, undoAfter: 35 },
      { at: 90, kind: 'build', structures: 3, undoAfter: 10 },
      { at: 100, kind: 'bots', count: 2, seconds: 80, walk: WANDER },
      { at: 120, kind: 'build', structures: 9, undoAfter: 40 },
      { at: 175, kind: 'build', structures: 16, undoAfter: 25 },
      { at: 230, kind: 'build', structures: 7, undoAfter: 30 },
      { at: 250, kind: 'build', structures: 4, undoAfter: 20 },
    ],
  },
  {
    name: 'ramp-and-restart',
    split: 'heldout',
    seconds: 300,
    walk: WANDER,
    events: [
      ...[20, 45, 70, 95, 120].map((at): Event => ({ at, kind: 'bots', count: 1, seconds: 170 - at, walk: WANDER })),
      { at: 200, kind: 'restart' },
      { at: 230, kind: 'build', structures: 9, undoAfter: 25 },
      { at: 260, kind: 'bots', count: 3, seconds: 30, walk: WANDER },
    ],
  },
];

const log = recorderLog('record');

/** A headless visitor process (scripts/visit.ts). */
function visit(args: string[], onStderr?: (line: string) => void): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/visit.ts', PLAZA, '--edge', ORIGIN, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buffered = '';
  child.stderr?.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onStderr?.(line);
  });
  const done = new Promise<number>((r) => child.once('exit', (code) => r(code ?? 1)));
  return { child, done };
}

async function record(s: Scenario): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-record-'));
  const metrics = join(stateDir, 'metrics.jsonl');
  let stop = await startServer(stateDir);
  log(`${s.name}: server up on ${ORIGIN}`);
  let settled: () => void = () => undefined;
  const settledP = new Promise<void>((r) => (settled = r));
  const recorder = visit(['--seconds', String(s.seconds), '--walk', s.walk, '--metrics', metrics], (line) => {
    if (/settled at/.test(line)) settled();
    if (/error|failed|closed/i.test(line)) log(`${s.name}: recorder: ${line}`);
  });
  await Promise.race([settledP, sleep(60_000)]);
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (const [i, e] of s.events.entries()) {
    const wait = t0 + e.at * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    if (e.kind === 'bots') {
      log(`${s.name}: ${e.count} bots join for ${e.seconds} s`);
      pending.push(visit(['--bots', String(e.count), '--seconds', String(e.seconds), '--walk', e.walk]).done);
    } else if (e.kind === 'build') {
      pending.push(
        buildBurst(e.structures, e.undoAfter, i, { corner: [100, 100], side: 40, log: (l) => log(`${s.name}: ${l}`) }),
      );
    } else {
      log(`${s.name}: restarting the server`);
      await stop();
      stop = await startServer(stateDir);
      log(`${s.name}: server back`);
    }
  }
  const code = await recorder.done;
  await Promise.allSettled(pending);
  await stop();
  if (code !== 0) log(`${s.name}: the recording visitor exited ${code}`);
  const lines = readFileSync(metrics, 'utf8').split('\n').filter(Boolean);
  const out = lines.map((l) => compactLine(parseMetricSnapshot(JSON.parse(l))));
  log(`${s.name}: ${out.length} snapshots → ${writeJsonl(join(OUT, s.split), `${s.name}.jsonl`, out)}`);
  rmSync(stateDir, { recursive: true, force: true });
}

const wanted = process.argv.slice(2);
for (const s of SCENARIOS) if (wanted.length === 0 || wanted.includes(s.name)) await record(s);
