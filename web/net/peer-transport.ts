/**
 * The peer transport beside the room: the stock `peerjs` client against our edge's SignalRoom
 * (`/p2p/<world>/`), one WebRTC connection per peer the room named, and on it one negotiated, unordered,
 * unreliable DataChannel (no retransmits) that carries peer motion frames (shared/protocol/peer-motion.ts) at
 * the input rate. It runs on the page, because browsers give workers no RTCPeerConnection. Whatever fails
 * (no route, blocked WebRTC, a peer gone) only closes that peer's channel: its motion keeps coming from the
 * room, silently. Of each pair, the side with the smaller peer id calls. The ICE servers (STUN/TURN) come from
 * the edge's configuration (GET /p2p/<world>/ice, none by default) unless the page gives its own.
 */
import { type DataConnection, Peer } from 'peerjs';
import {
  decodePeerMotion,
  encodePeerMotion,
  IceConfig,
  type IceServer,
  MAX_ICE_CONFIG_BYTES,
  type PeerLink,
  type PeerMotion,
  ProtocolError,
} from '../../shared/protocol';

/** The negotiated channel's id on every peer connection (peerjs's own channel takes the low ids). */
const MOTION_CHANNEL_ID = 1000;
/** A wanted peer whose connection failed is tried again after this long (ms). */
export const PEER_RETRY_MS = 5000;

/** What the transport counts (the HUD shows it; tests assert the path motion took). */
export interface PeerStats {
  /** The signalling socket is open. */
  signalling: boolean;
  /** Peers the room named. */
  wanted: number;
  /** Motion channels open now. */
  open: number;
  sent: number;
  received: number;
  /** Frames from a peer that did not decode (refused, never applied). */
  refused: number;
  /** Connections that failed or closed while still wanted: their motion fell back to the room. */
  fallbacks: number;
  /** ICE servers in use, and where they came from ('edge', 'page'; 'none' while loading or when the edge failed). */
  iceServers: number;
  iceFrom: 'edge' | 'page' | 'none';
  /** Why the edge's ICE servers could not be used (then none are: loopback and LANs still connect), else null. */
  iceError: string | null;
}

export interface PeerTransportOptions {
  /** The page's origin, e.g. `http://127.0.0.1:5173` (signalling is same-origin). */
  origin: string;
  world: string;
  /** The visitor's access token for the world: the SignalRoom admits the socket with it. */
  token: string;
  /** The visitor's own peer id, as the room said (bound to the token). */
  self: string;
  /** ICE servers (STUN/TURN) the page gives; without them the edge's configuration is fetched (none by default). */
  iceServers?: RTCIceServer[];
  /** A motion frame from the peer of avatar `entity`, decoded and checked. */
  onMotion(entity: number, motion: PeerMotion): void;
}

export interface PeerTransport {
  /** The peers the room lets this visitor connect to now (connections to others are closed). */
  setPeers(links: readonly PeerLink[]): void;
  /** Sends your motion to every open channel; returns how many it went to. */
  send(motion: PeerMotion): number;
  stats(): PeerStats;
  /** Closes one peer's connection as if its route failed (the e2e test of the fallback uses it). */
  drop(entity: number): boolean;
  close(): void;
}

interface Link {
  entity: number;
  conn: DataConnection | null;
  channel: RTCDataChannel | null;
  lastSeq: number;
  retryAt: number;
}

/** Starts signalling and keeps one motion channel per wanted peer. */
export function createPeerTransport(options: PeerTransportOptions): PeerTransport {
  const url = new URL(options.origin);
  const secure = url.protocol === 'https:';
  const stats: PeerStats = {
    signalling: false,
    wanted: 0,
    open: 0,
    sent: 0,
    received: 0,
    refused: 0,
    fallbacks: 0,
    iceServers: 0,
    iceFrom: 'none',
    iceError: null,
  };
  const links = new Map<string, Link>();
  let closed = false;
  /** The signalling peer, once the ICE servers are known. */
  let peer: Peer | null = null;

  const countOpen = () => {
    let n = 0;
    for (const l of links.values()) if (l.channel?.readyState === 'open') n++;
    stats.open = n;
  };

  const fail = (id: string, l: Link) => {
    const wasUp = l.conn !== null;
    l.channel?.close();
    l.conn?.close();
    l.channel = null;
    l.conn = null;
    if (wasUp && links.get(id) === l) {
      stats.fallbacks++;
      l.retryAt = Date.now() + PEER_RETRY_MS;
    }
    countOpen();
  };

  /** The motion channel on a peerjs connection's RTCPeerConnection, both sides with the same id. */
  const attach = (id: string, l: Link, conn: DataConnection) => {
    l.conn = conn;
    conn.on('open', () => {
      const pc = conn.peerConnection;
      if (closed || links.get(id) !== l || !pc) return;
      const channel = pc.createDataChannel('storm-motion', {
        negotiated: true,
        id: MOTION_CHANNEL_ID,
        ordered: false,
        maxRetransmits: 0,
      });
      channel.binaryType = 'arraybuffer';
      l.channel = channel;
      channel.onopen = countOpen;
      channel.onclose = () => {
        if (l.channel === channel) fail(id, l);
      };
      channel.onmessage = (ev: MessageEvent) => {
        if (!(ev.data instanceof ArrayBuffer)) {
          stats.refused++;
          return;
        }
        let m: PeerMotion;
        try {
          m = decodePeerMotion(new Uint8Array(ev.data));
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          stats.refused++;
          return;
        }
        // Unordered: anything older than what was shown is dropped (sequence numbers wrap at 2^32).
        if (l.lastSeq >= 0 && (m.seq - l.lastSeq) >>> 0 >= 0x80000000) return;
        if (m.seq === l.lastSeq) return;
        l.lastSeq = m.seq;
        stats.received++;
        options.onMotion(l.entity, m);
      };
    });
    conn.on('close', () => {
      if (l.conn === conn) fail(id, l);
    });
    conn.on('error', () => {
      if (l.conn === conn) fail(id, l);
    });
    conn.on('iceStateChanged', (state) => {
      if ((state === 'failed' || state === 'disconnected') && l.conn === conn) fail(id, l);
    });
  };

  const call = (id: string, l: Link) => {
    if (closed || !peer || !stats.signalling || l.conn !== null || Date.now() < l.retryAt) return;
    // The smaller id calls; the other side waits for the call.
    if (options.self >= id) return;
    const conn = peer.connect(id, { reliable: false, serialization: 'raw' });
    if (conn) attach(id, l, conn);
  };

  const start = (iceServers: RTCIceServer[]): void => {
    if (closed) return;
    stats.iceServers = iceServers.length;
    const p = new Peer(options.self, {
      host: url.hostname,
      port: Number(url.port || (secure ? 443 : 80)),
      path: `/p2p/${options.world}/`,
      secure,
      key: 'peerjs',
      token: options.token,
      config: { iceServers },
      debug: 0,
    });
    peer = p;
    p.on('open', () => {
      stats.signalling = true;
      for (const [id, l] of links) call(id, l);
    });
    p.on('connection', (conn) => {
      const l = links.get(conn.peer);
      // Only the peers the room named may connect.
      if (!l || closed) {
        conn.close();
        return;
      }
      if (l.conn) fail(conn.peer, l);
      attach(conn.peer, l, conn);
    });
    p.on('error', () => {
      // Signalling or a peer failed: the room carries everyone's motion meanwhile; the connection retries.
    });
    p.on('disconnected', () => {
      stats.signalling = false;
      if (!closed) setTimeout(() => !closed && p.disconnected && !p.destroyed && p.reconnect(), PEER_RETRY_MS);
    });
  };
  if (options.iceServers) {
    stats.iceFrom = 'page';
    start(options.iceServers);
  } else {
    fetchIceServers(fetch, url.origin, options.world, options.token).then(
      (servers) => {
        stats.iceFrom = 'edge';
        start(servers);
      },
      (err: unknown) => {
        stats.iceError = err instanceof Error ? err.message : String(err);
        start([]);
      },
    );
  }

  const retryTimer = setInterval(() => {
    for (const [id, l] of links) call(id, l);
  }, 1000);

  return {
    setPeers(next) {
      const keep = new Set(next.map((p) => p.peer));
      for (const [id, l] of links)
        if (!keep.has(id)) {
          links.delete(id);
          l.channel?.close();
          l.conn?.close();
        }
      for (const p of next) {
        const l = links.get(p.peer);
        if (l) l.entity = p.entity;
        else {
          const fresh: Link = { entity: p.entity, conn: null, channel: null, lastSeq: -1, retryAt: 0 };
          links.set(p.peer, fresh);
          call(p.peer, fresh);
        }
      }
      stats.wanted = links.size;
      countOpen();
    },
    send(motion) {
      let bytes: Uint8Array | null = null;
      let n = 0;
      for (const l of links.values()) {
        if (l.channel?.readyState !== 'open') continue;
        bytes ??= encodePeerMotion(motion);
        try {
          l.channel.send(bytes as Uint8Array<ArrayBuffer>);
          n++;
        } catch {
          // Closing under us: its close handler falls back.
        }
      }
      stats.sent += n;
      return n;
    },
    stats: () => ({ ...stats }),
    drop(entity) {
      for (const [id, l] of links)
        if (l.entity === entity && l.conn) {
          fail(id, l);
          return true;
        }
      return false;
    },
    close() {
      closed = true;
      clearInterval(retryTimer);
      for (const l of links.values()) {
        l.channel?.close();
        l.conn?.close();
      }
      links.clear();
      peer?.destroy();
    },
  };
}

/**
 * The edge's ICE servers for `world` (GET /p2p/<world>/ice with the visitor's token), size- and schema-checked;
 * rejects with a `p2p:` message when the edge refuses or answers something else.
 */
export async function fetchIceServers(doFetch: typeof fetch, origin: string, world: string, token: string): Promise<IceServer[]> {
  const res = await doFetch(`${origin}/p2p/${world}/ice`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`p2p: the edge gave no ICE servers (HTTP ${res.status}: ${text.slice(0, 200)})`);
  if (text.length > MAX_ICE_CONFIG_BYTES) throw new Error(`p2p: the ICE configuration is over ${MAX_ICE_CONFIG_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('p2p: the ICE configuration is not JSON');
  }
  const parsed = IceConfig.safeParse(json);
  if (!parsed.success)
    throw new Error(`p2p: the ICE configuration is malformed (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data.iceServers;
}
