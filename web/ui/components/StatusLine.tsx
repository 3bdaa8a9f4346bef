/** One line at the bottom of the viewer: isolation, GPU adapter, edge health. */
import { Show } from 'solid-js';
import type { AdapterSummary } from '../../render/render-protocol';
import type { EdgeHealth } from '../edge-health';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: AdapterSummary }
  | { state: 'unavailable'; reason: string }
  | { state: 'lost'; reason: string };

export interface StatusLineProps {
  pageIsolated: boolean;
  workerIsolated: boolean | null;
  gpu: GpuStatus;
  edge: EdgeHealth;
}

const style = {
  position: 'fixed',
  left: '0',
  right: '0',
  bottom: '0',
  display: 'flex',
  gap: '1.25em',
  'flex-wrap': 'nowrap',
  overflow: 'hidden',
  'white-space': 'nowrap',
  padding: '4px 10px',
  font: '12px/1.5 system-ui, sans-serif',
  color: '#e8eef7',
  background: 'rgba(8, 14, 26, 0.72)',
} as const;

export function StatusLine(props: StatusLineProps) {
  const isolation = () => {
    if (!props.pageIsolated) return 'not isolated (slower single-worker mode)';
    if (props.workerIsolated === false) return 'page isolated, workers not';
    return 'cross-origin isolated';
  };
  const gpu = () => {
    const g = props.gpu;
    switch (g.state) {
      case 'starting':
        return 'GPU: starting…';
      case 'ready':
        return `GPU: ${g.adapter.vendor} ${g.adapter.architecture}${g.adapter.isFallback ? ' (software)' : ''}`;
      case 'unavailable':
        return `GPU: none. ${g.reason} The 3D view cannot be shown; chat, map and links still work.`;
      case 'lost':
        return `GPU: device lost (${g.reason}); restarting…`;
    }
  };
  const edge = () => {
    const e = props.edge;
    if (e.state === 'checking') return 'edge: checking…';
    if (e.state === 'healthy') return `edge: healthy (v${e.version})`;
    return `edge: down (${e.reason})`;
  };
  return (
    <footer style={style} role="status" data-testid="status-line">
      <span data-testid="status-isolation" data-isolated={String(props.pageIsolated && props.workerIsolated !== false)}>
        {isolation()}
      </span>
      <span
        data-testid="status-gpu"
        data-state={props.gpu.state}
        title={gpu()}
        style={{ overflow: 'hidden', 'text-overflow': 'ellipsis', 'min-width': '0' }}
      >
        {gpu()}
      </span>
      <span data-testid="status-edge" data-state={props.edge.state}>
        {edge()}
      </span>
      <Show when={props.gpu.state === 'unavailable'}>
        <span data-testid="status-no-webgpu" hidden />
      </Show>
    </footer>
  );
}
