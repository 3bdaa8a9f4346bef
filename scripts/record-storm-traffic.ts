/**
 * `npm run record:traffic`: records what the world room's anomaly detector sees — Storm frames and bytes a second
 * per connection — in a real room with bots: the real dev server (viewer + edge in workerd, no relay), headless
 * visitors (web/visit, in this process) joining in waves and walking, and World Tool build bursts. Every socket
 * is counted as it sends (the room scores what a connection sends it: one observe per message, its length), one
 * source per connection. Written to tests/support/fixtures/storm-traffic/plaza-bots.jsonl, one line per connection
 * (checked against the schema in tests/support/storm-traffic.ts; RECORD_OUT writes elsewhere); the anomaly replay
 * injects its floods into these. Harness: tests/support/recorder.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildBurst,
  countInSecond,
  ORIGIN,
  RECORD_SECONDS,
  recorderLog,
  recordingDir,
  type SecondCounts,
  startServer,
  until,
  bots as visitors,
  writeJsonl,
} from '../tests/support/recorder';
import { StormTrafficLine } from '../tests/support/storm-traffic';
import type { SocketLike } from '../web/net/storm-connection';
import { nodeSocket } from './visit';

const OUT = recordingDir('storm-traffic');
const log = recorderLog('record-traffic');

interface Counted extends SecondCounts {
  readonly source: string;
  readonly kind: 'visitor' | 'builder';
}

const t0 = Date.now();
const connections: Counted[] = [];

/** A Node WebSocket whose every send is counted in its second, as the room counts what it receives. */
function counting(kind: Counted['kind']): (url: string) => SocketLike {
  return (url) => {
    const socket = nodeSocket(url);
    const c: Counted = { source: `${kind}-${connections.length + 1}`, kind, from: -1, events: [], bytes: [] };
    connections.push(c);
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      countInSecond(c, Math.floor((Date.now() - t0) / 1000), data.byteLength);
      send(data);
    };
    return socket;
  };
}

/** `count` visitors at once (`--bots`), walking for `seconds`, each socket counted. */
function bots(count: number, seconds: number): Promise<unknown> {
  log(`${count} bots join for ${seconds} s (${connections.length} connections so far)`);
  return visitors(count, seconds, { createSocket: counting('visitor') });
}

/** A World Tool burst over its own counted connection: `count` structures, undone `undoAfter` s later. */
const build = (count: number, undoAfter: number, seed: number): Promise<void> =>
  buildBurst(count, undoAfter, seed, { corner: [100, 100], side: 40, createSocket: counting('builder'), log });

const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-traffic-'));
const stop = await startServer(stateDir);
log(`server up on ${ORIGIN}`);
const at = (s: number) => until(t0, s);
const runs: Promise<unknown>[] = [bots(3, RECORD_SECONDS - 10)];
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
  .filter((c) => c.from >= 0 && c.events.length >= 5)
  .map((c) =>
    JSON.stringify(StormTrafficLine.parse({ source: c.source, kind: c.kind, from: c.from, frames: c.events, bytes: c.bytes })),
  );
log(`${lines.length} connections → ${writeJsonl(OUT, 'plaza-bots.jsonl', lines)}`);
