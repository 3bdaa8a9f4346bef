/**
 * One visitor's presence in an OpenSim region: XML-RPC login, the LLUDP circuit through a relay, the
 * handshake (UseCircuitCode → CompleteAgentMovement → RegionHandshake → RegionHandshakeReply), the seed
 * capability and the EventQueueGet long poll, AgentUpdate, chat, and logout. Objects and terrain are kept
 * in a GridScene and GridTerrain for the Storm side to read. Transport and fetch are injected.
 */
import { fieldText, isMessage, type Message, type Packet, textField } from '../../shared/lludp';
import type { Quat, RegionInfo, Vec3 } from '../../shared/protocol';
import { checkGridUrl, type GridAllowlist } from './allowlist';
import { regionInfoFromHandshake } from './appearance';
import { ASSET_CAPABILITIES, type AssetCapability } from './assets';
import { Circuit } from './circuit';
import { GridError } from './errors';
import { decodeLlsd, encodeLlsd } from './llsd';
import { type GridLogin, type LoginRequest, login, readLimited } from './login';
import { GridScene } from './scene';
import { GridTerrain } from './terrain';

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
  | { type: 'chat'; from: number; name: string; text: string }
  | { type: 'failed'; error: GridError };

/** Injected dependencies. */
export interface GridClientDeps {
  fetch: typeof fetch;
  openCircuit(sim: { ip: string; port: number }, handlers: TransportHandlers): Promise<CircuitTransport>;
  allow: GridAllowlist;
  onEvent(e: GridEvent): void;
  now?: () => number;
  /** Draw distance asked of the simulator (metres). */
  drawDistance?: number;
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

/** A logged-in visitor. Create with {@link startGridClient}. */
export class GridClient {
  readonly scene = new GridScene();
  readonly terrain: GridTerrain;
  readonly circuit: Circuit;
  regionName = '';
  /** The visitor's avatar local id, once its ObjectUpdate arrived (0 before). */
  avatarId = 0;
  /** Timings (ms since login started): login answer, region handshake, first object, last object change. */
  readonly timings = { login: 0, handshake: 0, firstObject: 0 };
  private phase: Phase = 'circuit';
  private transport: CircuitTransport | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private useCircuitSeq = 0;
  private lastAgentUpdate = 0;
  private readonly started: number;
  private readonly now: () => number;
  private control = 0;
  private bodyRotation: Quat = [0, 0, 0, 1];
  private position: Vec3 = [128, 128, 25];
  private readonly poll = new AbortController();
  /** Prims whose names are still to be asked for. */
  private nameQueue: { id: number; uuid: string; child: boolean }[] = [];
  /** Children selected to learn their names, by UUID: deselected when their ObjectProperties arrive. */
  private readonly selected = new Map<string, number>();
  private logoutDone: (() => void) | null = null;
  private regionSettle: { resolve(name: string): void; reject(err: GridError): void } | null = null;
  /**
   * Asset capabilities (ViewerAsset, GetTexture, GetMesh, GetMesh2) the seed granted, once it answered. Kept on
   * the edge: the asset route fetches through them for the visitor; they never reach the browser.
   */
  readonly assetCaps = new Map<AssetCapability, URL>();
  /** The region's ground and water from its latest RegionHandshake (null before it). */
  regionInfo: RegionInfo | null = null;
  /** Counts RegionHandshakes, so the session can tell a newer region_info from the one it sent. */
  regionInfoVersion = 0;
  /** Resolves with the region's name at RegionHandshake; rejects if the session fails before it. */
  readonly region: Promise<string>;

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
    this.terrain = new GridTerrain(session.sizeX, session.sizeY);
    this.position = [session.sizeX / 2, session.sizeY / 2, 25];
    this.circuit = new Circuit(
      {
        send: (d) => this.transport?.send(d),
        onPacket: (p) => this.onPacket(p),
      },
      this.now,
    );
  }

  /** Region bounds for the Storm welcome: room for linkset offsets below 0 and past the edge, and 4096 m up. */
  get bounds(): { min: Vec3; max: Vec3 } {
    return { min: [-64, -64, -64], max: [this.session.sizeX + 64, this.session.sizeY + 64, 4096] };
  }

  /** Whether the circuit is up (between the relay opening and logout). */
  get open(): boolean {
    return this.phase !== 'closing' && this.phase !== 'closed';
  }

  /** Opens the circuit through the relay and starts the handshake. */
  async connect(): Promise<void> {
    this.transport = await this.deps.openCircuit(
      { ip: this.session.simIp, port: this.session.simPort },
      {
        onDatagram: (d) => this.onDatagram(d),
        onClose: (code, reason) => {
          if (this.phase === 'closing' || this.phase === 'closed') return;
          this.fail(
            new GridError('grid_circuit_lost', `the relay closed the circuit (${code} ${reason.slice(0, 100)}); log in again`),
          );
        },
      },
    );
    this.useCircuitSeq = this.circuit.send(
      {
        name: 'UseCircuitCode',
        blocks: { CircuitCode: { Code: this.session.circuitCode, SessionID: this.session.sessionId, ID: this.session.agentId } },
      },
      true,
    );
    this.timer = setInterval(() => this.tick(), TICK_MS);
    // The seed capability can be asked at once; OpenSim sends no scene before it.
    void this.capabilities();
  }

  private elapsed(): number {
    return this.now() - this.started;
  }

  private onDatagram(d: Uint8Array): void {
    if (this.phase === 'closed') return;
    this.circuit.receive(d);
    if (this.phase === 'circuit' && !this.circuit.isPending(this.useCircuitSeq)) this.completeMovement();
  }

  private completeMovement(): void {
    this.phase = 'moving';
    const { agentId, sessionId, circuitCode } = this.session;
    this.circuit.send(
      {
        name: 'CompleteAgentMovement',
        blocks: { AgentData: { AgentID: agentId, SessionID: sessionId, CircuitCode: circuitCode } },
      },
      true,
    );
  }

  private send(message: Message, reliable = false): void {
    if (this.transport && this.open) this.circuit.send(message, reliable);
  }

  private onPacket(p: Packet): void {
    const m = p.message;
    if (isMessage(m, 'RegionHandshake')) {
      this.regionName = fieldText(m.blocks.RegionInfo.SimName);
      this.regionInfo = regionInfoFromHandshake(m.blocks.RegionInfo);
      this.regionInfoVersion += 1;
      // Flags bit 0 says "my object cache is empty": the simulator then sends objects instead of probing a cache
      // with ObjectUpdateCached. Bit 2 (0x4): we take our own appearance by message, as current viewers do.
      this.send(
        {
          name: 'RegionHandshakeReply',
          blocks: {
            AgentData: { AgentID: this.session.agentId, SessionID: this.session.sessionId },
            RegionInfo: { Flags: HANDSHAKE_FLAGS },
          },
        },
        true,
      );
      this.throttle();
      if (this.phase !== 'in-region') {
        this.phase = 'in-region';
        this.timings.handshake = this.elapsed();
        this.deps.onEvent({ type: 'region', name: this.regionName });
        this.regionSettle?.resolve(this.regionName);
      }
      this.agentUpdate();
    } else if (isMessage(m, 'AgentMovementComplete')) {
      this.position = [...m.blocks.Data.Position];
    } else if (isMessage(m, 'ObjectUpdate')) {
      this.scene.applyObjectUpdate(m.blocks);
      this.seen();
    } else if (isMessage(m, 'ObjectUpdateCompressed')) {
      this.scene.applyCompressed(m.blocks);
      this.seen();
    } else if (isMessage(m, 'ObjectUpdateCached')) {
      this.scene.applyCached(m.blocks);
      this.requestWanted();
    } else if (isMessage(m, 'ImprovedTerseObjectUpdate')) {
      this.scene.applyTerse(m.blocks);
      const me = this.scene.objects.get(this.avatarId);
      if (me) this.position = [...me.entity.position];
    } else if (isMessage(m, 'KillObject')) {
      this.scene.applyKill(m.blocks);
    } else if (isMessage(m, 'AttachedSound')) {
      this.scene.applyAttachedSound(m.blocks);
    } else if (isMessage(m, 'AttachedSoundGainChange')) {
      this.scene.applyAttachedSoundGainChange(m.blocks);
    } else if (isMessage(m, 'SoundTrigger')) {
      this.scene.applySoundTrigger(m.blocks);
    } else if (isMessage(m, 'PreloadSound')) {
      this.scene.applyPreloadSound(m.blocks);
    } else if (isMessage(m, 'LayerData')) {
      try {
        this.terrain.apply(m.blocks.LayerID.Type, m.blocks.LayerData.Data);
      } catch {
        this.scene.badPayloads += 1;
      }
    } else if (isMessage(m, 'ChatFromSimulator')) {
      const c = m.blocks.ChatData;
      // 4 and 5 are typing start/stop; 6 is debug; 8 owner-say still reaches the visitor.
      if (c.ChatType === 4 || c.ChatType === 5) return;
      const text = fieldText(c.Message);
      if (text === '') return;
      this.deps.onEvent({
        type: 'chat',
        from: this.scene.byUuid.get(c.SourceID) ?? 0,
        name: fieldText(c.FromName),
        text,
      });
    } else if (isMessage(m, 'ObjectPropertiesFamily')) {
      const d = m.blocks.ObjectData;
      this.scene.applyName(d.ObjectID, fieldText(d.Name), fieldText(d.Description));
    } else if (isMessage(m, 'ObjectProperties')) {
      this.onProperties(m.blocks.ObjectData);
    } else if (isMessage(m, 'LogoutReply')) {
      this.logoutDone?.();
    } else if (isMessage(m, 'KickUser') || isMessage(m, 'DisableSimulator')) {
      this.fail(
        new GridError('grid_region_closed', 'the simulator closed this visit (it shut down or kicked the visitor); log in again'),
      );
    }
  }

  /** AgentThrottle: bandwidth per category, so the simulator does not pace the scene at its low defaults. */
  private throttle(): void {
    const rates = new Float32Array(THROTTLE_BPS);
    this.send(
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

  private seen(): void {
    if (this.timings.firstObject === 0 && this.scene.objects.size > 0) this.timings.firstObject = this.elapsed();
    if (this.avatarId === 0) {
      const id = this.scene.byUuid.get(this.session.agentId);
      if (id !== undefined) this.avatarId = id;
    }
    this.requestWanted();
  }

  private requestWanted(): void {
    const ids = this.scene.takeWanted();
    for (let i = 0; i < ids.length; i += REQUEST_BATCH) {
      this.send(
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

  /** The seed capability, then the event queue long poll. */
  private async capabilities(): Promise<void> {
    try {
      const seed = checkGridUrl(this.session.seedCapability, this.deps.allow, 'the seed capability');
      const res = await this.deps.fetch(seed.toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/llsd+xml' },
        body: encodeLlsd(['EventQueueGet', 'SimulatorFeatures', ...ASSET_CAPABILITIES]),
        signal: this.poll.signal,
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
          this.assetCaps.set(name, checkGridUrl(url, this.deps.allow, `the ${name} capability`));
        } catch (err) {
          if (!(err instanceof GridError)) throw err;
          console.warn(`grid: ${name} refused`, err.code, err.message);
        }
      }
      const eq = map?.EventQueueGet;
      if (typeof eq === 'string') await this.eventQueue(checkGridUrl(eq, this.deps.allow, 'the EventQueueGet capability'));
    } catch (err) {
      if (!this.open) return;
      if (err instanceof GridError) console.warn('grid: capabilities failed', err.code, err.message);
      else console.warn('grid: capabilities failed', err instanceof Error ? err.message : String(err));
    }
  }

  /** EventQueueGet: long polls until logout; 502 (no events) and 404 (queue not made yet) mean poll again. */
  private async eventQueue(url: URL): Promise<void> {
    let ack: number | null = null;
    while (this.open) {
      const res = await this.deps.fetch(url.toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/llsd+xml' },
        body: encodeLlsd({ ack, done: false }),
        signal: this.poll.signal,
      });
      if (res.status === 200) {
        const body = decodeLlsd(await readLimited(res, MAX_CAPS_BYTES, 'an event queue answer'), 'an event queue answer');
        const id = body !== null && typeof body === 'object' && !Array.isArray(body) ? body.id : undefined;
        if (typeof id === 'number') ack = id;
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
          Far: this.deps.drawDistance ?? 256,
          ControlFlags: this.control,
          Flags: 0,
        },
      },
    });
  }

  private tick(): void {
    if (this.phase === 'closed') return;
    const now = this.now();
    this.circuit.tick();
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
    if (now - this.circuit.lastHeard > SILENCE_TIMEOUT_MS) {
      this.fail(
        new GridError('grid_circuit_lost', `nothing from the simulator for ${SILENCE_TIMEOUT_MS / 1000} s; log in again`),
      );
      return;
    }
    if (now - this.lastAgentUpdate >= AGENT_UPDATE_MS) this.agentUpdate();
    if (this.phase === 'in-region') this.requestNames();
  }

  /**
   * Prim names travel only in object properties. A root prim's come with RequestObjectPropertiesFamily (what
   * viewers send on hover; nothing changes on the simulator). OpenSim answers that for a linkset child with
   * its root's, so children are selected (ObjectSelect answers ObjectProperties for each part) and deselected
   * as soon as their properties arrive. A few requests per tick.
   */
  private requestNames(): void {
    this.nameQueue.push(...this.scene.takeNewPrims());
    if (this.nameQueue.length === 0) return;
    const batch = this.nameQueue.splice(0, NAME_REQUESTS_PER_TICK);
    const children: number[] = [];
    for (const p of batch) {
      if (p.child) {
        children.push(p.id);
        this.selected.set(p.uuid, p.id);
        continue;
      }
      this.send(
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
    if (children.length > 0) this.select('ObjectSelect', children);
  }

  private select(name: 'ObjectSelect' | 'ObjectDeselect', ids: number[]): void {
    this.send(
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
  private onProperties(blocks: { ObjectID: string; Name: Uint8Array; Description: Uint8Array }[]): void {
    const release: number[] = [];
    for (const d of blocks) {
      this.scene.applyName(d.ObjectID, fieldText(d.Name), fieldText(d.Description));
      const id = this.selected.get(d.ObjectID);
      if (id !== undefined) {
        this.selected.delete(d.ObjectID);
        release.push(id);
      }
    }
    if (release.length > 0) this.select('ObjectDeselect', release);
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
    this.poll.abort();
    try {
      this.transport?.close(code, reason.slice(0, 100));
    } catch {
      // Already closed.
    }
  }

  /** Logs out: LogoutRequest, then waits (up to `waitMs`) for LogoutReply before closing the circuit. */
  async logout(waitMs = 2000): Promise<void> {
    if (!this.open) return;
    const sent = this.phase === 'in-region' || this.phase === 'moving';
    if (this.phase === 'in-region' && this.selected.size > 0) this.select('ObjectDeselect', [...this.selected.values()]);
    this.selected.clear();
    if (sent) {
      this.circuit.send(
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
      this.circuit.flushAcks();
    }
    this.shutdown(1000, 'logout');
  }
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
