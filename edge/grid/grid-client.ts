/**
 * One visitor's presence on an OpenSim grid: XML-RPC login, the LLUDP circuits through a relay (the region you
 * are in, and child circuits to the neighbours within draw distance), the handshake (UseCircuitCode →
 * CompleteAgentMovement → RegionHandshake → RegionHandshakeReply), each region's seed capability and
 * EventQueueGet long poll, AgentUpdate, chat, region crossings and teleports (../../shared/NOTES-travel.md has
 * the message sequences), and logout. Each region's objects and terrain are kept in its RegionLink for the Storm
 * side to read. Transport and fetch are injected.
 */
import { fieldText, isMessage, type Message, type Packet, textField } from '../../shared/lludp';
import { MAX_ERROR_MESSAGE_BYTES, type Quat, type RegionInfo, type TRAVEL_KINDS, type Vec3 } from '../../shared/protocol';
import { checkGridUrl, type GridAllowlist } from './allowlist';
import { regionInfoFromHandshake } from './appearance';
import { ASSET_CAPABILITIES, type AssetCapability } from './assets';
import type { Circuit } from './circuit';
import { GridError } from './errors';
import { decodeLlsd, encodeLlsd } from './llsd';
import { type GridLogin, type LoginRequest, login, readLimited } from './login';
import { OwnerNames } from './owner-names';
import { handleCorner, RegionLink, regionHandle, type SimAddress } from './region-link';
import { clip, type GridScene } from './scene';
import type { GridTerrain } from './terrain';
import { type QueueEvent, readQueueEvents, type SimulatorInfo } from './travel-events';

/** A datagram pipe to one simulator (a relay circuit). */
export interface CircuitTransport {
  send(datagram: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What a transport reports back. */
export interface TransportHandlers {
  onDatagram(datagram: Uint8Array): void;
  onClose(code: number, reason: string): void;
}

/** Events for the session's owner. */
export type GridEvent =
  | { type: 'region'; name: string }
  /** Local chat; `from` is the speaker's UUID (object or avatar), `region` the handle of the region that relayed it. */
  | { type: 'chat'; from: string; name: string; text: string; region: string }
  | { type: 'failed'; error: GridError }
  /** A step of travel (teleport, crossing, neighbour shown, dropped or refused). */
  | ({ type: 'travel' } & TravelNote)
  /** The regions shown, or the one you are in, changed. */
  | { type: 'regions' };

/** Injected dependencies. */
export interface GridClientDeps {
  fetch: typeof fetch;
  openCircuit(sim: { ip: string; port: number }, handlers: TransportHandlers): Promise<CircuitTransport>;
  allow: GridAllowlist;
  onEvent(e: GridEvent): void;
  now?: () => number;
  /** Draw distance asked of the simulator (metres). */
  drawDistance?: number;
  /** Finds a region by name for a teleport (the world map's name search); null when the grid has none. */
  lookupRegion?: (name: string) => Promise<{ name: string; handle: bigint } | null>;
  /** Messages the client does not handle itself (the world map's MapBlockReply), with the region that sent them. */
  onPacket?: (link: RegionLink, packet: Packet) => void;
}

/** Timer period of the circuit (ms). */
export const TICK_MS = 50;
/** AgentUpdate period while idle (ms). */
export const AGENT_UPDATE_MS = 500;
/** No RegionHandshake within this long: the handshake failed. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;
/** No datagram from the simulator for this long: the circuit is lost. */
export const SILENCE_TIMEOUT_MS = 45_000;
/** Largest capability answer read. */
const MAX_CAPS_BYTES = 256 * 1024;
/** Most ids in one RequestMultipleObjects. */
const REQUEST_BATCH = 200;
/** Most RequestObjectPropertiesFamily (one prim each) sent per tick: 400 names/s. */
export const NAME_REQUESTS_PER_TICK = 20;

/** AgentUpdate control flags (viewer's AGENT_CONTROL_*). */
export const CONTROL = {
  atPos: 0x1,
  atNeg: 0x2,
  leftPos: 0x4,
  leftNeg: 0x8,
  upPos: 0x10,
  upNeg: 0x20,
  fly: 0x2000,
  run: 0x1000000 >>> 0,
} as const;

/** RegionHandshakeReply flags: 0x1 object cache empty (send objects, do not probe), 0x4 self appearance. */
export const HANDSHAKE_FLAGS = 0x1 | 0x4;
/** AgentThrottle rates in bits/s: resend, land, wind, cloud, task (objects), texture, asset (little-endian floats). */
export const THROTTLE_BPS = [400_000, 400_000, 40_000, 40_000, 2_000_000, 400_000, 400_000];

type Phase = 'circuit' | 'moving' | 'in-region' | 'closing' | 'closed';

/** What the visitor learns about travel (a teleport's steps, a crossing, neighbours shown, dropped or refused). */
export interface TravelNote {
  kind: (typeof TRAVEL_KINDS)[number];
  region: string;
  message: string;
  ms: number;
}

/** A teleport in flight. */
interface Teleporting {
  region: string;
  handle: bigint;
  startedAt: number;
  /** The destination link, once TeleportFinish named it (AgentMovementComplete there ends the teleport). */
  link: RegionLink | null;
}

/** A crossing in flight: CrossedRegion came, AgentMovementComplete on the neighbour's circuit ends it. */
interface Crossing {
  link: RegionLink;
  from: RegionLink;
}

/** A teleport asked for within this long of the last arrival waits until then (ms). */
export const TELEPORT_SETTLE_MS = 2000;
/** How long a teleport may take before the viewer gives up on it (OpenSim's own limit is about 25 s). */
export const TELEPORT_TIMEOUT_MS = 30_000;
/** A neighbour is dropped once the avatar is this much farther than the draw distance from its rectangle. */
export const NEIGHBOUR_MARGIN_M = 64;
/** Most regions a visit holds circuits to (the region you are in and its neighbours). */
export const MAX_LINKS = 16;
/** Farthest a neighbour's corner may lie from the current region's (metres, either axis): next to an 8192 m var region. */
export const MAX_NEIGHBOUR_OFFSET_M = 8192 + 256;
/** Most neighbours whose event queues are long-polled at once (the root's always is). */
export const MAX_CHILD_POLLS = 3;

/** A logged-in visitor. Create with {@link startGridClient}. */
export class GridClient {
  /** Every region this visit has a circuit to, by handle (decimal). */
  readonly links = new Map<string, RegionLink>();
  /** Owners' names learnt with UUIDNameRequest, for every region of the session. */
  readonly ownerNames = new OwnerNames();
  /** The region the avatar is in. */
  root: RegionLink;
  /** Timings (ms since login started): login answer, region handshake, first object. */
  readonly timings = { login: 0, handshake: 0, firstObject: 0 };
  /** Resolves with the region's name at RegionHandshake; rejects if the session fails before it. */
  readonly region: Promise<string>;
  private phase: Phase = 'circuit';
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastAgentUpdate = 0;
  private lastRangeCheck = 0;
  private readonly started: number;
  private readonly now: () => number;
  private control = 0;
  private bodyRotation: Quat = [0, 0, 0, 1];
  private position: Vec3 = [128, 128, 25];
  private logoutDone: (() => void) | null = null;
  private regionSettle: { resolve(name: string): void; reject(err: GridError): void } | null = null;
  /** Simulators announced by EnableSimulator, waiting for EstablishAgentCommunication (by "ip:port"). */
  private readonly announced = new Map<string, SimulatorInfo>();
  /** Seeds from EstablishAgentCommunication that came before their EnableSimulator (by "ip:port"). */
  private readonly seeds = new Map<string, string>();
  private teleporting: Teleporting | null = null;
  /** When the avatar last arrived in a region by crossing or teleport (ms). */
  private arrivedAt = 0;
  private crossing: Crossing | null = null;

  constructor(
    readonly session: GridLogin,
    private readonly deps: GridClientDeps,
    startedAt: number,
  ) {
    this.now = deps.now ?? Date.now;
    this.started = startedAt;
    this.region = new Promise<string>((resolve, reject) => {
      this.regionSettle = { resolve, reject };
    });
    // Nobody may be waiting yet; the rejection is still delivered to whoever awaits `region` later.
    this.region.catch(() => {});
    this.root = this.makeLink(
      regionHandle(session.regionX, session.regionY),
      { ip: session.simIp, port: session.simPort },
      [session.sizeX, session.sizeY],
      session.seedCapability,
    );
    this.position = [session.sizeX / 2, session.sizeY / 2, 25];
  }

  /** The root region's objects (the region you are in). */
  get scene(): GridScene {
    return this.root.scene;
  }

  /** The root region's terrain. */
  get terrain(): GridTerrain {
    return this.root.terrain;
  }

  /** The root region's circuit. */
  get circuit(): Circuit {
    return this.root.circuit;
  }

  /** The root region's name ('' before its RegionHandshake). */
  get regionName(): string {
    return this.root.name;
  }

  /** The visitor's avatar's local id in the root region (0 before its ObjectUpdate arrived). */
  get avatarId(): number {
    return this.root.avatarId;
  }

  /** The root region's ground and water (null before its RegionHandshake). */
  get regionInfo(): RegionInfo | null {
    return this.root.regionInfo;
  }

  /** Asset capabilities of the root region (or, before they came, of any region that has them). */
  get assetCaps(): Map<AssetCapability, URL> {
    if (this.root.assetCaps.size > 0) return this.root.assetCaps;
    for (const l of this.links.values()) if (l.assetCaps.size > 0) return l.assetCaps;
    return this.root.assetCaps;
  }

  /**
   * Region bounds for the Storm welcome: room for linkset offsets below 0 and past the edge, and 4096 m up. Every
   * region's positions are in its own frame (Entity.region), so the bounds cover the largest region side.
   */
  get bounds(): { min: Vec3; max: Vec3 } {
    let side = Math.max(this.session.sizeX, this.session.sizeY);
    for (const l of this.links.values()) side = Math.max(side, l.size[0], l.size[1]);
    return { min: [-64, -64, -64], max: [side + 64, side + 64, 4096] };
  }

  /** The avatar's position in the root region's frame, as the region last said. */
  get avatarPosition(): Vec3 {
    return [...this.position];
  }

  /** Whether the circuit is up (between the relay opening and logout). */
  get open(): boolean {
    return this.phase !== 'closing' && this.phase !== 'closed';
  }

  /** Regions with a circuit and a handshake, the root first. */
  shownLinks(): RegionLink[] {
    const out = [this.root];
    for (const l of this.links.values()) if (l !== this.root && l.handshaken && !l.closed) out.push(l);
    return out;
  }

  private makeLink(handle: bigint, sim: SimAddress, size: [number, number], seed: string): RegionLink {
    const link = new RegionLink(handle, sim, size, seed, { now: this.now, onPacket: (l, p) => this.onPacket(l, p) });
    link.scene.ownerNames = this.ownerNames;
    this.links.set(link.key, link);
    return link;
  }

  /** Opens the root circuit through the relay and starts the handshake. */
  async connect(): Promise<void> {
    await this.openLink(this.root, true);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /**
   * Opens one region's circuit: UseCircuitCode, then (root) CompleteAgentMovement once it is acked; the seed
   * capability and its event queue are asked at once (a region sends no scene before both its handshake reply
   * and its seed). A child's failure to open is reported and costs only that neighbour.
   */
  private async openLink(link: RegionLink, root: boolean): Promise<void> {
    link.transport = await this.deps.openCircuit(link.sim, {
      onDatagram: (d) => this.onDatagram(link, d),
      onClose: (code, reason) => {
        if (!this.open || link.closed) return;
        if (link === this.root)
          this.fail(
            new GridError('grid_circuit_lost', `the relay closed the circuit (${code} ${reason.slice(0, 100)}); log in again`),
          );
        else this.dropLink(link, 'neighbour_removed', `the relay closed its circuit (${code} ${reason.slice(0, 100)})`);
      },
    });
    if (link.closed) {
      link.transport.close(1000, 'dropped');
      return;
    }
    this.useCircuit(link);
    if (root) this.moveTo(link);
    void this.capabilities(link);
  }

  private elapsed(): number {
    return this.now() - this.started;
  }

  private onDatagram(link: RegionLink, d: Uint8Array): void {
    if (this.phase === 'closed' || link.closed) return;
    link.circuit.receive(d);
    if (!link.opened && link.useCircuitSeq >= 0 && !link.circuit.isPending(link.useCircuitSeq)) {
      link.opened = true;
      if (this.pendingMove === link) this.completeMovement(link);
    }
  }

  /** The link that gets CompleteAgentMovement as soon as its circuit is acked. */
  private pendingMove: RegionLink | null = null;

  /** CompleteAgentMovement on `link` (now if its circuit is open, else once UseCircuitCode is acked). */
  private moveTo(link: RegionLink): void {
    if (link.opened) this.completeMovement(link);
    else this.pendingMove = link;
  }

  /** UseCircuitCode (reliable) on `link`'s circuit: the login's code, session and agent; `opened` once it is acked. */
  private useCircuit(link: RegionLink): void {
    const { circuitCode, sessionId, agentId } = this.session;
    link.opened = false;
    link.useCircuitSeq = link.circuit.send(
      { name: 'UseCircuitCode', blocks: { CircuitCode: { Code: circuitCode, SessionID: sessionId, ID: agentId } } },
      true,
    );
  }

  /** Sends UseCircuitCode again on an open circuit and moves there once it is acked (a teleport to a neighbour). */
  private reuseCircuit(link: RegionLink): void {
    this.useCircuit(link);
    this.pendingMove = link;
  }

  private completeMovement(link: RegionLink): void {
    if (this.pendingMove === link) this.pendingMove = null;
    if (this.phase === 'circuit') this.phase = 'moving';
    const { agentId, sessionId, circuitCode } = this.session;
    link.circuit.send(
      {
        name: 'CompleteAgentMovement',
        blocks: { AgentData: { AgentID: agentId, SessionID: sessionId, CircuitCode: circuitCode } },
      },
      true,
    );
  }

  private sendOn(link: RegionLink, message: Message, reliable = false): void {
    if (link.transport && this.open && !link.closed) link.circuit.send(message, reliable);
  }

  private send(message: Message, reliable = false): void {
    this.sendOn(this.root, message, reliable);
  }

  private note(n: TravelNote): void {
    this.deps.onEvent({ type: 'travel', ...n });
  }

  private onPacket(link: RegionLink, p: Packet): void {
    const m = p.message;
    const root = link === this.root;
    if (isMessage(m, 'RegionHandshake')) {
      const first = !link.handshaken;
      link.name = fieldText(m.blocks.RegionInfo.SimName);
      link.regionInfo = regionInfoFromHandshake(m.blocks.RegionInfo);
      link.regionInfoVersion += 1;
      link.handshaken = true;
      // Flags bit 0 says "my object cache is empty": the simulator then sends objects instead of probing a cache
      // with ObjectUpdateCached. Bit 2 (0x4): we take our own appearance by message, as current viewers do.
      this.sendOn(
        link,
        {
          name: 'RegionHandshakeReply',
          blocks: {
            AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
            RegionInfo: { Flags: HANDSHAKE_FLAGS },
          },
        },
        true,
      );
      this.throttle(link);
      if (root && this.phase !== 'in-region') {
        this.phase = 'in-region';
        this.timings.handshake = this.elapsed();
        this.deps.onEvent({ type: 'region', name: link.name });
        this.regionSettle?.resolve(link.name);
      }
      if (first && !root && this.teleporting?.link !== link)
        this.note({ kind: 'neighbour_added', region: link.name, message: '', ms: this.now() - link.createdAt });
      this.deps.onEvent({ type: 'regions' });
      if (root) this.agentUpdate();
    } else if (isMessage(m, 'AgentMovementComplete')) {
      this.arrived(link, [...m.blocks.Data.Position]);
    } else if (isMessage(m, 'ObjectUpdate')) {
      link.scene.applyObjectUpdate(m.blocks);
      this.seen(link);
    } else if (isMessage(m, 'ObjectUpdateCompressed')) {
      link.scene.applyCompressed(m.blocks);
      this.seen(link);
    } else if (isMessage(m, 'ObjectUpdateCached')) {
      link.scene.applyCached(m.blocks);
      this.requestWanted(link);
    } else if (isMessage(m, 'ImprovedTerseObjectUpdate')) {
      link.scene.applyTerse(m.blocks);
      const me = link.scene.objects.get(link.avatarId);
      if (me && link.avatarId !== 0 && m.blocks.ObjectData.some((d) => terseId(d.Data) === link.avatarId)) {
        link.lastSelfUpdate = this.now();
        if (root) this.position = [...me.entity.position];
      }
    } else if (isMessage(m, 'KillObject')) {
      link.scene.applyKill(m.blocks);
      if (link.avatarId !== 0 && !link.scene.objects.has(link.avatarId)) link.avatarId = 0;
    } else if (isMessage(m, 'AttachedSound')) {
      link.scene.applyAttachedSound(m.blocks);
    } else if (isMessage(m, 'AttachedSoundGainChange')) {
      link.scene.applyAttachedSoundGainChange(m.blocks);
    } else if (isMessage(m, 'SoundTrigger')) {
      link.scene.applySoundTrigger(m.blocks);
    } else if (isMessage(m, 'PreloadSound')) {
      link.scene.applyPreloadSound(m.blocks);
    } else if (isMessage(m, 'LayerData')) {
      try {
        link.terrain.apply(m.blocks.LayerID.Type, m.blocks.LayerData.Data);
      } catch {
        link.scene.badPayloads += 1;
      }
    } else if (isMessage(m, 'ChatFromSimulator')) {
      // Chat comes from the region you are in (a neighbour relays what is said near its border there too).
      if (!root) return;
      const c = m.blocks.ChatData;
      // 4 and 5 are typing start/stop; 6 is debug; 8 owner-say still reaches the visitor.
      if (c.ChatType === 4 || c.ChatType === 5) return;
      const text = fieldText(c.Message);
      if (text === '') return;
      this.deps.onEvent({ type: 'chat', from: c.SourceID, name: fieldText(c.FromName), text, region: link.key });
    } else if (isMessage(m, 'ObjectPropertiesFamily')) {
      const d = m.blocks.ObjectData;
      link.scene.applyName(d.ObjectID, fieldText(d.Name), fieldText(d.Description), d.OwnerID);
    } else if (isMessage(m, 'ObjectProperties')) {
      this.onProperties(link, m.blocks.ObjectData);
    } else if (isMessage(m, 'UUIDNameReply')) {
      for (const b of m.blocks.UUIDNameBlock) {
        const name = this.ownerNames.learn(b.ID, fieldText(b.FirstName), fieldText(b.LastName));
        if (name !== null) for (const l of this.links.values()) l.scene.applyOwnerName(b.ID, name);
      }
    } else if (isMessage(m, 'LogoutReply')) {
      this.logoutDone?.();
    } else if (isMessage(m, 'TeleportStart')) {
      if (this.teleporting)
        this.note({
          kind: 'teleport_start',
          region: this.teleporting.region,
          message: '',
          ms: this.now() - this.teleporting.startedAt,
        });
    } else if (isMessage(m, 'TeleportProgress')) {
      if (this.teleporting)
        this.note({
          kind: 'teleport_progress',
          region: this.teleporting.region,
          message: clip(fieldText(m.blocks.Info.Message), MAX_ERROR_MESSAGE_BYTES),
          ms: this.now() - this.teleporting.startedAt,
        });
    } else if (isMessage(m, 'TeleportFailed')) {
      this.teleportFailed(fieldText(m.blocks.Info.Reason) || 'the grid gave no reason');
    } else if (isMessage(m, 'TeleportLocal')) {
      const t = this.teleporting;
      this.teleporting = null;
      this.position = [...m.blocks.Info.Position];
      this.note({ kind: 'teleport_local', region: this.root.name, message: '', ms: t ? this.now() - t.startedAt : 0 });
    } else if (isMessage(m, 'KickUser')) {
      this.fail(
        new GridError('grid_region_closed', 'the simulator closed this visit (it shut down or kicked the visitor); log in again'),
      );
    } else if (isMessage(m, 'DisableSimulator')) {
      if (root)
        this.fail(
          new GridError(
            'grid_region_closed',
            'the simulator closed this visit (it shut down or kicked the visitor); log in again',
          ),
        );
      else this.dropLink(link, 'neighbour_removed', 'the grid closed it (out of view, or the simulator went away)');
    } else {
      this.deps.onPacket?.(link, p);
    }
  }

  /** AgentMovementComplete: the end of the login, a crossing or a teleport; `link` becomes the root. */
  private arrived(link: RegionLink, position: Vec3): void {
    const before = this.root;
    this.position = position;
    if (link === before) return;
    const now = this.now();
    this.arrivedAt = now;
    this.root = link;
    if (this.crossing?.link === link) {
      const from = this.crossing.from;
      this.crossing = null;
      // Crossing time: the old region's last word on the avatar to the new region taking it.
      const ms = from.lastSelfUpdate > 0 ? now - from.lastSelfUpdate : 0;
      this.note({ kind: 'crossed', region: link.name, message: `from ${from.name}`, ms });
    } else if (this.teleporting?.link === link) {
      const t = this.teleporting;
      this.teleporting = null;
      this.note({ kind: 'teleport_finish', region: link.name, message: `from ${before.name}`, ms: now - t.startedAt });
    }
    this.deps.onEvent({ type: 'regions' });
    this.pollIfRoom(link);
    this.agentUpdate();
  }

  /** AgentThrottle: bandwidth per category, so the simulator does not pace the scene at its low defaults. */
  private throttle(link: RegionLink): void {
    const rates = new Float32Array(THROTTLE_BPS);
    this.sendOn(
      link,
      {
        name: 'AgentThrottle',
        blocks: {
          AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId, CircuitCode: this.session.circuitCode },
          Throttle: { GenCounter: 0, Throttles: new Uint8Array(rates.buffer) },
        },
      },
      true,
    );
  }

  private seen(link: RegionLink): void {
    if (this.timings.firstObject === 0 && link.scene.objects.size > 0) this.timings.firstObject = this.elapsed();
    if (link.avatarId === 0) {
      const id = link.scene.byUuid.get(this.session.agentId);
      if (id !== undefined) {
        link.avatarId = id;
        link.lastSelfUpdate = this.now();
      }
    }
    this.requestWanted(link);
  }

  private requestWanted(link: RegionLink): void {
    const ids = link.scene.takeWanted();
    for (let i = 0; i < ids.length; i += REQUEST_BATCH) {
      this.sendOn(
        link,
        {
          name: 'RequestMultipleObjects',
          blocks: {
            AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
            ObjectData: ids.slice(i, i + REQUEST_BATCH).map((ID) => ({ CacheMissType: 0, ID })),
          },
        },
        true,
      );
    }
  }

  /** A region's seed capability (once per seed URL), then its event queue long poll. */
  private async capabilities(link: RegionLink): Promise<void> {
    if (link.seedAsked === link.seed) return;
    link.seedAsked = link.seed;
    try {
      const seed = checkGridUrl(link.seed, this.deps.allow, 'the seed capability');
      const res = await this.deps.fetch(seed.toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/llsd+xml' },
        body: encodeLlsd(['EventQueueGet', 'SimulatorFeatures', ...ASSET_CAPABILITIES]),
        signal: link.poll.signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new GridError('grid_bad_response', `the seed capability answered HTTP ${res.status}`);
      }
      const caps = decodeLlsd(await readLimited(res, MAX_CAPS_BYTES, 'the seed capability answer'), 'the seed capability answer');
      const map = caps !== null && typeof caps === 'object' && !Array.isArray(caps) ? caps : undefined;
      // Kept on the edge only: the asset route fetches through them for the visitor. One off the allowlist
      // only costs the assets (the route answers grid_asset_unavailable), never the event queue.
      for (const name of ASSET_CAPABILITIES) {
        const url = map?.[name];
        if (typeof url !== 'string') continue;
        try {
          link.assetCaps.set(name, checkGridUrl(url, this.deps.allow, `the ${name} capability`));
        } catch (err) {
          if (!(err instanceof GridError)) throw err;
          console.warn(`grid: ${name} refused`, err.code, err.message);
        }
      }
      const eq = map?.EventQueueGet;
      if (typeof eq === 'string') {
        link.eventQueue = checkGridUrl(eq, this.deps.allow, 'the EventQueueGet capability');
        this.pollIfRoom(link);
      }
    } catch (err) {
      if (!this.open || link.closed) return;
      if (err instanceof GridError) console.warn('grid: capabilities failed', link.name || link.key, err.code, err.message);
      else console.warn('grid: capabilities failed', link.name || link.key, err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * Starts a region's event-queue poll: always for the region you are in, for a neighbour only while fewer than
   * MAX_CHILD_POLLS neighbours poll (a Worker holds few connections at once, and a neighbour's queue says little: its
   * content comes over UDP; crossings and teleports come on the root's queue). A neighbour that becomes the root
   * starts polling then.
   */
  private pollIfRoom(link: RegionLink): void {
    if (link.polling || !link.eventQueue || link.closed) return;
    const children = [...this.links.values()].filter((l) => l !== this.root && l.polling).length;
    if (link !== this.root && children >= MAX_CHILD_POLLS) return;
    link.polling = true;
    this.eventQueue(link)
      .catch((err: unknown) => {
        if (!this.open || link.closed) return;
        console.warn('grid: event queue failed', link.name || link.key, err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        link.polling = false;
      });
  }

  /** EventQueueGet: long polls until logout; 502 (no events) and 404 (queue not made yet) mean poll again. */
  private async eventQueue(link: RegionLink): Promise<void> {
    let ack: number | null = null;
    while (this.open && !link.closed && link.eventQueue) {
      const res = await this.deps.fetch(link.eventQueue.toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/llsd+xml' },
        body: encodeLlsd({ ack, done: false }),
        signal: link.poll.signal,
      });
      if (res.status === 200) {
        const body = decodeLlsd(await readLimited(res, MAX_CAPS_BYTES, 'an event queue answer'), 'an event queue answer');
        const id = body !== null && typeof body === 'object' && !Array.isArray(body) ? body.id : undefined;
        if (typeof id === 'number') ack = id;
        for (const e of readQueueEvents(body)) this.onQueueEvent(link, e);
        continue;
      }
      await res.body?.cancel();
      if (res.status === 502 || res.status === 504) continue;
      if (res.status === 404) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      throw new GridError('grid_bad_response', `the event queue answered HTTP ${res.status}`);
    }
  }

  /** Travel events from a region's event queue. */
  private onQueueEvent(link: RegionLink, e: QueueEvent): void {
    if (!this.open) return;
    switch (e.type) {
      case 'enable-simulator': {
        // OpenSim sends EnableSimulator first; a grid that sends the seed first is matched the other way round.
        const where = `${e.ip}:${e.port}`;
        const seed = this.seeds.get(where);
        if (seed !== undefined) {
          this.seeds.delete(where);
          this.child(e, seed);
        } else if (this.announced.size < MAX_LINKS) this.announced.set(where, e);
        return;
      }
      case 'establish-agent-communication': {
        const where = `${e.ip}:${e.port}`;
        const info = this.announced.get(where);
        if (info) {
          this.announced.delete(where);
          this.child(info, e.seed);
        } else if (this.seeds.size < MAX_LINKS) this.seeds.set(where, e.seed);
        return;
      }
      case 'crossed-region': {
        const target = this.links.get(e.handle.toString()) ?? this.child(e, e.seed);
        if (!target) return;
        this.crossing = { link: target, from: this.root };
        this.moveTo(target);
        return;
      }
      case 'teleport-finish': {
        const t = this.teleporting;
        let target = this.links.get(e.handle.toString());
        if (!target || target.closed) {
          if (target) this.links.delete(target.key);
          target = this.makeLink(e.handle, { ip: e.ip, port: e.port }, e.size, e.seed);
          this.startLink(target, true);
        } else {
          if (target.seed !== e.seed) {
            target.seed = e.seed;
            void this.capabilities(target);
          }
          // UseCircuitCode again on the open circuit (the simulator just acks it), then CompleteAgentMovement.
          this.reuseCircuit(target);
        }
        if (t) t.link = target;
        else this.teleporting = { region: '', handle: e.handle, startedAt: this.now(), link: target };
        this.note({
          kind: 'teleport_progress',
          region: this.teleporting?.region ?? '',
          message: 'arriving',
          ms: this.now() - (this.teleporting?.startedAt ?? this.now()),
        });
        return;
      }
      case 'disable-simulator':
        if (link === this.root)
          this.fail(
            new GridError(
              'grid_region_closed',
              'the simulator closed this visit (it shut down or kicked the visitor); log in again',
            ),
          );
        else this.dropLink(link, 'neighbour_removed', 'the grid closed it');
        return;
      case 'bad':
        console.warn('grid: an event-queue event did not parse', e.name, e.why);
        return;
      case 'other':
        return;
    }
  }

  /** A child circuit to a neighbour (or the link already open to it). */
  private child(info: SimulatorInfo, seed: string): RegionLink | null {
    const known = this.links.get(info.handle.toString());
    if (known && !known.closed) {
      if (known.seed !== seed) {
        known.seed = seed;
        void this.capabilities(known);
      }
      return known;
    }
    if (known) this.links.delete(known.key);
    if (this.links.size >= MAX_LINKS) return null;
    // A neighbour lies next to the region you are in; one announced far away is not shown (its place would not fit
    // the session frame's terrain and origin ranges).
    const [rx, ry] = this.root.corner;
    const [nx, ny] = handleCorner(info.handle);
    if (Math.abs(nx - rx) > MAX_NEIGHBOUR_OFFSET_M || Math.abs(ny - ry) > MAX_NEIGHBOUR_OFFSET_M) {
      this.note({
        kind: 'neighbour_refused',
        region: `${info.ip}:${info.port}`,
        message: `announced ${Math.round(Math.hypot(nx - rx, ny - ry))} m away, not next to ${this.root.name || 'this region'}`,
        ms: 0,
      });
      return null;
    }
    const link = this.makeLink(info.handle, { ip: info.ip, port: info.port }, info.size, seed);
    this.startLink(link, false);
    return link;
  }

  /** Opens a link; a refusal (relay allowlist, relay down) drops only it and is reported. */
  private startLink(link: RegionLink, root: boolean): void {
    this.openLink(link, root).catch((err: unknown) => {
      const why = err instanceof GridError ? err.message : err instanceof Error ? err.message : String(err);
      const place = `${link.sim.ip}:${link.sim.port}`;
      if (this.teleporting?.link === link) this.teleportFailed(`the destination simulator ${place} could not be reached: ${why}`);
      this.links.delete(link.key);
      link.close(1000, 'refused');
      this.note({ kind: 'neighbour_refused', region: link.name || place, message: clip(why, MAX_ERROR_MESSAGE_BYTES), ms: 0 });
      this.deps.onEvent({ type: 'regions' });
    });
  }

  /** Closes a child link: its objects and terrain go from the view. */
  private dropLink(link: RegionLink, kind: 'neighbour_removed', why: string): void {
    if (link === this.root || link.closed) return;
    if (link.opened) this.sendOn(link, { name: 'CloseCircuit', blocks: {} });
    link.close(1000, 'neighbour dropped');
    this.links.delete(link.key);
    if (link.handshaken) this.note({ kind, region: link.name, message: why, ms: 0 });
    this.deps.onEvent({ type: 'regions' });
  }

  private teleportFailed(reason: string): void {
    const t = this.teleporting;
    this.teleporting = null;
    this.note({
      kind: 'teleport_failed',
      region: t?.region ?? '',
      message: clip(reason, MAX_ERROR_MESSAGE_BYTES),
      ms: t ? this.now() - t.startedAt : 0,
    });
  }

  /**
   * Teleports to `position` in the region named `name` ('' or the current region's name: a local teleport). The
   * region must be known to this visit (a neighbour) or found by `lookup` (the world map's name search).
   */
  async teleport(name: string, position: Vec3): Promise<void> {
    if (this.phase !== 'in-region') {
      this.note({ kind: 'teleport_failed', region: name, message: 'not in a region yet', ms: 0 });
      return;
    }
    if (this.teleporting) {
      this.note({
        kind: 'teleport_failed',
        region: name,
        message: `a teleport to ${this.teleporting.region} is under way`,
        ms: 0,
      });
      return;
    }
    const startedAt = this.now();
    const wanted = name.trim().toLowerCase();
    let handle: bigint | null = null;
    let region = name.trim();
    if (wanted === '' || wanted === this.root.name.toLowerCase()) {
      handle = this.root.handle;
      region = this.root.name;
    } else {
      for (const l of this.links.values()) if (l.name.toLowerCase() === wanted) handle = l.handle;
      if (handle === null && this.deps.lookupRegion) {
        this.note({ kind: 'teleport_progress', region, message: 'looking up the region', ms: 0 });
        const found = await this.deps.lookupRegion(name.trim()).catch((err: unknown) => {
          console.warn('grid: region lookup failed', err instanceof Error ? err.message : String(err));
          return null;
        });
        if (found) {
          handle = found.handle;
          region = found.name;
        }
      }
    }
    if (handle === null) {
      this.note({
        kind: 'teleport_failed',
        region,
        message: `the grid has no region named "${region}"`,
        ms: this.now() - startedAt,
      });
      return;
    }
    // The grid finishes a teleport after the viewer has arrived (the source waits for the destination to release
    // the agent); a second teleport right after the first races that and can leave the avatar half-moved.
    const settle = this.arrivedAt + TELEPORT_SETTLE_MS - this.now();
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    if (!this.open) return;
    // Another teleport may have begun while this one looked its region up or waited.
    const busy = this.inFlight();
    if (busy) {
      this.note({ kind: 'teleport_failed', region, message: `a teleport to ${busy.region} is under way`, ms: 0 });
      return;
    }
    this.teleporting = { region, handle, startedAt, link: null };
    const [x, y] = this.root.size;
    const at: Vec3 = [Math.min(Math.max(position[0], 0), x), Math.min(Math.max(position[1], 0), y), position[2]];
    this.send(
      {
        name: 'TeleportLocationRequest',
        blocks: {
          AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
          Info: { RegionHandle: handle, Position: at, LookAt: [1, 0, 0] },
        },
      },
      true,
    );
  }

  /** The teleport under way, if any. */
  private inFlight(): Teleporting | null {
    return this.teleporting;
  }

  /** Movement intent from the visitor: forward/left/up in [-1, 1], facing, run/fly flags. */
  input(move: Vec3, rotation: Quat, flags: { run: boolean; fly: boolean }): void {
    let c = 0;
    if (move[0] > 0.1) c |= CONTROL.atPos;
    if (move[0] < -0.1) c |= CONTROL.atNeg;
    if (move[1] > 0.1) c |= CONTROL.leftPos;
    if (move[1] < -0.1) c |= CONTROL.leftNeg;
    if (move[2] > 0.1) c |= CONTROL.upPos;
    if (move[2] < -0.1) c |= CONTROL.upNeg;
    if (flags.fly) c |= CONTROL.fly;
    if (flags.run) c |= CONTROL.run;
    const changed = c !== this.control || rotation.some((v, i) => v !== this.bodyRotation[i]);
    this.control = c >>> 0;
    this.bodyRotation = rotation;
    if (changed) this.agentUpdate();
  }

  /** Local chat (channel 0, normal). */
  say(text: string): void {
    this.send(
      {
        name: 'ChatFromViewer',
        blocks: {
          AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
          ChatData: { Message: textField(text), Type: 1, Channel: 0 },
        },
      },
      true,
    );
  }

  /** Sends a message on the root circuit (the world map's requests). */
  sendRoot(message: Message, reliable = true): void {
    this.send(message, reliable);
  }

  private agentUpdate(): void {
    if (this.phase !== 'in-region') return;
    this.lastAgentUpdate = this.now();
    const [x, y, z, w] = this.bodyRotation;
    // The camera looks along the body's facing: the body's x axis rotated by the quaternion.
    const at: Vec3 = [1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)];
    const left: Vec3 = [-at[1], at[0], 0];
    const lenLeft = Math.hypot(left[0], left[1]) || 1;
    this.send({
      name: 'AgentUpdate',
      blocks: {
        AgentData: {
          AgentID: this.session.agentId,
          SessionID: this.session.sessionId,
          BodyRotation: [x, y, z, w],
          HeadRotation: [0, 0, 0, 1],
          State: 0,
          CameraCenter: this.position,
          CameraAtAxis: at,
          CameraLeftAxis: [left[0] / lenLeft, left[1] / lenLeft, 0],
          CameraUpAxis: [0, 0, 1],
          Far: this.drawDistance,
          ControlFlags: this.control,
          Flags: 0,
        },
      },
    });
  }

  private get drawDistance(): number {
    return this.deps.drawDistance ?? 256;
  }

  private tick(): void {
    if (this.phase === 'closed') return;
    const now = this.now();
    for (const link of this.links.values()) if (!link.closed) link.circuit.tick();
    if (this.phase === 'closing') return;
    if (this.phase !== 'in-region' && this.elapsed() > HANDSHAKE_TIMEOUT_MS) {
      this.fail(
        new GridError(
          'grid_handshake_timeout',
          `the simulator ${this.session.simIp}:${this.session.simPort} did not complete the handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s (is its UDP port reachable from the relay?)`,
        ),
      );
      return;
    }
    if (now - this.root.circuit.lastHeard > SILENCE_TIMEOUT_MS) {
      this.fail(
        new GridError('grid_circuit_lost', `nothing from the simulator for ${SILENCE_TIMEOUT_MS / 1000} s; log in again`),
      );
      return;
    }
    for (const link of [...this.links.values()]) {
      if (link === this.root || link.closed) continue;
      if (!link.handshaken && now - link.createdAt > HANDSHAKE_TIMEOUT_MS) {
        this.links.delete(link.key);
        link.close(1000, 'no handshake');
        if (this.teleporting?.link === link)
          this.teleportFailed(`the destination simulator did not answer within ${HANDSHAKE_TIMEOUT_MS / 1000} s`);
        this.note({
          kind: 'neighbour_refused',
          region: `${link.sim.ip}:${link.sim.port}`,
          message: `no RegionHandshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`,
          ms: 0,
        });
        this.deps.onEvent({ type: 'regions' });
      } else if (link.handshaken && now - link.circuit.lastHeard > SILENCE_TIMEOUT_MS) {
        this.dropLink(link, 'neighbour_removed', `nothing from it for ${SILENCE_TIMEOUT_MS / 1000} s`);
      }
    }
    if (this.teleporting && now - this.teleporting.startedAt > TELEPORT_TIMEOUT_MS)
      this.teleportFailed(`no answer from the grid within ${TELEPORT_TIMEOUT_MS / 1000} s`);
    if (now - this.lastRangeCheck > 1000) {
      this.lastRangeCheck = now;
      this.dropOutOfRange();
    }
    if (now - this.lastAgentUpdate >= AGENT_UPDATE_MS) this.agentUpdate();
    if (this.phase === 'in-region') {
      for (const link of this.links.values()) if (link.handshaken && !link.closed) this.requestNames(link);
      this.requestOwnerNames();
    }
  }

  /** Neighbours the avatar has moved well away from (the grid usually closes them itself with DisableSimulator). */
  private dropOutOfRange(): void {
    if (this.crossing || this.teleporting) return;
    const [rx, ry] = this.root.corner;
    const gx = rx + this.position[0];
    const gy = ry + this.position[1];
    const range = Math.min(Math.max(this.drawDistance + 64, 96), 255) + NEIGHBOUR_MARGIN_M;
    for (const link of [...this.links.values()])
      if (link !== this.root && link.handshaken && link.distanceTo(gx, gy) > range)
        this.dropLink(link, 'neighbour_removed', `out of view (more than ${range} m away)`);
  }

  /**
   * Prim names travel only in object properties. A root prim's come with RequestObjectPropertiesFamily (what
   * viewers send on hover; nothing changes on the simulator). OpenSim answers that for a linkset child with
   * its root's, so children are selected (ObjectSelect answers ObjectProperties for each part) and deselected
   * as soon as their properties arrive. A few requests per tick, per region.
   */
  private requestNames(link: RegionLink): void {
    const work = link.names;
    work.queue.push(...link.scene.takeNewPrims());
    if (work.queue.length === 0) return;
    const batch = work.queue.splice(0, NAME_REQUESTS_PER_TICK);
    const children: number[] = [];
    for (const p of batch) {
      if (p.child) {
        children.push(p.id);
        work.selected.set(p.uuid, p.id);
        continue;
      }
      this.sendOn(
        link,
        {
          name: 'RequestObjectPropertiesFamily',
          blocks: {
            AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
            ObjectData: { RequestFlags: 0, ObjectID: p.uuid },
          },
        },
        true,
      );
    }
    if (children.length > 0) this.select(link, 'ObjectSelect', children);
  }

  /** Owners' names (UUIDNameRequest, on the region you are in): one request of a few UUIDs per tick. */
  private requestOwnerNames(): void {
    const ids = this.ownerNames.take();
    if (ids.length === 0 || this.root.closed) return;
    this.sendOn(this.root, { name: 'UUIDNameRequest', blocks: { UUIDNameBlock: ids.map((ID) => ({ ID })) } }, true);
  }

  private select(link: RegionLink, name: 'ObjectSelect' | 'ObjectDeselect', ids: number[]): void {
    this.sendOn(
      link,
      {
        name,
        blocks: {
          AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
          ObjectData: ids.map((ObjectLocalID) => ({ ObjectLocalID })),
        },
      },
      true,
    );
  }

  /** ObjectProperties (the answer to ObjectSelect): names, then the selection is let go. */
  private onProperties(
    link: RegionLink,
    blocks: { ObjectID: string; OwnerID: string; Name: Uint8Array; Description: Uint8Array }[],
  ): void {
    const release: number[] = [];
    for (const d of blocks) {
      link.scene.applyName(d.ObjectID, fieldText(d.Name), fieldText(d.Description), d.OwnerID);
      const id = link.names.selected.get(d.ObjectID);
      if (id !== undefined) {
        link.names.selected.delete(d.ObjectID);
        release.push(id);
      }
    }
    if (release.length > 0) this.select(link, 'ObjectDeselect', release);
  }

  private fail(error: GridError): void {
    if (!this.open) return;
    this.regionSettle?.reject(error);
    this.shutdown(1000, error.code);
    this.deps.onEvent({ type: 'failed', error });
  }

  private shutdown(code: number, reason: string): void {
    this.phase = 'closed';
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const link of this.links.values()) link.close(code, reason);
  }

  /** Logs out: LogoutRequest, then waits (up to `waitMs`) for LogoutReply before closing the circuits. */
  async logout(waitMs = 2000): Promise<void> {
    if (!this.open) return;
    const sent = this.phase === 'in-region' || this.phase === 'moving';
    if (this.phase === 'in-region')
      for (const link of this.links.values())
        if (link.names.selected.size > 0 && !link.closed) this.select(link, 'ObjectDeselect', [...link.names.selected.values()]);
    for (const link of this.links.values()) link.names.selected.clear();
    if (sent) {
      this.root.circuit.send(
        { name: 'LogoutRequest', blocks: { AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId } } },
        true,
      );
    }
    this.phase = 'closing';
    if (sent) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.logoutDone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      for (const link of this.links.values()) link.circuit.flushAcks();
    }
    this.shutdown(1000, 'logout');
  }
}

/** The local id a terse update names (its first 4 bytes), or -1. */
function terseId(data: Uint8Array): number {
  if (data.length < 4) return -1;
  return ((data[0] ?? 0) | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16) | ((data[3] ?? 0) << 24)) >>> 0;
}

/** Logs in and opens the circuit; throws a GridError with a stable code when either fails. */
export async function startGridClient(req: LoginRequest, deps: GridClientDeps): Promise<GridClient> {
  const now = deps.now ?? Date.now;
  const started = now();
  const session = await login(req, deps.fetch);
  const client = new GridClient(session, deps, started);
  client.timings.login = now() - started;
  await client.connect();
  return client;
}
