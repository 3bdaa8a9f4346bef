/** Asks the edge whether it is up (GET /api/health) and parses the answer with a schema. */
import { z } from 'zod';

const HealthSchema = z.object({ ok: z.literal(true), service: z.string().max(64), version: z.string().max(64) });

/** What the status line shows about the edge. */
export type EdgeHealth = { state: 'checking' } | { state: 'healthy'; version: string } | { state: 'down'; reason: string };

/** Fetches /api/health once; never throws. */
export async function checkEdgeHealth(fetcher: typeof fetch = fetch): Promise<EdgeHealth> {
  try {
    const res = await fetcher('/api/health', { cache: 'no-store' });
    if (!res.ok) return { state: 'down', reason: `edge answered HTTP ${res.status}` };
    const parsed = HealthSchema.safeParse(await res.json());
    if (!parsed.success) return { state: 'down', reason: 'edge answered something that is not a health report' };
    return { state: 'healthy', version: parsed.data.version };
  } catch (err) {
    return { state: 'down', reason: `edge unreachable: ${String(err)}` };
  }
}
