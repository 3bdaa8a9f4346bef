/**
 * The world map of a grid session: Storm `map_request`s become MapBlockRequest / MapNameRequest, MapBlockReply
 * blocks become protocol MapRegions (kept in a cache by grid x,y), and each request is answered once, with the
 * regions that arrived for it. No I/O of its own: the session injects `send` (its LLUDP circuit) and gets answers
 * through `onAnswer`; timers are injectable for tests.
 *
 * Coalescing: a grid answers one request in one or more MapBlockReply packets (OpenSim sends up to 10 blocks per
 * packet, 50 ms apart) and never says "done" for a rectangle. A request is therefore answered MAP_SETTLE_MS after
 * the last block that fell in it, or MAP_TIMEOUT_MS after it was sent with whatever came (possibly nothing: an
 * empty stretch of grid may get no reply at all). A name search ends at once at its terminator block (OpenSim:
 * Access 255 at 0,0, the searched name echoed).
 */
import { fieldText, isMessage, type Message, type MessageOf, textField } from '../../shared/lludp';
import {
  MAX_MAP_REGIONS,
  MAX_NAME_BYTES,
  MAX_REGION_SIZE,
  type MapRegion,
  type MapRequest,
  mapRequestProblem,
  utf8Length,
} from '../../shared/protocol';
import { GridError } from './errors';

/** Quiet time after the last block of a request before it is answered (ms). */
export const MAP_SETTLE_MS = 200;
/** Longest wait for a request's blocks; then it is answered with what came (ms). */
export const MAP_TIMEOUT_MS = 4000;
/** Requests in flight at once; more are refused (grid_map_busy), so a client cannot flood the grid. */
export const MAX_PENDING_MAP_REQUESTS = 4;
/** Regions kept in the cache; the oldest entries go first beyond this. */
export const MAX_CACHED_REGIONS = 4096;
/**
 * MapBlockRequest / MapNameRequest Flags: the map layer. 0 asks for the map tile images (OpenSim answers 2, the
 * viewer's other layer, with the nil image).
 */
export const MAP_LAYER_FLAGS = 0;
/**
 * Flag bit "answer an empty tile with a placeholder block": set, as viewers do, only when one tile is asked for
 * (a rectangle would get a placeholder per empty tile, 10 per packet 50 ms apart on OpenSim).
 */
export const MAP_RETURN_EMPTY = 0x10000;
/** Access byte of a block that names no region (OpenSim's empty-tile placeholder and its name-search terminator). */
export const ACCESS_NONE = 255;
/** Default region side (metres) when a reply carries no Size block. */
export const DEFAULT_REGION_SIZE = 256;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The session's agent, for AgentData. */
export interface MapAgent {
  agentId: string;
  sessionId: string;
}

/** A request answered: the Storm request it came from and the regions found for it. */
export interface MapAnswer {
  request: MapRequest;
  regions: MapRegion[];
}

/** Timer hooks (default: the global setTimeout / clearTimeout). */
export interface MapTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** What the session injects. */
export interface WorldMapDeps {
  /** Sends one LLUDP message on the session's circuit (reliably). */
  send(message: Message): void;
  agent: MapAgent;
  /** One call per request, when it is answered: send the socket one `map` frame with `regions`. */
  onAnswer(answer: MapAnswer): void;
  timers?: MapTimers;
}

interface Pending {
  request: MapRequest;
  /** Regions found for it, by grid key. */
  found: Map<number, MapRegion>;
  settle: unknown;
  timeout: unknown;
  /** lookup() callers waiting on this name search. */
  lookups: ((r: MapRegion | null) => void)[];
  /** False for a lookup()'s own search: nothing is sent to the socket. */
  answer: boolean;
}

const key = (x: number, y: number) => x * 65536 + y;

const defaultTimers: MapTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A region's handle: its south-west corner in global metres, (x*256) << 32 | (y*256). */
export function mapRegionHandle(r: Pick<MapRegion, 'x' | 'y'>): bigint {
  return (BigInt(r.x * 256) << 32n) | BigInt(r.y * 256);
}

/** A region name from the wire: control characters dropped, clipped to MAX_NAME_BYTES on a character boundary. */
export function mapRegionName(bytes: Uint8Array): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const text = fieldText(bytes).replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  if (utf8Length(text) <= MAX_NAME_BYTES) return text;
  let out = '';
  for (const ch of text) {
    if (utf8Length(out + ch) > MAX_NAME_BYTES) break;
    out += ch;
  }
  return out;
}

function side(v: number | undefined): number {
  return v !== undefined && Number.isInteger(v) && v >= 1 && v <= MAX_REGION_SIZE ? v : DEFAULT_REGION_SIZE;
}

/**
 * The regions of one MapBlockReply: placeholders (Access 255) and nameless blocks skipped; the size from the Size
 * block of the same index when the reply has one per Data block, else 256 m.
 */
export function mapRegionsFromReply(blocks: MessageOf<'MapBlockReply'>['blocks']): MapRegion[] {
  const sizes = blocks.Size.length === blocks.Data.length ? blocks.Size : [];
  const out: MapRegion[] = [];
  blocks.Data.forEach((d, i) => {
    if (d.Access === ACCESS_NONE) return;
    const name = mapRegionName(d.Name);
    if (name === '') return;
    const image = UUID.test(d.MapImageID) ? d.MapImageID : NIL_UUID;
    out.push({
      name,
      x: d.X,
      y: d.Y,
      size: [side(sizes[i]?.SizeX), side(sizes[i]?.SizeY)],
      access: d.Access,
      image,
      agents: d.Agents,
    });
  });
  return out;
}

/** The world map of one grid session (see the module comment). */
export class WorldMap {
  private readonly cache = new Map<number, MapRegion>();
  private readonly pending: Pending[] = [];
  private readonly timers: MapTimers;
  private closed = false;

  constructor(private readonly deps: WorldMapDeps) {
    this.timers = deps.timers ?? defaultTimers;
  }

  /** Regions seen so far (any request), by grid position. */
  get regions(): MapRegion[] {
    return [...this.cache.values()];
  }

  /** The cached region at grid x,y. */
  regionAt(x: number, y: number): MapRegion | undefined {
    return this.cache.get(key(x, y));
  }

  /** Requests still waiting for their answer. */
  get inFlight(): number {
    return this.pending.length;
  }

  /**
   * Asks the grid for a Storm map_request: a rectangle (MapBlockRequest) or, with a non-empty name, a name search
   * (MapNameRequest). Throws GridError grid_map_bad_request for a malformed rectangle, grid_map_busy when
   * MAX_PENDING_MAP_REQUESTS are in flight.
   */
  request(request: MapRequest): void {
    if (request.name === '') {
      const problem = mapRequestProblem(request);
      if (problem) throw new GridError('grid_map_bad_request', `grid: map request refused: ${problem}`);
    }
    this.begin(request, true);
  }

  /**
   * The region named `name` (case-insensitive, whole name), by a name search; null when the grid knows none or
   * does not answer within MAP_TIMEOUT_MS. For teleport by name: the handle is mapRegionHandle(region).
   */
  lookup(name: string): Promise<MapRegion | null> {
    const wanted = name.trim();
    if (wanted === '' || utf8Length(wanted) > MAX_NAME_BYTES || this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const same = this.pending.find((p) => p.request.name.toLowerCase() === wanted.toLowerCase());
      const done = (found: MapRegion | null) => resolve(found);
      if (same) {
        same.lookups.push(done);
        return;
      }
      const p = this.begin({ type: 'map_request', min: [0, 0], max: [0, 0], name: wanted }, false, true);
      if (p) p.lookups.push(done);
      else resolve(null);
    });
  }

  /** Feeds a message from the circuit; only MapBlockReply is used. Returns whether it was one. */
  receive(message: Message): boolean {
    if (!isMessage(message, 'MapBlockReply')) return false;
    const regions = mapRegionsFromReply(message.blocks);
    for (const r of regions) this.remember(r);
    for (const p of [...this.pending]) {
      let touched = false;
      for (const r of regions) {
        if (covers(p.request, r)) {
          if (p.found.size < MAX_MAP_REGIONS) p.found.set(key(r.x, r.y), r);
          touched = true;
        }
      }
      if (p.request.name === '') {
        // An empty-tile placeholder inside the rectangle is an answer too ("nothing here").
        if (!touched) touched = message.blocks.Data.some((d) => d.Access === ACCESS_NONE && inRect(p.request, d.X, d.Y));
      } else if (message.blocks.Data.some((d) => isTerminator(d, p.request.name))) {
        this.finish(p);
        continue;
      }
      if (touched) {
        this.timers.clear(p.settle);
        p.settle = this.timers.set(() => this.finish(p), MAP_SETTLE_MS);
      }
    }
    return true;
  }

  /** Drops every request (lookups resolve with null, nothing more is answered) and its timers. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pending]) this.finish(p, true);
  }

  private begin(request: MapRequest, answer: boolean, lookup = false): Pending | null {
    if (this.closed) return null;
    if (this.pending.length >= MAX_PENDING_MAP_REQUESTS) {
      if (lookup) return null;
      throw new GridError(
        'grid_map_busy',
        `grid: ${MAX_PENDING_MAP_REQUESTS} map requests are in flight; wait for their answers`,
      );
    }
    const p: Pending = { request, found: new Map(), settle: null, timeout: null, lookups: [], answer };
    p.timeout = this.timers.set(() => this.finish(p), MAP_TIMEOUT_MS);
    this.pending.push(p);
    const single = request.name === '' && request.min[0] === request.max[0] && request.min[1] === request.max[1];
    const AgentData = {
      AgentID: this.deps.agent.agentId,
      SessionID: this.deps.agent.sessionId,
      Flags: single ? MAP_LAYER_FLAGS | MAP_RETURN_EMPTY : MAP_LAYER_FLAGS,
      EstateID: 0,
      Godlike: false,
    };
    if (request.name !== '') {
      this.deps.send({ name: 'MapNameRequest', blocks: { AgentData, NameData: { Name: textField(request.name) } } });
    } else {
      this.deps.send({
        name: 'MapBlockRequest',
        blocks: {
          AgentData,
          PositionData: { MinX: request.min[0], MaxX: request.max[0], MinY: request.min[1], MaxY: request.max[1] },
        },
      });
    }
    return p;
  }

  private finish(p: Pending, dropped = false): void {
    const at = this.pending.indexOf(p);
    if (at < 0) return;
    this.pending.splice(at, 1);
    this.timers.clear(p.settle);
    this.timers.clear(p.timeout);
    const regions = [...p.found.values()];
    const wanted = p.request.name.toLowerCase();
    const match = dropped ? null : (regions.find((r) => r.name.toLowerCase() === wanted) ?? null);
    for (const resolve of p.lookups) resolve(match);
    if (p.answer && !dropped) this.deps.onAnswer({ request: p.request, regions });
  }

  private remember(r: MapRegion): void {
    const k = key(r.x, r.y);
    this.cache.delete(k);
    this.cache.set(k, r);
    if (this.cache.size > MAX_CACHED_REGIONS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

function inRect(req: MapRequest, x: number, y: number): boolean {
  return x >= req.min[0] && x <= req.max[0] && y >= req.min[1] && y <= req.max[1];
}

/** Whether a region belongs to a request: inside its rectangle, or its name contains the searched name. */
function covers(req: MapRequest, r: MapRegion): boolean {
  if (req.name === '') return inRect(req, r.x, r.y);
  return r.name.toLowerCase().includes(req.name.toLowerCase());
}

/** OpenSim ends a name search with a block at 0,0 with Access 255 and the searched name (or an empty one). */
function isTerminator(d: MessageOf<'MapBlockReply'>['blocks']['Data'][number], name: string): boolean {
  if (d.Access !== ACCESS_NONE) return false;
  const echoed = mapRegionName(d.Name).toLowerCase();
  return echoed === name.toLowerCase() || (echoed === '' && d.X === 0 && d.Y === 0);
}
