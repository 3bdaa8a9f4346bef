/**
 * Peer-to-peer on/off, with what it costs in privacy said next to it: a peer connection shows your IP address
 * to the visitors you connect to. Off until you turn it on; hidden where the embedding page forbids it. Its data
 * attributes carry the transport's counters (which path motion took).
 */
import { Show } from 'solid-js';
import type { PeerStats } from '../../net/peer-transport';
import type { PeerMotionStats } from '../../world/world-protocol';

export function PeerToggle(props: {
  on: boolean;
  allowed: boolean;
  transport: PeerStats | null;
  world: PeerMotionStats | null;
  onToggle: (on: boolean) => void;
}) {
  return (
    <Show when={props.allowed}>
      <div
        class="sc-p2p"
        data-testid="p2p"
        data-on={String(props.on)}
        data-open={props.transport?.open ?? 0}
        data-wanted={props.transport?.wanted ?? 0}
        data-received={props.transport?.received ?? 0}
        data-sent={props.transport?.sent ?? 0}
        data-fallbacks={props.transport?.fallbacks ?? 0}
        data-applied={props.world?.applied ?? 0}
        data-room-skipped={props.world?.roomSkipped ?? 0}
        data-corrections={props.world?.corrections ?? 0}
        data-probe-peer={props.world?.probe?.peerAt ?? 0}
        data-probe-room={props.world?.probe?.roomAt ?? 0}
        data-probe-peer-sent={props.world?.probe?.peerSentAt ?? 0}
        data-room-frames={props.world?.room.frames ?? 0}
        data-room-bytes={props.world?.room.bytes ?? 0}
        data-ice-servers={props.transport?.iceServers ?? 0}
        data-ice-from={props.transport?.iceFrom ?? 'none'}
      >
        <button
          type="button"
          data-testid="p2p-toggle"
          aria-pressed={props.on}
          title="Peer-to-peer shows your IP address to the nearby visitors you connect to"
          onClick={() => props.onToggle(!props.on)}
        >
          {props.on ? `Direct: on (${props.transport?.open ?? 0})` : 'Direct: off'}
        </button>
        <span class="sc-p2p-note" data-testid="p2p-privacy">
          {props.on
            ? 'Direct connections show your IP address to nearby visitors.'
            : 'Off: turning it on shows your IP address to nearby visitors.'}
        </span>
      </div>
    </Show>
  );
}
