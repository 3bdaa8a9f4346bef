/** The compact overlay of the embedded viewer: the place, a link out to the full viewer, one status line. */
import { Show } from 'solid-js';
import type { BridgeStatus } from '../../embed/bridge';
import { connectionLabel, type WorldView } from '../../world/world-snapshot';
import type { GpuStatus } from './StatusLine';

export interface EmbedOverlayProps {
  /** Short name of the place, or null for a bad link. */
  title: string | null;
  /** The full viewer at the same place (opens in a new tab). */
  fullViewerUrl: string;
  /** Whether this frame is cross-origin isolated (Document-Isolation-Policy took effect). */
  isolated: boolean;
  gpu: GpuStatus;
  bridge: BridgeStatus;
  badLink: { link: string; message: string } | null;
  /** Frames rendered so far (for tests: the view is drawn). */
  frames: number;
  /** The live world's state (connection, you, people). */
  world: WorldView;
  /** Why the live world is not shown (the preview scene is), or null. */
  offline: string | null;
}

const chip = {
  background: 'rgba(8, 14, 26, 0.72)',
  color: '#eef3fa',
  padding: '3px 9px',
  'border-radius': '6px',
  'white-space': 'nowrap',
  overflow: 'hidden',
  'text-overflow': 'ellipsis',
} as const;

const bar = {
  position: 'absolute',
  left: '6px',
  right: '6px',
  display: 'flex',
  gap: '6px',
  'align-items': 'center',
} as const;

export function EmbedOverlay(props: EmbedOverlayProps) {
  const engine = () => {
    const e = props.bridge.engine;
    return e === 'shared-memory'
      ? 'isolated'
      : e === 'single-worker'
        ? 'single-worker mode'
        : e === 'failed'
          ? 'engine stopped'
          : 'starting…';
  };
  const gpu = () => {
    const g = props.gpu;
    if (g.state === 'unavailable') return 'no WebGPU: 3D view off';
    if (g.state === 'lost') return 'GPU restarting…';
    return g.state === 'starting' ? 'GPU starting…' : null;
  };
  const live = () => {
    if (props.offline) return props.offline;
    const c = props.world.connection;
    if (c.state !== 'in-world') return connectionLabel(c);
    const others = props.world.people.filter((p) => !p.self).length;
    return others === 0 ? 'in world' : `in world · ${others} other${others === 1 ? '' : 's'} here`;
  };
  const self = () => props.world.self?.position;
  return (
    <div
      style={{ position: 'fixed', inset: '0', 'pointer-events': 'none', font: '12px/1.4 system-ui, sans-serif' }}
      data-testid="embed-overlay"
      data-frames={props.frames}
    >
      <div style={{ ...bar, top: '6px' }}>
        <Show when={props.title}>
          {(title) => (
            <span style={{ ...chip, 'max-width': '60%' }} data-testid="embed-place" title={title()}>
              {title()}
            </span>
          )}
        </Show>
        <span style={{ flex: '1' }} />
        <a
          href={props.fullViewerUrl}
          target="_blank"
          rel="noopener"
          style={{ ...chip, 'pointer-events': 'auto', 'text-decoration': 'none' }}
          data-testid="embed-open-full"
        >
          Open in StormCore ↗
        </a>
      </div>
      <Show when={props.badLink}>
        {(bad) => (
          <div
            role="alert"
            data-testid="bad-link"
            style={{
              ...chip,
              position: 'absolute',
              top: '50%',
              left: '50%',
              transform: 'translate(-50%, -50%)',
              'white-space': 'normal',
              'max-width': '80%',
              padding: '10px 14px',
              'pointer-events': 'auto',
            }}
          >
            This link does not lead to a place: {bad().message}.{' '}
            <a href="#/fv/plaza" style={{ color: '#9cc8ff' }} data-testid="back-to-demo">
              Show the demo world
            </a>
          </div>
        )}
      </Show>
      <div style={{ ...bar, bottom: '6px' }}>
        <Show when={!props.badLink}>
          <span
            style={{ ...chip, 'max-width': '55%' }}
            role="status"
            data-testid="embed-world"
            data-connection={props.offline ? 'offline' : props.world.connection.state}
            data-self={
              self()
                ? self()
                    ?.map((n) => n.toFixed(2))
                    .join(',')
                : ''
            }
            title={live()}
          >
            {live()}
          </span>
        </Show>
        <span
          style={{ ...chip, opacity: '0.85' }}
          role="status"
          data-testid="embed-isolation"
          data-isolated={String(props.isolated)}
          data-engine={props.bridge.engine}
          data-gpu={props.gpu.state}
          data-answered={props.bridge.answered}
          data-refused={props.bridge.refused}
        >
          {engine()}
          <Show when={gpu()}>{(text) => ` · ${text()}`}</Show>
        </span>
      </div>
    </div>
  );
}
