/**
 * `npm run record:traffic`: records what the world room's anomaly detector sees — Storm frames and bytes a second
 * per connection — in a real room with bots: the real dev server (viewer + edge in workerd, no relay), headless
 * visitors (web/visit, in this process) joining in waves and walking, and World Tool build bursts. Every socket
 * is counted as it sends (the room scores what a connection sends it: one observe per message, its length), one
 * source per connection. Written to tests/support/fixtures/storm-traffic/plaza-bots.jsonl, one line per connection
 * (checked against the schema in tests/support/storm-traffic.ts); the anomaly replay injects its floods into these.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorldAction } from '../shared/protocol';
import { StormTrafficLine } from '../tests/support/storm-traffic';
import { createStormConnection, fetchSessionToken, type SocketLike } from '../web/net/storm-connection';
import { parseVisitArgs } from '../web/visit/options';
import { runVisit } from '../web/visit/visit';
import { ORIGIN, startServer, WANDER } from './record-load-traces';
import { nodeSocket } from './visit';

const OUT = fileURLToPath(new URL('../tests/support/fixtures/storm-traffic/', import.meta.url));
const SECONDS = Number(process.env.RECORD_SECONDS ?? 150);
const log = (line: string): void => void process.stderr.write(`record-traffic: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Counted {
  readonly source: string;
  readonly kind: 'visitor' | 'builder';
  /** Second of the recording its first frame went in. */
  from: number;
  readonly frames: number[];
  readonly bytes: number[];
}

const t0 = Date.now();
const connections: Counted[] = [];

/** A Node WebSocket whose every send is counted in its second, as the room counts what it receives. */
function counting(kind: Counted['kind']): (url: string) => SocketLike {
  return (url) => {
    const socket = nodeSocket(url);
    const c: Counted = { source: `${kind}-${connections.length + 1}`, kind, from: -1, frames: [], bytes: [] };
    connections.push(c);
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      const second = Math.floor((Date.now() - t0) / 1000);
      if (c.from < 0) c.from = second;
      const at = second - c.from;
      while (c.frames.length <= at) {
        c.frames.push(0);
        c.bytes.push(0);
      }
      c.frames[at] = (c.frames[at] ?? 0) + 1;
      c.bytes[at] = (c.bytes[at] ?? 0) + data.byteLength;
      send(data);
    };
    return socket;
  };
}

/** `count` visitors at once (`--bots`), walking for `seconds`. */
function bots(count: number, seconds: number): Promise<unknown> {
  log(`${count} bots join for ${seconds} s (${connections.length} connections so far)`);
  const options = parseVisitArgs(
    [`${ORIGIN}/#/fv/plaza`, '--edge', ORIGIN, '--bots', String(count), '--seconds', String(seconds), '--walk', WANDER],
    {},
  );
  return runVisit(options, {
    fetch: (input, init) => fetch(input, init),
    createSocket: counting('visitor'),
    now: () => performance.now(),
    log: () => undefined,
  });
}

/** A World Tool burst over its own connection: `count` structures, undone `undoAfter` s later. */
async function build(count: number, undoAfter: number, seed: number): Promise<void> {
  const conn = createStormConnection({
    origin: ORIGIN,
    world: 'plaza',
    getToken: (w) => fetchSessionToken(ORIGIN, w),
    createSocket: counting('builder'),
  });
  try {
    const opened = Date.now();
    while (conn.state !== 'open' && Date.now() - opened < 15_000) await sleep(100);
    const actions: WorldAction[] = Array.from({ length: count }, (_, i) => ({
      tool: 'create_structure',
      structure: (['tower', 'wall', 'stairs'] as const)[(i + seed) % 3] ?? 'tower',
      position: [100 + ((i * 7 + seed * 3) % 40), 100 + ((i * 11 + seed * 5) % 40), 25],
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

const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-traffic-'));
const stop = await startServer(stateDir);
log(`server up on ${ORIGIN}`);
const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));
const runs: Promise<unknown>[] = [bots(3, SECONDS - 10)];
await at(20);
runs.push(bots(4, 60));
await at(35);
runs.push(build(8, 20, 1));
await at(70);
runs.push(bots(2, 50));
await at(95);
runs.push(build(12, 15, 2));
await at(110);
runs.push(bots(1, 30));
await Promise.allSettled(runs);
await stop();
rmSync(stateDir, { recursive: true, force: true });
const lines = connections
  .filter((c) => c.from >= 0 && c.frames.length >= 5)
  .map((c) =>
    JSON.stringify(StormTrafficLine.parse({ source: c.source, kind: c.kind, from: c.from, frames: c.frames, bytes: c.bytes })),
  );
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'plaza-bots.jsonl'), `${lines.join('\n')}\n`);
log(`${lines.length} connections → storm-traffic/plaza-bots.jsonl`);
