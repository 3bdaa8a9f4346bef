/**
 * Performance figures: frame rate and times, entities, network rate, workers; the allocation plan the world
 * App runs under; every engine system with its recent time, in phase order; and "Save trace", which writes the
 * engine's frames, phases and systems as a Chrome trace (open it in Perfetto).
 */
import { For, Show } from 'solid-js';
import type { LoadForecast } from '../../engine/metrics';
import type { PerfView } from '../../world/world-snapshot';

/** A rate in KB/s, or B/s below one kilobyte (dead reckoning keeps an idle world under 1 KB/s). */
function rate(kbPerS: number): string {
  return kbPerS >= 1 ? `${kbPerS.toFixed(1)} KB/s` : `${Math.round(kbPerS * 1024)} B/s`;
}

/** Milliseconds with enough digits for sub-millisecond systems. */
function ms(v: number): string {
  return v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3);
}

/** One forecast value in its unit, short. */
function forecastValue(quantity: LoadForecast['predictions'][number]['quantity'], v: number): string {
  if (quantity.endsWith('_ms')) return `${ms(v)} ms`;
  if (quantity === 'worker_busy') return `${Math.round(v * 100)}% busy`;
  if (quantity.endsWith('_per_s')) return rate(v / 1024);
  if (quantity.endsWith('_bytes')) return `${(v / 2 ** 20).toFixed(0)} MB`;
  return v.toFixed(0);
}

/** The load forecast: where it came from (the model, or the moving average and why), and per quantity value and confidence. */
function ForecastLine(props: { forecast: LoadForecast }) {
  const f = () => props.forecast;
  const source = () =>
    f().source === 'model'
      ? `model${f().inference_ms !== undefined ? `, ${ms(f().inference_ms ?? 0)} ms` : ''}`
      : `moving average (${f().fallback ?? 'fallback'})`;
  return (
    <details class="sc-perf-systems" data-testid="perf-forecast" data-source={f().source} data-fallback={f().fallback ?? ''}>
      <summary>
        forecast +{f().horizon_s} s: {source()}
      </summary>
      <table>
        <tbody>
          <For each={f().predictions}>
            {(p) => (
              <tr data-testid="perf-forecast-quantity" data-quantity={p.quantity}>
                <td>{p.quantity}</td>
                <td class="sc-num">{forecastValue(p.quantity, p.value)}</td>
                <td class="sc-num" title="confidence: 1 / (1 + recent normalised MSE)">
                  {Math.round(p.confidence * 100)}%
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </details>
  );
}

export function PerfOverlay(props: { perf: PerfView; forecast?: LoadForecast | null; onSaveTrace?: () => void }) {
  const p = () => props.perf;
  return (
    <section class="sc-panel sc-perf" aria-label="Performance" data-testid="perf">
      <span>{p().fps.toFixed(0)} fps</span>
      <span>
        frame {p().frameMsP50.toFixed(1)} / {p().frameMsP95.toFixed(1)} ms (p50/p95)
      </span>
      <span>{p().entities} entities</span>
      <span>
        net {rate(p().netInKBs)} in / {rate(p().netOutKBs)} out
      </span>
      <span>{p().workers} workers</span>
      <Show when={p().plan}>
        {(plan) => (
          <span
            data-testid="perf-plan"
            title="The allocation plan (threads from the hardware, entity capacity from the memory budget)"
          >
            plan: {plan().hardwareConcurrency} cores → {plan().ecsWorkers} ECS + {plan().aiWorkers} AI workers,{' '}
            {plan().memoryBudgetMB} MB, {plan().entityCapacity.toLocaleString('en')} entities
          </span>
        )}
      </Show>
      <Show when={props.forecast}>{(f) => <ForecastLine forecast={f()} />}</Show>
      <Show when={p().systems.length > 0}>
        <details class="sc-perf-systems">
          <summary>
            engine {ms(p().worldFrameMsP50)} ms/frame, {p().systems.length} systems
          </summary>
          <table data-testid="perf-systems">
            <tbody>
              <For each={p().systems}>
                {(s) => (
                  <tr data-testid="perf-system" data-system={s.name} data-phase={s.phase}>
                    <td>{s.phase}</td>
                    <td>{s.name}</td>
                    <td class="sc-num">{ms(s.meanMs)} ms</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </details>
      </Show>
      <Show when={props.onSaveTrace}>
        {(save) => (
          <button type="button" class="sc-perf-trace" data-testid="save-trace" onClick={() => save()()}>
            Save trace
          </button>
        )}
      </Show>
    </section>
  );
}
