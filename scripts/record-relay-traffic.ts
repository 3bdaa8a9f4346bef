/**
 * `npm run record:relay`: records what the UDP relay's anomaly detector sees — datagrams and bytes a second per
 * circuit — in real sessions against the real OpenSim region (../shared/opensim, OPENSIM_LOGIN_URI): the real dev
 * server (viewer + edge in workerd; its GridSession opens the circuits) and the real relay (edge/relay, started
 * here on the port wrangler.toml's RELAY_URL names, with `onObserve` counting each datagram as its detector does).
 * Headless visitors (web/visit, in this process) log in, walk, chat, fetch the region's assets, log out and come
 * back, alone and in groups of bots, so the recording holds many circuits of different lengths. Bot accounts
 * (`Bot<i> Storm`, `Walker<i> Storm`) are created through the region console when missing (as the interop bench does).
 * Written to tests/support/fixtures/relay-traffic/opensim-visits.jsonl (or RECORD_OUT), one line per circuit (the
 * schema in tests/support/storm-traffic.ts). Harness: tests/support/recorder.ts. Run it under the test lock: it takes the relay's fixed port.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRelayConfig } from '../edge/relay/config';
import { createRelay } from '../edge/relay/relay';
import { relayPortFromWrangler } from '../tests/interop/grid-client';
import {
  countInSecond,
  ORIGIN,
  RECORD_SECONDS,
  recorderLog,
  recordingDir,
  type SecondCounts,
  sleep,
  startServer,
  until,
  WANDER,
  writeJsonl,
} from '../tests/support/recorder';
import { StormTrafficLine } from '../tests/support/storm-traffic';
import { parseVisitArgs } from '../web/visit/options';
import { runVisit } from '../web/visit/visit';
import { nodeSocket } from './visit';

const OUT = recordingDir('relay-traffic');
const REGION_SH = fileURLToPath(new URL('../../shared/opensim/region.sh', import.meta.url));
const LOGIN_URI = process.env.OPENSIM_LOGIN_URI ?? '';
const FIRST = process.env.OPENSIM_FIRST ?? 'Test';
const LAST = process.env.OPENSIM_LAST ?? 'User';
const PASSWORD = process.env.OPENSIM_PASSWORD ?? 'password';
const log = recorderLog('record-relay');

if (LOGIN_URI === '') {
  log('OPENSIM_LOGIN_URI is not set: start the region (../shared/opensim/region.sh start) and export its lines');
  process.exit(2);
}

/** Creates `<first><i> Storm` (i = 1..count) through the region console when missing. */
function ensureAccounts(first: string, count: number): void {
  const env = { ...process.env, OPENSIM_PORT: new URL(LOGIN_URI).port || '9000', OPENSIM_CONSOLE_WAIT: '3' };
  const run = (cmd: string) =>
    execFileSync(REGION_SH, ['console', cmd], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  for (let i = 1; i <= count; i++) {
    if (!/No user named/.test(run(`show account ${first}${i} Storm`))) continue;
    const n = first.length * 100 + i;
    const id = `00000000-0000-4000-8000-${(0xb0710000000 + n).toString(16).padStart(12, '0')}`;
    run(`create user ${first}${i} Storm password ${first.toLowerCase()}${i}@example.invalid ${id} Ruth`);
    if (/No user named/.test(run(`show account ${first}${i} Storm`))) throw new Error(`the console did not create ${first}${i}`);
  }
}

let t0 = Date.now();
const circuits = new Map<string, SecondCounts>();

/** Counts one datagram from the edge on `circuit` in its second, as the relay's detector counts it. */
function count(circuit: string, bytes: number): void {
  let c = circuits.get(circuit);
  if (!c) {
    c = { from: -1, events: [], bytes: [] };
    circuits.set(circuit, c);
  }
  countInSecond(c, Math.floor((Date.now() - t0) / 1000), bytes);
}

/** `count` visitors `<first><i> Storm`, logging in 3 s apart (OpenSim 0.9.2.2 fails logins that arrive together). */
async function group(label: string, first: string, count: number, extra: string[]): Promise<void> {
  const runs: Promise<void>[] = [];
  for (let i = 1; i <= count; i++) {
    runs.push(visit(`${label}: ${first}${i}`, extra, [`${first}${i}`, 'Storm']));
    await sleep(3000);
  }
  await Promise.all(runs);
}

/** One `visit` run of one account in the region; never throws. */
async function visit(label: string, extra: string[], account: [string, string] = [FIRST, LAST]): Promise<void> {
  log(`${label} (${circuits.size} circuits so far)`);
  try {
    const options = parseVisitArgs(
      [LOGIN_URI, '--first', account[0], '--last', account[1], '--password', PASSWORD, '--edge', ORIGIN, ...extra],
      {},
    );
    const outcome = await runVisit(options, {
      fetch: (input, init) => fetch(input, init),
      createSocket: nodeSocket,
      now: () => performance.now(),
      log: () => undefined,
    });
    if (outcome.exitCode !== 0)
      log(`${label}: visit ended with code ${outcome.exitCode}: ${JSON.stringify(outcome.json).slice(0, 200)}`);
  } catch (err) {
    log(`${label} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

ensureAccounts('Bot', 3);
ensureAccounts('Walker', 2);
const relay = await createRelay(parseRelayConfig({ port: relayPortFromWrangler(), logLevel: 'warn' }), {
  onObserve: count,
});
const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-relay-traffic-'));
const stop = await startServer(stateDir);
log(`server up on ${ORIGIN}, relay on ${relay.port}`);
t0 = Date.now();
const at = (s: number) => until(t0, s);
const runs: Promise<unknown>[] = [
  visit('the main visitor walks and says hello', [
    '--seconds',
    String(RECORD_SECONDS - 15),
    '--walk',
    WANDER,
    '--say',
    'hello relay',
  ]),
];
await at(15);
runs.push(group('bots join and walk', 'Bot', 3, ['--seconds', '60', '--walk', WANDER]));
await at(45);
runs.push(visit('a walker fetches the region assets', ['--seconds', '20', '--assets'], ['Walker1', 'Storm']));
await at(85);
runs.push(group('walkers join and chat', 'Walker', 2, ['--seconds', '35', '--walk', WANDER, '--say', 'hi']));
await at(100);
runs.push(
  (async () => {
    // Short sessions, one after the other: log in, look, leave.
    for (let i = 0; i < 3; i++)
      await visit(`bot 3 comes back (${i + 1})`, ['--seconds', '6', '--say', `back ${i}`], ['Bot3', 'Storm']);
  })(),
);
await Promise.allSettled(runs);
await stop();
await relay.close();
rmSync(stateDir, { recursive: true, force: true });
const lines = [...circuits.entries()]
  .filter(([, c]) => c.events.length >= 5)
  .map(([id, c]) =>
    JSON.stringify(
      StormTrafficLine.parse({ source: `circuit-${id}`, kind: 'circuit', from: c.from, frames: c.events, bytes: c.bytes }),
    ),
  );
log(`${lines.length} circuits → ${writeJsonl(OUT, 'opensim-visits.jsonl', lines)}`);
