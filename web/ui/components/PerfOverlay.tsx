/**
 * Performance figures: frame rate and times, entities, network rate, workers; the allocation plan the world
 * App runs under; every engine system with its recent time, in phase order; and "Save trace", which writes the
 * engine's frames, phases and systems as a Chrome trace (open it in Perfetto).
 */
import { For, Show } from 'solid-js';
import type { LoadForecast, OptimPlan } from '../../engine/metrics';
import type { PluginInfo } from '../../plugins/host';
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
      ? `model${f().inference_ms !== undefined ? `, ${ms(f().inference_ms ?? 0)} ms` : ''}${f().fallback ? ` (moving average where it was the better lately: ${f().fallback})` : ''}`
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
              <tr data-testid="perf-forecast-quantity" data-quantity={p.quantity} data-source={p.source ?? f().source}>
                <td>
                  {p.quantity}
                  {f().source === 'model' && p.source === 'moving-average' ? ' (moving average)' : ''}
                </td>
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

/** The live optimisation plan: threads per role, detail (LOD budget, draw distance, texture memory), and its last changes with why. */
function OptimPlanLine(props: { plan: OptimPlan }) {
  const p = () => props.plan;
  const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
  return (
    <details
      class="sc-perf-systems"
      data-testid="perf-optim-plan"
      data-lod={p().lod_budget_triangles}
      data-draw={p().draw_distance_m}
    >
      <summary>
        live plan: {p().threads.ecs} ECS + {p().threads.ai} AI + {p().threads.decode} decode threads, LOD{' '}
        {(p().lod_budget_triangles / 1e6).toFixed(2)} M tris, draw {Math.round(p().draw_distance_m)} m, textures{' '}
        {mb(p().texture_memory_bytes)}
      </summary>
      <table>
        <tbody>
          <For each={p().adjustments}>
            {(a) => (
              <tr data-testid="perf-optim-adjustment" data-knob={a.knob}>
                <td>{a.knob}</td>
                <td class="sc-num">
                  {Math.round(a.from)} → {Math.round(a.to)}
                </td>
                <td>{a.reason}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </details>
  );
}

export function PerfOverlay(props: {
  perf: PerfView;
  forecast?: LoadForecast | null;
  /** The live optimisation plan (web/ui/live-plan.ts), once a forecast came. */
  optimPlan?: OptimPlan | null;
  plugins?: PluginInfo[];
  onSaveTrace?: () => void;
  /** Dynamic resolution on ('auto') or held at full resolution. */
  onRenderScaleMode?: (mode: 'auto' | 'full') => void;
}) {
  const p = () => props.perf;
  return (
    <section class="sc-panel sc-perf" aria-label="Performance" data-testid="perf">
      <span>{p().fps.toFixed(0)} fps</span>
      <span>
        frame {p().frameMsP50.toFixed(1)} / {p().frameMsP95.toFixed(1)} ms (p50/p95)
      </span>
      {/* Always there (a dash until the renderer has said): a line that comes and goes would move everything under it. */}
      <span
        data-testid="perf-render-work"
        title="The render worker's time per frame until the GPU finished it (render_frame_ms, p50)"
      >
        render {p().renderWorkMsP50 ? `${(p().renderWorkMsP50 ?? 0).toFixed(1)} ms` : '–'}
      </span>
      <span
        data-testid="perf-render-scale"
        data-scale={p().renderScale ?? 1}
        title="Dynamic resolution: while frames take far longer than 50 ms the canvas is drawn at a lower resolution and stretched; it comes back as frames get cheaper"
      >
        resolution {Math.round((p().renderScale ?? 1) * 100)} %{p().renderScaleMode === 'full' ? ' (held full)' : ''}
        <Show when={props.onRenderScaleMode}>
          {(set) => (
            <label class="sc-perf-scale">
              <input
                type="checkbox"
                data-testid="perf-render-scale-auto"
                checked={p().renderScaleMode !== 'full'}
                onChange={(e) => set()(e.currentTarget.checked ? 'auto' : 'full')}
              />{' '}
              auto
            </label>
          )}
        </Show>
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
      <Show when={props.optimPlan}>{(plan) => <OptimPlanLine plan={plan()} />}</Show>
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
      <Show when={(props.plugins ?? []).length > 0}>
        <details class="sc-perf-systems">
          <summary>{(props.plugins ?? []).length} plugins</summary>
          <table data-testid="perf-plugins">
            <tbody>
              <For each={props.plugins ?? []}>
                {(p) => (
                  <tr data-testid="perf-plugin" data-plugin={p.name} data-state={p.state}>
                    <td>{p.name}</td>
                    <td>{p.state}</td>
                    <td class="sc-num">{ms(p.update_ms_p50)} ms</td>
                    <td class="sc-num">{p.events_per_s} ev/s</td>
                    <td class="sc-num">{p.memory_bytes === null ? '–' : `${(p.memory_bytes / 1048576).toFixed(1)} MiB`}</td>
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
