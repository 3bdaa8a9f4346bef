/**
 * The recorded Storm traffic (tests/support/fixtures/storm-traffic/*.jsonl, written by `npm run record:traffic`):
 * per connection of a real room with bots, the frames and bytes it sent the room each second. Parsed with a schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const STORM_TRAFFIC = fileURLToPath(new URL('./fixtures/storm-traffic', import.meta.url));

const perSecond = z.array(z.number().int().min(0).max(1_000_000_000)).min(1).max(3600);

/** One connection: its second of first send in the recording, then frames and bytes sent per second. */
export const StormTrafficLine = z
  .strictObject({
    source: z.string().regex(/^[\w-]{1,64}$/),
    kind: z.enum(['visitor', 'builder']),
    from: z.number().int().min(0).max(3600),
    frames: perSecond,
    bytes: perSecond,
  })
  .refine((l) => l.frames.length === l.bytes.length, { message: 'frames and bytes must cover the same seconds' });
export type StormTrafficLine = z.infer<typeof StormTrafficLine>;

/** Every recorded connection, named by file and source. */
export function loadStormTraffic(): (StormTrafficLine & { recording: string })[] {
  return readdirSync(STORM_TRAFFIC)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(STORM_TRAFFIC, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l, i) => {
          const parsed = StormTrafficLine.safeParse(JSON.parse(l));
          if (!parsed.success) throw new Error(`storm-traffic: ${f} line ${i + 1}: ${parsed.error.issues[0]?.message}`);
          return { ...parsed.data, recording: f.slice(0, -'.jsonl'.length) };
        }),
    );
}
