/**
 * Reads the committed load-trace corpus (tests/support/fixtures/load-traces/{train,heldout}/*.jsonl: headless visits,
 * what the model is trained and judged on; viewer/*.jsonl: recorded in the viewer, with the render worker's frame time).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace } from '../../web/ai/load-features';
import { type MetricSnapshot, parseMetricSnapshot } from '../../web/engine/metrics';

export const LOAD_TRACES = fileURLToPath(new URL('./fixtures/load-traces', import.meta.url));

export interface Recording {
  readonly name: string;
  readonly snapshots: MetricSnapshot[];
}

/** The recordings of one split, by name, each parsed with the engine's snapshot schema. */
export function loadRecordings(split: 'train' | 'heldout' | 'viewer'): Recording[] {
  const dir = join(LOAD_TRACES, split);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => ({
      name: f.slice(0, -'.jsonl'.length),
      snapshots: parseTrace(readFileSync(join(dir, f), 'utf8'), parseMetricSnapshot, `${split}/${f}`),
    }));
}
