/**
 * The harness the corpus recorders share (scripts/record-*.ts): the real dev server on the recorders' fixed port,
 * headless visitors in this process (web/visit), World Tool build bursts, the viewer in headless Chromium until it
 * stands in the plaza, numbers kept to 5 significant digits, and each recording written as JSONL (to RECORD_OUT
 * when set, so a trial run leaves the committed corpus alone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { nodeSocket } from '../../scripts/visit';
import type { WorldAction } from '../../shared/protocol';
import { createStormConnection, fetchSessionToken, type SocketLike } from '../../web/net/storm-connection';
import { parseVisitArgs } from '../../web/visit/options';
import { runVisit } from '../../web/visit/visit';
import { startDevServer } from './dev-server';

/** The recorders' dev server port (RECORD_PORT, default 5397) and origin. */
export const RECORD_PORT = Number(process.env.RECORD_PORT ?? 5397);
export const ORIGIN = `http://127.0.0.1:${RECORD_PORT}`;
/** The plaza of the dev server's Finalverse world. */
export const PLAZA = `${ORIGIN}/#/fv/plaza`;

/** A walk that wanders around the plaza's square (visit --walk). */
export const WANDER = 'forward 4s, turn 90, forward 3s, turn -120, forward 5s, turn 45, back 2s, jump, forward 6s, turn 180';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A recorder's log: one line on stderr, prefixed with its name. */
export function recorderLog(name: string): (line: string) => void {
  return (line) => void process.stderr.write(`${name}: ${line}\n`);
}

/** Resolves `s` seconds after `t0` (ms since the epoch), at once when that has passed. */
export const until = (t0: number, s: number): Promise<void> => sleep(Math.max(0, t0 + s * 1000 - Date.now()));

/** The dev server (viewer + edge in workerd) on RECORD_PORT with its state in `stateDir`, without the UDP relay. */
export async function startServer(stateDir: string): Promise<() => Promise<void>> {
  const server = await startDevServer(90_000, { STORM_NO_RELAY: '1' }, { port: RECORD_PORT, stateDir });
  return server.stop;
}

export interface BotOptions {
  readonly say?: string;
  /** Each visitor's socket (default a plain Node WebSocket): a recorder counts what goes through it. */
  readonly createSocket?: (url: string) => SocketLike;
  /** Told when the visit fails; without it a failure rejects. */
  readonly onError?: (message: string) => void;
}

/** `count` headless visitors (`--bots`) in the plaza for `seconds`, wandering (and saying `say` once). */
export function bots(count: number, seconds: number, options: BotOptions = {}): Promise<unknown> {
  const args = [PLAZA, '--edge', ORIGIN, '--bots', String(count), '--seconds', String(seconds), '--walk', WANDER];
  if (options.say !== undefined) args.push('--say', options.say);
  const run = runVisit(parseVisitArgs(args, {}), {
    fetch: (input, init) => fetch(input, init),
    createSocket: options.createSocket ?? nodeSocket,
    now: () => performance.now(),
    log: () => undefined,
  });
  const { onError } = options;
  return onError ? run.catch((err: unknown) => onError(`bots failed: ${err instanceof Error ? err.message : String(err)}`)) : run;
}

export interface BuildOptions {
  /** The corner of the square the structures go in, and its side (m). */
  readonly corner: readonly [number, number];
  readonly side: number;
  readonly createSocket?: (url: string) => SocketLike;
  readonly log: (line: string) => void;
}

/**
 * A World Tool burst over its own connection: `count` structures (towers, walls, stairs) in the square, prepared and
 * committed as one plan, undone `undoAfter` s later. Never throws: a failure is logged.
 */
export async function buildBurst(count: number, undoAfter: number, seed: number, options: BuildOptions): Promise<void> {
  const conn = createStormConnection({
    origin: ORIGIN,
    world: 'plaza',
    getToken: (w) => fetchSessionToken(ORIGIN, w),
    createSocket: options.createSocket ?? nodeSocket,
  });
  const [x, y] = options.corner;
  try {
    const opened = Date.now();
    while (conn.state !== 'open' && Date.now() - opened < 15_000) await sleep(100);
    const actions: WorldAction[] = Array.from({ length: count }, (_, i) => ({
      tool: 'create_structure',
      structure: (['tower', 'wall', 'stairs'] as const)[(i + seed) % 3] ?? 'tower',
      position: [x + ((i * 7 + seed * 3) % options.side), y + ((i * 11 + seed * 5) % options.side), 25],
      size: 8 + ((i + seed) % 9),
    }));
    const prepared = await conn.operate({ op: 'prepare', actions });
    if (prepared.op !== 'prepare') throw new Error(`prepare answered ${prepared.op}`);
    const committed = await conn.operate({ op: 'commit', planId: prepared.planId });
    options.log(`built ${count} structures (${committed.op})`);
    await sleep(undoAfter * 1000);
    await conn.operate({ op: 'undo', planId: prepared.planId });
    options.log(`undid the ${count} structures`);
  } catch (err) {
    options.log(`a build burst failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    conn.close();
  }
}

/** A page of the viewer at `path` that stands in the plaza (its connection in-world), or an error after 120 s. */
export async function viewerInWorld(
  browser: Browser,
  path: string,
  log: (line: string) => void,
  options: { acceptDownloads?: boolean } = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, ...options });
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`${ORIGIN}${path}`);
  const deadline = Date.now() + 120_000;
  while ((await page.getByTestId('connection').getAttribute('data-state')) !== 'in-world') {
    if (Date.now() > deadline) throw new Error(`the viewer at ${path} did not reach the plaza in 120 s`);
    await sleep(500);
  }
  return page;
}

/** A metric snapshot as a JSONL line with its numbers to 5 significant digits (integers and timestamp_ms stay whole). */
export function compactLine(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) =>
    typeof v !== 'number' || Number.isInteger(v) || key === 'timestamp_ms' ? v : Number(v.toPrecision(5)),
  );
}

/** How long a recorder of one fixed scenario records (RECORD_SECONDS, default 150 s). */
export const RECORD_SECONDS = Number(process.env.RECORD_SECONDS ?? 150);

/** Where a recorder writes: RECORD_OUT when set (a trial run), else its corpus folder under tests/support/fixtures. */
export function recordingDir(corpus: string): string {
  return process.env.RECORD_OUT ?? fileURLToPath(new URL(`./fixtures/${corpus}/`, import.meta.url));
}

/** Writes `lines` as `<dir>/<file>` (one JSON document a line), making the folder; answers the path. */
export function writeJsonl(dir: string, file: string, lines: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** One source's counts a second, from its first counted second in the recording (`from` -1 until then). */
export interface SecondCounts {
  from: number;
  readonly events: number[];
  readonly bytes: number[];
}

/** Counts `events` (and their `bytes`) for `c` in the recording's second `second`, filling silent seconds with 0. */
export function countInSecond(c: SecondCounts, second: number, bytes: number, events = 1): void {
  if (c.from < 0) c.from = second;
  const at = second - c.from;
  while (c.events.length <= at) {
    c.events.push(0);
    c.bytes.push(0);
  }
  c.events[at] = (c.events[at] ?? 0) + events;
  c.bytes[at] = (c.bytes[at] ?? 0) + bytes;
}
