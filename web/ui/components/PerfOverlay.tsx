/** Performance figures: frame rate and times, entities, network rate, workers. */
import type { PerfView } from '../../world/world-snapshot';

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
        net {p().netInKBs.toFixed(1)} in / {p().netOutKBs.toFixed(1)} out KB/s
      </span>
      <span>{p().workers} workers</span>
    </section>
  );
}
