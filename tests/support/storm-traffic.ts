/**
 * Recorded normal traffic per source, one folder per kind of source, each line parsed with a schema:
 * - tests/support/fixtures/storm-traffic (`npm run record:traffic`): per connection of a real room with bots, the
 *   Storm frames and bytes it sent the room each second;
 * - tests/support/fixtures/relay-traffic (`npm run record:relay`): per circuit of the real UDP relay in sessions
 *   against the real OpenSim region, the datagrams and bytes the edge sent the simulator through it each second;
 * - tests/support/fixtures/plugin-traffic (`npm run record:plugins`): per example plugin running in a real viewer,
 *   the bus events it published each second (the bus counts no bytes: `bytes` is all zeros) and, in recordings
 *   made since the detector counts them, its requests of the host each second (`requests`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const STORM_TRAFFIC = fileURLToPath(new URL('./fixtures/storm-traffic', import.meta.url));

/** The kinds of source the detector scores (ai bench, per kind), and each one's recordings. */
export const TRAFFIC_KINDS = ['room', 'relay', 'plugin'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];
const FOLDER: Record<TrafficKind, string> = {
  room: STORM_TRAFFIC,
  relay: fileURLToPath(new URL('./fixtures/relay-traffic', import.meta.url)),
  plugin: fileURLToPath(new URL('./fixtures/plugin-traffic', import.meta.url)),
};

const perSecond = z.array(z.number().int().min(0).max(1_000_000_000)).min(1).max(3600);

/**
 * One source (connection, circuit or plugin): its second of first send in the recording, then events (`frames`) and
 * bytes sent per second; a plugin's line may also carry its requests of the host per second (`requests`: recordings
 * made since the detector counts them).
 */
export const StormTrafficLine = z
  .strictObject({
    source: z.string().regex(/^[\w-]{1,64}$/),
    kind: z.enum(['visitor', 'builder', 'circuit', 'plugin']),
    from: z.number().int().min(0).max(3600),
    frames: perSecond,
    bytes: perSecond,
    requests: perSecond.optional(),
  })
  .refine((l) => l.frames.length === l.bytes.length, { message: 'frames and bytes must cover the same seconds' })
  .refine((l) => l.requests === undefined || l.requests.length === l.frames.length, {
    message: 'requests must cover the same seconds as frames',
  })
  .refine((l) => l.requests === undefined || l.kind === 'plugin', { message: 'only a plugin line carries requests' });
export type StormTrafficLine = z.infer<typeof StormTrafficLine>;

/** Every recorded connection of the room, named by file and source. */
export function loadStormTraffic(): (StormTrafficLine & { recording: string })[] {
  return loadTraffic('room');
}

/** Every recorded source of one kind, named by file and source. */
export function loadTraffic(kind: TrafficKind, folder = FOLDER[kind]): (StormTrafficLine & { recording: string })[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(folder, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l, i) => {
          const parsed = StormTrafficLine.safeParse(JSON.parse(l));
          if (!parsed.success) throw new Error(`storm-traffic: ${kind} ${f} line ${i + 1}: ${parsed.error.issues[0]?.message}`);
          return { ...parsed.data, recording: f.slice(0, -'.jsonl'.length) };
        }),
    );
}
