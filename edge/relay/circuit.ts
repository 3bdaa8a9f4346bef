/** One circuit: a WebSocket from the edge paired with a UDP socket that talks to one simulator address. */
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import type { RawData, WebSocket } from 'ws';
import type { AnomalyDetector } from '../../shared/anomaly/detector.ts';
import type { SimAddress } from './allowlist.ts';
import type { RelayConfig } from './config.ts';
import { CloseCode } from './errors.ts';
import type { Logger } from './log.ts';
import type { DropReason, RelayMetrics } from './metrics.ts';
import { DatagramLimiter } from './rate-limit.ts';

/** What a circuit needs from the relay that owns it. */
export interface CircuitContext {
  readonly config: RelayConfig;
  readonly metrics: RelayMetrics;
  readonly log: Logger;
  /** Monotonic clock in milliseconds. */
  readonly now: () => number;
  /** Called once, after the circuit has released its sockets. */
  readonly onClosed: (circuit: Circuit) => void;
  /** Anomaly scores of every circuit's datagrams to the simulator (one source per circuit). */
  readonly anomaly?: AnomalyDetector;
}

/** Per-circuit counters, logged when the circuit closes. */
interface CircuitCounts {
  toSim: number;
  fromSim: number;
  dropped: number;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Forwards each binary WebSocket message to the simulator as one datagram, and each datagram from the
 * simulator's exact address and port back as one binary message. Anything else is dropped and counted.
 */
export class Circuit {
  private readonly toSimLimit: DatagramLimiter;
  private readonly fromSimLimit: DatagramLimiter;
  private readonly counts: CircuitCounts = { toSim: 0, fromSim: 0, dropped: 0 };
  private lastFromEdge: number;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly openedAt: number;

  constructor(
    readonly id: number,
    readonly sim: SimAddress,
    private readonly ws: WebSocket,
    private readonly udp: UdpSocket,
    private readonly ctx: CircuitContext,
  ) {
    const now = ctx.now();
    this.openedAt = now;
    this.lastFromEdge = now;
    this.toSimLimit = new DatagramLimiter(ctx.config.toSim.datagramsPerSecond, ctx.config.toSim.bytesPerSecond, now);
    this.fromSimLimit = new DatagramLimiter(ctx.config.fromSim.datagramsPerSecond, ctx.config.fromSim.bytesPerSecond, now);
  }

  /** The local UDP port this circuit sends from. */
  get localPort(): number {
    return this.udp.address().port;
  }

  /** Wires the sockets together and arms the idle timer. */
  start(): void {
    this.ws.on('message', (data, isBinary) => this.fromEdge(data, isBinary));
    this.ws.on('close', (code, reason) => this.release(code, reason.toString('utf8')));
    this.ws.on('error', (err) => this.ctx.log.warn('circuit websocket error', { circuit: this.id, error: err.message }));
    this.udp.on('message', (msg, rinfo) => this.fromSim(msg, rinfo));
    this.udp.on('error', (err) => {
      this.ctx.log.error('circuit udp socket error', { circuit: this.id, error: err.message });
      this.close(CloseCode.internalError, 'relay: UDP socket error');
    });
    this.armIdle(this.ctx.config.idleTimeoutMs);
  }

  /** Closes the WebSocket with `code` and `reason` (≤ 123 bytes); the sockets are released when it has closed. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
    else if (this.ws.readyState !== this.ws.CLOSING) this.release(code, reason);
  }

  /** Ends the TCP connection at once (after a close handshake that did not finish). */
  terminate(): void {
    this.ws.terminate();
  }

  private fromEdge(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary) {
      this.close(CloseCode.unsupportedData, 'relay: send each datagram as one binary message');
      return;
    }
    const datagram = toBuffer(data);
    const now = this.ctx.now();
    this.lastFromEdge = now;
    // Size is already bounded by the WebSocket server's maxPayload (larger messages close with 1009).
    const refused: DropReason | null =
      datagram.length === 0
        ? 'empty'
        : this.ctx.anomaly && !this.ctx.anomaly.observe(String(this.id), datagram.length)
          ? 'anomalous'
          : this.toSimLimit.allow(datagram.length, now)
            ? null
            : 'rate_to_sim';
    if (refused) {
      this.drop(refused);
      return;
    }
    const failed = (err: Error): void => {
      this.drop('send_error');
      this.ctx.log.debug('datagram send failed', { circuit: this.id, error: err.message });
    };
    try {
      this.udp.send(datagram, this.sim.port, this.sim.ip, (err) => {
        if (err) failed(err);
      });
    } catch (err) {
      // A socket that has just failed throws instead of calling back; the circuit is closing anyway.
      failed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.counts.toSim += 1;
    this.ctx.metrics.datagramsToSim += 1;
    this.ctx.metrics.bytesToSim += datagram.length;
  }

  private fromSim(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    const refused = this.refuseFromSim(msg, rinfo);
    if (refused) {
      this.drop(refused);
      return;
    }
    this.ws.send(msg, { binary: true });
    this.counts.fromSim += 1;
    this.ctx.metrics.datagramsFromSim += 1;
    this.ctx.metrics.bytesFromSim += msg.length;
  }

  /** Why a datagram from the UDP socket must not reach the edge, or null if it may. */
  private refuseFromSim(msg: Buffer, rinfo: RemoteInfo): DropReason | null {
    // Only the simulator this circuit was opened for may speak on it: this socket is not a way in.
    if (rinfo.address !== this.sim.ip || rinfo.port !== this.sim.port) return 'foreign_source';
    if (msg.length === 0) return 'empty';
    if (msg.length > this.ctx.config.maxDatagramBytes) return 'oversize_from_sim';
    if (!this.fromSimLimit.allow(msg.length, this.ctx.now())) return 'rate_from_sim';
    // LLUDP resends what is lost; dropping beats queueing without bound behind a slow edge.
    if (this.ws.bufferedAmount > this.ctx.config.maxBufferedBytes) return 'backpressure';
    return null;
  }

  private drop(reason: DropReason): void {
    this.counts.dropped += 1;
    this.ctx.metrics.dropped[reason] += 1;
  }

  private armIdle(delay: number): void {
    this.idleTimer = setTimeout(() => {
      const idleFor = this.ctx.now() - this.lastFromEdge;
      const limit = this.ctx.config.idleTimeoutMs;
      if (idleFor >= limit) this.close(CloseCode.idleTimeout, 'relay: idle timeout');
      else this.armIdle(limit - idleFor);
    }, delay);
    this.idleTimer.unref();
  }

  private release(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.ctx.anomaly?.forget(String(this.id));
    this.udp.removeAllListeners('message');
    try {
      this.udp.close();
    } catch {
      // Already closed (its error path closed it): nothing left to release.
    }
    this.ctx.log.info('circuit closed', {
      circuit: this.id,
      sim: `${this.sim.ip}:${this.sim.port}`,
      code,
      reason,
      seconds: Math.round((this.ctx.now() - this.openedAt) / 1000),
      toSim: this.counts.toSim,
      fromSim: this.counts.fromSim,
      dropped: this.counts.dropped,
    });
    this.ctx.onClosed(this);
  }
}
