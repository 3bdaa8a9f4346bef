/**
 * One simulator of a grid visit: its LLUDP circuit (through the relay), its objects and terrain, its seed
 * capability and event queue. A visit has one root region (where the avatar is) and child regions (neighbours
 * within draw distance, opened on EnableSimulator / EstablishAgentCommunication). All of them use the login's
 * circuit code, agent id and session id. The GridClient drives them; this holds one region's state.
 */
import type { Packet } from '../../shared/lludp';
import type { RegionInfo } from '../../shared/protocol';
import type { AssetCapability } from './assets';
import { Circuit } from './circuit';
import type { CircuitTransport } from './grid-client';
import { GridScene } from './scene';
import { GridTerrain } from './terrain';

/** A simulator's UDP address. */
export interface SimAddress {
  ip: string;
  port: number;
}

/** A region handle (global metres of its south-west corner, x << 32 | y) from its corner. */
export function regionHandle(x: number, y: number): bigint {
  return (BigInt(Math.trunc(x)) << 32n) | BigInt(Math.trunc(y) >>> 0);
}

/** A region handle's corner in global metres. */
export function handleCorner(handle: bigint): [number, number] {
  return [Number((handle >> 32n) & 0xffffffffn), Number(handle & 0xffffffffn)];
}

/** Prim names to ask for, and children selected to learn theirs (deselected when their properties arrive). */
interface NameWork {
  queue: { id: number; uuid: string; child: boolean }[];
  selected: Map<string, number>;
}

/** One region's circuit and content (see the module comment). */
export class RegionLink {
  readonly scene = new GridScene();
  readonly terrain: GridTerrain;
  readonly circuit: Circuit;
  /** The region's name, from its RegionHandshake ('' before it). */
  name = '';
  /** The region's ground and water from its latest RegionHandshake (null before it). */
  regionInfo: RegionInfo | null = null;
  /** Counts RegionHandshakes, so the session can tell a newer region_info from the one it sent. */
  regionInfoVersion = 0;
  transport: CircuitTransport | null = null;
  /** UseCircuitCode's sequence number (-1 before it was sent). */
  useCircuitSeq = -1;
  /** The circuit is acknowledged (UseCircuitCode acked). */
  opened = false;
  /** A RegionHandshake came (and was answered). */
  handshaken = false;
  /** When the link was made (ms, the client's clock). */
  readonly createdAt: number;
  /** Aborts this region's seed request and event-queue poll. */
  readonly poll = new AbortController();
  /** The seed capability was asked (once per seed URL). */
  seedAsked = '';
  /** The region's EventQueueGet capability (from its seed), and whether it is being long-polled. */
  eventQueue: URL | null = null;
  polling = false;
  /**
   * Asset capabilities (ViewerAsset, GetTexture, GetMesh, GetMesh2) this region's seed granted. Kept on the
   * edge: the asset route fetches through them for the visitor; they never reach the browser.
   */
  readonly assetCaps = new Map<AssetCapability, URL>();
  /** The visitor's avatar's local id in this region (0 while it has none). */
  avatarId = 0;
  /** When this region last moved the visitor's avatar (ms; 0 never). */
  lastSelfUpdate = 0;
  closed = false;
  readonly names: NameWork = { queue: [], selected: new Map() };

  constructor(
    readonly handle: bigint,
    readonly sim: SimAddress,
    readonly size: [number, number],
    public seed: string,
    hooks: { now: () => number; onPacket: (link: RegionLink, p: Packet) => void },
  ) {
    this.createdAt = hooks.now();
    this.terrain = new GridTerrain(size[0], size[1]);
    this.circuit = new Circuit(
      {
        send: (d) => this.transport?.send(d),
        onPacket: (p) => hooks.onPacket(this, p),
      },
      hooks.now,
    );
  }

  /** The handle as a map key. */
  get key(): string {
    return this.handle.toString();
  }

  /** The region's south-west corner in global metres. */
  get corner(): [number, number] {
    return handleCorner(this.handle);
  }

  /** Distance (metres, in the plane) from a global point to this region's rectangle (0 inside). */
  distanceTo(gx: number, gy: number): number {
    const [x0, y0] = this.corner;
    const dx = gx < x0 ? x0 - gx : gx > x0 + this.size[0] ? gx - x0 - this.size[0] : 0;
    const dy = gy < y0 ? y0 - gy : gy > y0 + this.size[1] ? gy - y0 - this.size[1] : 0;
    return Math.hypot(dx, dy);
  }

  /** Stops the poll and closes the transport. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.poll.abort();
    try {
      this.transport?.close(code, reason.slice(0, 100));
    } catch {
      // Already closed.
    }
  }
}
