/**
 * The live world behind a canvas, for the full viewer and the embedded one alike: the world worker wired
 * to the render worker (shared memory and terrain), your input turning the camera and walking your avatar,
 * and a link's Finalverse place joined. Without cross-origin isolation there is no shared memory: the
 * render worker started `withWorld` then runs the world as well (web/workers/render-world.worker.ts);
 * a render worker started without it leaves startLiveWorld to report `world_not_isolated` and return null.
 */
import type { Place } from '../../shared/links/place-link';
import type { PeerMotion } from '../../shared/protocol';
import { createPeerTransport, type PeerStats, type PeerTransport } from '../net/peer-transport';
import { renderCommandOf, type WorldCommand, type WorldEvent } from '../world/world-protocol';
import type { InputIntent } from './input';
import type { RenderHostHandle } from './render-host';
import { startWorldWorker } from './world-host-client';

export interface LiveWorld {
  send(command: WorldCommand): void;
  /** Your input: turns the camera (the render worker follows your avatar) and walks your avatar. */
  steer(intent: InputIntent): void;
  /** Joins a link's Finalverse world at its x/y/z; OpenSim places need a login first (connect-grid). */
  visit(place: Place): void;
  /**
   * Peer-to-peer motion on or off (off until the visitor turns it on: it shows their IP address to nearby
   * visitors). Refused (false) where the page forbids it (an embedding host can).
   */
  setP2p(on: boolean): boolean;
  /** Forbids (false) or allows peer-to-peer on this page; forbidding turns it off at once. */
  setP2pAllowed(allowed: boolean): void;
  /** The peer transport's counters (null while p2p is off or no peers were named yet). */
  peerStats(): PeerStats | null;
  /** Closes the connection to the peer of avatar `entity` as if its route failed (tests of the fallback). */
  dropPeer(entity: number): boolean;
  /** Sends a motion frame to every peer as it is (tests: a peer whose motion disagrees with the room). */
  sendPeerMotion(motion: PeerMotion): number;
  stop(): void;
}

/** Peer-to-peer settings of a page. */
export interface P2pOptions {
  /** False where the page forbids peer-to-peer (the embed API's `p2p: false`); default true. */
  allowed?: boolean;
  /** ICE servers (STUN/TURN); none by default. */
  iceServers?: RTCIceServer[];
}

/** Starts the world worker for `render`; every world event also goes to `onEvent`. */
export function startLiveWorld(
  render: RenderHostHandle,
  onEvent: (event: WorldEvent) => void,
  p2p: P2pOptions = {},
): LiveWorld | null {
  let p2pOn = false;
  let p2pAllowed = p2p.allowed !== false;
  let transport: PeerTransport | null = null;
  let transportKey = '';
  const closeTransport = () => {
    transport?.close();
    transport = null;
    transportKey = '';
  };
  // The world worker's peer events drive the transport (WebRTC lives on the page); the rest go to onEvent.
  const onWorldEvent = (event: WorldEvent) => {
    if (event.type === 'peers') {
      if (!p2pOn || event.self === '') {
        closeTransport();
        return;
      }
      const key = `${event.world}|${event.self}|${event.token}`;
      if (transport === null || key !== transportKey) {
        closeTransport();
        transportKey = key;
        transport = createPeerTransport({
          origin: location.origin,
          world: event.world,
          token: event.token,
          self: event.self,
          ...(p2p.iceServers ? { iceServers: p2p.iceServers } : {}),
          onMotion: (entity, motion) => worker?.send({ type: 'peer-motion', entity, motion }),
        });
      }
      transport.setPeers(event.peers);
      return;
    }
    if (event.type === 'self-motion') {
      transport?.send(event.motion);
      return;
    }
    onEvent(event);
  };
  // Without shared memory the render worker runs the world too (it hands itself memory and terrain).
  const hosted = render.world;
  hosted?.listen(onWorldEvent);
  const worker =
    hosted ??
    startWorldWorker((event) => {
      const forRenderer = renderCommandOf(event);
      if (forRenderer) render.send(forRenderer);
      onWorldEvent(event);
    });
  if (!worker) return null;
  // Your avatar faces where the camera looks: both start facing +Y and turn by the same deltas.
  let yaw = Math.PI / 2;
  return {
    send: (command) => {
      // The renderer fetches a grid session's textures and meshes through its asset route, with its token.
      if (command.type === 'connect-grid')
        render.send({
          type: 'assets',
          source: { origin: command.origin, session: command.socket.slice('/ws/grid/'.length), token: command.token },
        });
      else if (command.type === 'connect') render.send({ type: 'assets', source: null });
      worker.send(command);
    },
    steer: (intent) => {
      yaw += intent.yaw;
      render.send({
        type: 'input',
        intent: { move: [0, 0, 0], yaw: intent.yaw, pitch: intent.pitch, run: intent.run },
        toggleCamera: intent.toggleCamera,
      });
      worker.send({ type: 'input', move: intent.move, yaw, run: intent.run, fly: intent.fly });
    },
    visit: (place) => {
      if (place.kind !== 'fv') {
        // A grid visit starts with its login form: the renderer's texture decoders can load meanwhile.
        render.send({ type: 'prepare-assets' });
        return;
      }
      render.send({ type: 'assets', source: null });
      worker.send({
        type: 'connect',
        origin: location.origin,
        world: place.world,
        kind: 'fv',
        ...(place.position ? { at: [...place.position] } : {}),
      });
    },
    setP2p: (on) => {
      if (on && !p2pAllowed) return false;
      p2pOn = on;
      if (!on) closeTransport();
      worker.send({ type: 'p2p', on });
      return true;
    },
    setP2pAllowed: (allowed) => {
      p2pAllowed = allowed;
      if (!allowed && p2pOn) {
        p2pOn = false;
        closeTransport();
        worker.send({ type: 'p2p', on: false });
      }
    },
    peerStats: () => transport?.stats() ?? null,
    dropPeer: (entity) => transport?.drop(entity) ?? false,
    sendPeerMotion: (motion) => transport?.send(motion) ?? 0,
    stop: () => {
      closeTransport();
      worker.stop();
    },
  };
}

/** Input for a render worker with no world behind it: the camera flies freely. */
export function steerCamera(render: RenderHostHandle, intent: InputIntent): void {
  render.send({
    type: 'input',
    intent: { move: intent.move, yaw: intent.yaw, pitch: intent.pitch, run: intent.run },
    toggleCamera: intent.toggleCamera,
  });
}
