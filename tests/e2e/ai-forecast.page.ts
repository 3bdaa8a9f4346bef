/** Runs in Chromium (served by Vite through /@fs): the viewer's AI worker, started as the viewer starts it. */
import type { AiEvent } from '../../web/ai/ai-protocol';
import type { LoadForecast, MetricSnapshot } from '../../web/engine/metrics';
import { startAiWorker } from '../../web/ui/ai-client';

const events: AiEvent[] = [];
let waiters: (() => void)[] = [];
const client = startAiWorker((e) => {
  events.push(e);
  for (const w of waiters) w();
  waiters = [];
});

async function until<T>(pick: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = pick();
    if (v !== undefined) return v;
    if (performance.now() > deadline)
      throw new Error(`e2e: no ${what} from the AI worker within ${ms} ms: ${JSON.stringify(events.slice(-3))}`);
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 200);
    });
  }
}

/** Whether the model loaded, and with how many threads. */
export async function ready(): Promise<{ model: boolean; threads: number; errors: string[] }> {
  const r = await until(() => events.find((e) => e.type === 'ready'), 'ready');
  const errors = events.flatMap((e) => (e.type === 'error' ? [e.message] : []));
  return r.type === 'ready' ? { model: r.model, threads: r.threads, errors } : { model: false, threads: 0, errors };
}

/** The model's raw outputs for each window, and the worker's time per run. */
export async function run(windows: number[][]): Promise<{ outputs: number[][]; ms: number[] }> {
  const outputs: number[][] = [];
  const ms: number[] = [];
  for (const [id, window] of windows.entries()) {
    client.send({ type: 'run', id, window });
    const ran = await until(() => events.find((e) => e.type === 'ran' && e.id === id), `run ${id}`);
    if (ran.type === 'ran') {
      outputs.push(ran.output);
      ms.push(ran.ms);
    }
  }
  return { outputs, ms };
}

/** The forecasts for a recorded trace, snapshot by snapshot. */
export async function forecast(snapshots: MetricSnapshot[]): Promise<LoadForecast[]> {
  const out: LoadForecast[] = [];
  for (const s of snapshots) {
    const seen = events.length;
    client.send({ type: 'snapshot', snapshot: s });
    const f = await until(() => events.slice(seen).find((e) => e.type === 'forecast'), 'forecast');
    if (f.type === 'forecast') out.push(f.forecast);
  }
  return out;
}
