/**
 * A simulated Storm client for the edge bench (the `ws` package, loopback only). It joins like
 * web/net/storm-connection.ts does (a hello with its token as the first frame; the room greets with
 * welcome → snapshot → terrain), sends input at a fixed rate, acknowledges
 * the newest tick at most every ACK_EVERY_MS as the viewer does, and walks back and forth along its own
 * heading: every `flipEvery` inputs it reverses its movement and records when that input left.
 *
 * Each reversal k also sets the walking speed to one of LEVELS values (speed level k mod LEVELS, the
 * direction alternating), so an observer can tell from a velocity which reversal it shows, even when
 * the edge is seconds behind. Observers decode every frame; when a delta shows a mover at a reversal
 * later than the last one they saw of it, they record now − send time for that reversal and for every
 * reversal in between that they never saw (a change counts as delivered once the observer sees it or a
 * later one), so an overloaded edge that skips states shows up as high latency, not as missing samples.
 * Other clients only count frames and bytes and read the tick from the frame header for their acks,
 * so that the bench process spends its two shared cores on the edge rather than on decoding.
 */
import WebSocket from 'ws';
import { WALK_SPEED } from '../../shared/physics/constants';
import {
  type Bounds,
  decodeServerMessage,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type Quat,
  SERVER_TAGS,
  type ServerMessage,
} from '../../shared/protocol';
import { ACK_EVERY_MS } from '../../web/net/storm-connection';

/** Distinct walking speeds: reversal k walks at WALK_SPEED × (1 − SPEED_STEP × (k mod LEVELS)). */
export const LEVELS = 10;
const SPEED_STEP = 0.05;
/** A velocity along the heading slower than this (m/s) is standing still. */
const MIN_SPEED = WALK_SPEED * (1 - SPEED_STEP * LEVELS) * 0.5;

/** Reversal k: its direction (+1 away from the start, −1 back) and `move` magnitude. */
function flipMove(k: number): number {
  return (k % 2 === 0 ? 1 : -1) * (1 - SPEED_STEP * (k % LEVELS));
}

/** What the movers publish for the observers: per avatar, its heading and the send time of each reversal. */
export interface Mover {
  hx: number;
  hy: number;
  /** performance.now() when the input of reversal k was sent (k = 0: the first step). */
  flips: number[];
}

/** State shared by all clients of one run. */
export class RunState {
  readonly movers = new Map<number, Mover>();
  /** Reversals sent inside the measured window (start..end), and the latencies observed for them. */
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;
  flipsInWindow = 0;
  /** Number of observing clients, and the latency samples a perfect run would give (flips × other observers). */
  observers = 0;
  expectedSamples = 0;
  latencies: number[] = [];
  /** Velocities an observer could not match to a reversal (should stay 0). */
  unmatched = 0;
  /** Frames the clients sent (input, ack). */
  sent = 0;
  /** Socket closes we did not ask for (after a welcome), and joins that failed. */
  dropped = 0;
  joinFailed = 0;
  readonly closeReasons: string[] = [];
  /** The server's output during the run, kept when sockets dropped. */
  serverLog = '';
  readonly errorCodes = new Map<string, number>();
  /** Frames, bytes and entity updates received by all clients so far. */
  frames = 0;
  bytes = 0;
  /** Entity updates that observers decoded (for per-avatar figures). */
  updatesSeen = 0;
  static readonly MAX_SAMPLES = 2_000_000;

  countError(code: string): void {
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }
}

export interface SimClientOptions {
  /** ws://127.0.0.1:<port>/ws/world/<name> */
  url: string;
  /** The world and the token the first frame (hello) carries. */
  world: string;
  token: string;
  state: RunState;
  /** Decode everything and record latencies. */
  observe: boolean;
  /** Walk (and reverse) along this heading (radians about +z); null: stand still, sending idle input. */
  heading: number | null;
  /** Inputs per reversal (20 at 20 Hz: once a second) and which input of the cycle reverses. */
  flipEvery: number;
  flipPhase: number;
}

/** One simulated visitor. */
export class SimClient {
  avatar = 0;
  /** Frames and bytes this client received. */
  frames = 0;
  bytes = 0;
  private ws: WebSocket | null = null;
  private bounds: Bounds | undefined;
  private closing = false;
  private welcomed = false;
  private seq = 0;
  private inputs = 0;
  private flip = 0;
  private readonly rotation: Quat;
  private latestTick = 0;
  private ackedTick = 0;
  private lastAckAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | null = null;
  private startTimer: ReturnType<typeof setTimeout> | null = null;
  /** Observer: the last reversal seen per other avatar. */
  private readonly seen = new Map<number, number>();

  constructor(private readonly o: SimClientOptions) {
    const h = o.heading ?? 0;
    this.rotation = [0, 0, Math.sin(h / 2), Math.cos(h / 2)];
  }

  /** Opens the socket; resolves on welcome, rejects on close, error or after `timeoutMs`. */
  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.o.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      this.ws = ws;
      ws.binaryType = 'nodebuffer';
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`no welcome within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.closing = true;
        ws.terminate();
        reject(err);
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) return;
        this.onFrame(data);
        if (this.welcomed && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('open', () =>
        ws.send(
          encodeClientMessage({
            type: 'hello',
            version: PROTOCOL_VERSION,
            token: this.o.token,
            world: this.o.world,
            resumeId: '',
            baseline: 0,
          }),
        ),
      );
      ws.on('error', (err) => fail(err));
      ws.on('close', (code, reason) => {
        this.stopInput();
        if (!settled) {
          fail(new Error(`closed ${code} ${reason.toString()} before the welcome`));
          return;
        }
        if (!this.closing) {
          this.o.state.dropped += 1;
          const s = this.o.state;
          const when = Number.isFinite(s.windowStart)
            ? `${((performance.now() - s.windowStart) / 1000).toFixed(1)} s after the window opened`
            : 'before the window';
          if (s.closeReasons.length < 20) s.closeReasons.push(`${code} ${reason.toString()} ${when}`.replace(/\s+/g, ' '));
        }
      });
    });
  }

  private onFrame(data: Buffer): void {
    const s = this.o.state;
    this.frames += 1;
    this.bytes += data.length;
    s.frames += 1;
    s.bytes += data.length;
    const tag = data[0];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (!this.o.observe && this.welcomed && tag !== SERVER_TAGS.error) {
      // Delta: tag, baseline u32, tick u32; snapshot: tag, tick u32 (shared/protocol/codec.ts).
      if (tag === SERVER_TAGS.delta && data.length >= 9) this.latestTick = Math.max(this.latestTick, data.readUInt32LE(5));
      else if (tag === SERVER_TAGS.snapshot && data.length >= 5) {
        this.latestTick = Math.max(this.latestTick, data.readUInt32LE(1));
        this.ack(true);
      }
      return;
    }
    let msg: ServerMessage;
    try {
      msg = decodeServerMessage(bytes, this.bounds);
    } catch {
      s.countError('bench_undecodable_frame');
      return;
    }
    switch (msg.type) {
      case 'welcome':
        this.welcomed = true;
        this.bounds = msg.bounds;
        this.avatar = msg.avatar;
        this.latestTick = msg.tick;
        if (this.o.heading !== null) {
          s.movers.set(msg.avatar, { hx: Math.cos(this.o.heading), hy: Math.sin(this.o.heading), flips: [] });
        }
        return;
      case 'snapshot':
        this.latestTick = Math.max(this.latestTick, msg.tick);
        if (msg.part === msg.parts - 1) this.ack(true);
        return;
      case 'delta': {
        this.latestTick = Math.max(this.latestTick, msg.tick);
        const now = performance.now();
        for (const u of msg.entities) {
          if (u.id === this.avatar) continue;
          s.updatesSeen += 1;
          if (!u.velocity) continue;
          const m = s.movers.get(u.id);
          if (!m) continue;
          this.observe(u.id, m, u.velocity[0] * m.hx + u.velocity[1] * m.hy, now);
        }
        return;
      }
      case 'error':
        s.countError(msg.code);
        return;
      default:
        return;
    }
  }

  /** An observed velocity `along` the mover's heading: which reversal it shows, and the latencies it settles. */
  private observe(id: number, m: Mover, along: number, now: number): void {
    const s = this.o.state;
    const speed = Math.abs(along);
    if (speed < MIN_SPEED) return;
    const level = Math.round((1 - speed / WALK_SPEED) / SPEED_STEP);
    if (level < 0 || level >= LEVELS || (level % 2 === 0) !== along > 0) {
      s.unmatched += 1;
      return;
    }
    const latest = m.flips.length - 1;
    const last = this.seen.get(id);
    if (last === undefined) {
      // First sight (normally before the window): the newest reversal at this level; reversals inside
      // the window up to it are delivered now.
      const k = latest - ((((latest - level) % LEVELS) + LEVELS) % LEVELS);
      if (k < 0) {
        s.unmatched += 1;
        return;
      }
      this.record(m, -1, k, now);
      this.seen.set(id, k);
      return;
    }
    if (level === last % LEVELS) return; // the same reversal again (a drift correction)
    const k = last + ((((level - (last % LEVELS)) % LEVELS) + LEVELS) % LEVELS);
    if (k > latest) {
      s.unmatched += 1;
      return;
    }
    this.record(m, last, k, now);
    this.seen.set(id, k);
  }

  /** Latency samples for reversals after `last` up to `k` that were sent inside the window. */
  private record(m: Mover, last: number, k: number, now: number): void {
    const s = this.o.state;
    for (let j = last + 1; j <= k; j++) {
      const at = m.flips[j] ?? Number.NaN;
      if (at >= s.windowStart && at <= s.windowEnd && s.latencies.length < RunState.MAX_SAMPLES) s.latencies.push(now - at);
    }
  }

  /**
   * Observer: for every reversal inside the window that it has not seen (nor a later one), a lower
   * bound of its latency, `now` − send time, appended to `out`.
   */
  unseenLowerBounds(now: number, out: number[]): void {
    if (!this.o.observe) return;
    const s = this.o.state;
    for (const [id, m] of s.movers) {
      if (id === this.avatar) continue;
      for (let j = (this.seen.get(id) ?? -1) + 1; j < m.flips.length; j++) {
        const at = m.flips[j] ?? Number.NaN;
        if (at >= s.windowStart && at <= s.windowEnd) out.push(now - at);
      }
    }
  }

  private send(bytes: Uint8Array): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(bytes);
      this.o.state.sent += 1;
    }
  }

  private ack(force: boolean): void {
    if (this.latestTick <= this.ackedTick) return;
    const t = performance.now();
    if (!force && t - this.lastAckAt < ACK_EVERY_MS) return;
    this.send(encodeClientMessage({ type: 'ack', tick: this.latestTick }));
    this.ackedTick = this.latestTick;
    this.lastAckAt = t;
  }

  /** Sends input every `periodMs`, the first after `delayMs` (to spread clients over the period). */
  startInput(periodMs: number, delayMs: number): void {
    this.stopInput();
    this.startTimer = setTimeout(() => {
      this.startTimer = null;
      this.timer = setInterval(() => this.input(), periodMs);
      this.input();
    }, delayMs);
  }

  stopInput(): void {
    if (this.startTimer !== null) clearTimeout(this.startTimer);
    if (this.timer !== null) clearInterval(this.timer);
    this.startTimer = null;
    this.timer = null;
  }

  private input(): void {
    const s = this.o.state;
    const moving = this.o.heading !== null;
    const first = this.inputs === 0;
    let flipped = false;
    if (moving && !first && this.inputs % this.o.flipEvery === this.o.flipPhase % this.o.flipEvery) {
      this.flip += 1;
      flipped = true;
    }
    this.inputs += 1;
    this.seq = (this.seq + 1) >>> 0;
    const frame = encodeClientMessage({
      type: 'input',
      seq: this.seq,
      move: [moving ? flipMove(this.flip) : 0, 0, 0],
      rotation: this.rotation,
      flags: 0,
    });
    const at = performance.now();
    this.send(frame);
    if (moving && (first || flipped)) s.movers.get(this.avatar)?.flips.push(at);
    if (flipped) {
      if (at >= s.windowStart && at <= s.windowEnd) {
        s.flipsInWindow += 1;
        s.expectedSamples += s.observers - (this.o.observe ? 1 : 0);
      }
    }
    this.ack(false);
  }

  /** Closes the socket (1000) and waits for it to close, terminating it after `timeoutMs`. */
  close(timeoutMs: number): Promise<void> {
    this.stopInput();
    this.closing = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, timeoutMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'bench done');
    });
  }
}
