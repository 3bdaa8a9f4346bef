/** Performance figures: frame rate and times, entities, network rate, workers. */
import type { PerfView } from '../../world/world-snapshot';

/** A rate in KB/s, or B/s below one kilobyte (dead reckoning keeps an idle world under 1 KB/s). */
function rate(kbPerS: number): string {
  return kbPerS >= 1 ? `${kbPerS.toFixed(1)} KB/s` : `${Math.round(kbPerS * 1024)} B/s`;
}

export function PerfOverlay(props: { perf: PerfView }) {
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
    </section>
  );
}
