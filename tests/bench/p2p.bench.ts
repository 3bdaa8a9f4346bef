/**
 * Bench p2p (issue 18): input-to-other-screen latency of a visitor's motion through peers (WebRTC DataChannel)
 * and through the room, for the same key presses in the same run, with 2, 4 and 6 visitors of the demo world in
 * headless Chromium. Latency: the key press in A's page (Date.now()) to the first moving update of A arriving
 * in each other visitor's world worker by each path (the world clock's Date.now(): one machine, one clock).
 * Runs inside a private network namespace (tests/support/netns.ts; root), like the p2p e2e test.
 *
 * Also the room's frames per second to all visitors while one walks, with p2p on and with it off (the same walk,
 * the same run): the difference is the room's messages/s saved, measured.
 *
 * Writes bench/results/p2p.json: {"runs": [{visitors, p2p_p50_ms, p2p_p99_ms, room_p50_ms, room_p99_ms,
 * fallbacks, room_msgs_per_s_saved, room_msgs_per_s, room_bytes_per_s, peer_msgs_per_s, p2p_stages_p50_ms,
 * samples}], "ratio_p50": [room p50 / p2p p50 per run]}.
 *   npm run bench -- p2p          (P2P_TRIALS=8 key presses per visitor count)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resultOf, runInNetns } from '../support/netns';
import type { Latencies } from '../support/p2p-scenario';

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

const trials = process.env.P2P_TRIALS ?? '8';
const run = await runInNetns('tests/support/p2p-scenario.ts', ['bench', '2,4,6', trials], 1_500_000);
const results = resultOf<Latencies[]>(run);
const perSecond = (r: Latencies, p2p: boolean, f: (t: Latencies['traffic'][number]) => number) => {
  const t = r.traffic.find((x) => x.p2p === p2p);
  return t && t.seconds > 0 ? Math.round((f(t) / t.seconds) * 10) / 10 : null;
};
const runs = results.map((r) => {
  const roomOn = perSecond(r, true, (t) => t.roomFrames);
  const roomOff = perSecond(r, false, (t) => t.roomFrames);
  return {
    visitors: r.visitors,
    p2p_p50_ms: percentile(r.peer, 50),
    p2p_p99_ms: percentile(r.peer, 99),
    room_p50_ms: percentile(r.room, 50),
    room_p99_ms: percentile(r.room, 99),
    fallbacks: r.fallbacks,
    // Frames the room sent all visitors per second while one walked: with p2p off minus with it on (measured).
    room_msgs_per_s_saved: roomOn !== null && roomOff !== null ? Math.round((roomOff - roomOn) * 10) / 10 : null,
    room_msgs_per_s: { p2p_on: roomOn, p2p_off: roomOff },
    room_bytes_per_s: { p2p_on: perSecond(r, true, (t) => t.roomBytes), p2p_off: perSecond(r, false, (t) => t.roomBytes) },
    peer_msgs_per_s: perSecond(r, true, (t) => t.peerFrames),
    // The peer path split at the sender's stamp: key press to sent (input, world frame), sent to drawn (page,
    // DataChannel, the receiver's world frame).
    p2p_stages_p50_ms: { press_to_sent: percentile(r.peerSender, 50), sent_to_drawn: percentile(r.peerTransit, 50) },
    samples: { p2p: r.peer.length, room: r.room.length },
    open_channels: r.open,
  };
});
const report = {
  suite: 'p2p',
  date: new Date().toISOString(),
  node: process.version,
  runs,
  ratio_p50: runs.map((r) => (r.p2p_p50_ms && r.room_p50_ms ? r.room_p50_ms / r.p2p_p50_ms : null)),
};
const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}p2p.json`, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
