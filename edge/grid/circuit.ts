/**
 * One LLUDP circuit, transport-agnostic: sequence numbers, reliable sends with resends, acks (PacketAck and
 * appended), a duplicate window for incoming reliable packets, and StartPingCheck answers. The owner feeds
 * datagrams to `receive` and calls `tick` every few tens of milliseconds.
 */
import { decodePacket, encodePacket, isMessage, LludpError, type Message, type Packet, PacketFlags } from '../../shared/lludp';

/** Resend a reliable packet not acked after this long (ms). */
export const RESEND_MS = 500;
/** Give up on a reliable packet after this many resends. */
export const MAX_RESENDS = 6;
/** Incoming reliable sequence numbers remembered to drop duplicates. */
export const DUPLICATE_WINDOW = 2048;
/** Most acks appended to one outgoing packet, and most in one PacketAck. */
const APPENDED_ACKS = 32;
const PACKET_ACK_MAX = 250;
/** Send pending acks at least this often (ms). */
export const ACK_FLUSH_MS = 50;

/** Counters of one circuit. */
export interface CircuitStats {
  sent: number;
  received: number;
  resent: number;
  duplicates: number;
  badDatagrams: number;
  /** Reliable packets dropped after MAX_RESENDS. */
  lost: number;
  unacked: number;
}

interface Pending {
  bytes: Uint8Array;
  sentAt: number;
  tries: number;
  name: string;
}

/** The circuit's hooks. */
export interface CircuitHooks {
  /** Sends one datagram to the simulator. */
  send(datagram: Uint8Array): void;
  /** A decoded packet for the session (duplicates, acks and pings are handled here). */
  onPacket(packet: Packet): void;
  /** Called when a reliable packet was given up after MAX_RESENDS. */
  onLost?(name: string): void;
  /** A datagram that did not decode: counted and dropped. */
  onBadDatagram?(err: LludpError): void;
}

/** An LLUDP circuit (see the module comment). */
export class Circuit {
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly ackQueue: number[] = [];
  private readonly seen = new Set<number>();
  private readonly seenOrder: number[] = [];
  private lastAckFlush = 0;
  /** When the last datagram from the simulator arrived (ms). */
  lastHeard: number;
  readonly stats: CircuitStats = { sent: 0, received: 0, resent: 0, duplicates: 0, badDatagrams: 0, lost: 0, unacked: 0 };

  constructor(
    private readonly hooks: CircuitHooks,
    private readonly now: () => number = Date.now,
  ) {
    this.lastHeard = now();
  }

  /** Sends a message; reliable ones are kept until acked and resent. Returns its sequence number. */
  send(message: Message, reliable = false, zerocoded = false): number {
    this.sequence = (this.sequence + 1) >>> 0 || 1;
    const acks = this.ackQueue.splice(0, APPENDED_ACKS);
    const bytes = encodePacket({ header: { sequence: this.sequence, reliable, zerocoded }, acks, message });
    if (reliable) this.pending.set(this.sequence, { bytes, sentAt: this.now(), tries: 0, name: message.name });
    this.stats.sent += 1;
    this.hooks.send(bytes);
    return this.sequence;
  }

  /** Whether a reliable packet is still waiting for its ack. */
  isPending(sequence: number): boolean {
    return this.pending.has(sequence);
  }

  /** Handles one datagram from the simulator. */
  receive(datagram: Uint8Array): void {
    let packet: Packet;
    try {
      packet = decodePacket(datagram);
    } catch (err) {
      if (!(err instanceof LludpError)) throw err;
      this.stats.badDatagrams += 1;
      this.hooks.onBadDatagram?.(err);
      return;
    }
    this.lastHeard = this.now();
    this.stats.received += 1;
    for (const seq of packet.acks) this.pending.delete(seq);
    if (isMessage(packet.message, 'PacketAck')) {
      for (const b of packet.message.blocks.Packets) this.pending.delete(b.ID);
    }
    if (packet.header.reliable) {
      this.ackQueue.push(packet.header.sequence);
      if (this.seen.has(packet.header.sequence)) {
        this.stats.duplicates += 1;
        return;
      }
      this.seen.add(packet.header.sequence);
      this.seenOrder.push(packet.header.sequence);
      if (this.seenOrder.length > DUPLICATE_WINDOW) this.seen.delete(this.seenOrder.shift() ?? -1);
    }
    if (isMessage(packet.message, 'StartPingCheck')) {
      this.send({ name: 'CompletePingCheck', blocks: { PingID: { PingID: packet.message.blocks.PingID.PingID } } });
      return;
    }
    if (isMessage(packet.message, 'PacketAck')) return;
    this.hooks.onPacket(packet);
  }

  /** Flushes acks and resends what is overdue. */
  tick(): void {
    const now = this.now();
    if (this.ackQueue.length > 0 && now - this.lastAckFlush >= ACK_FLUSH_MS) this.flushAcks();
    for (const [seq, p] of this.pending) {
      if (now - p.sentAt < RESEND_MS) continue;
      if (p.tries >= MAX_RESENDS) {
        this.pending.delete(seq);
        this.stats.lost += 1;
        this.hooks.onLost?.(p.name);
        continue;
      }
      p.tries += 1;
      p.sentAt = now;
      const again = p.bytes.slice();
      again[0] = (again[0] ?? 0) | PacketFlags.resent;
      this.stats.resent += 1;
      this.hooks.send(again);
    }
    this.stats.unacked = this.pending.size;
  }

  /** Sends every queued ack now (PacketAck, up to 250 per packet). */
  flushAcks(): void {
    this.lastAckFlush = this.now();
    while (this.ackQueue.length > 0) {
      const ids = this.ackQueue.splice(0, PACKET_ACK_MAX);
      this.sequence = (this.sequence + 1) >>> 0 || 1;
      this.stats.sent += 1;
      this.hooks.send(
        encodePacket({
          header: { sequence: this.sequence },
          message: { name: 'PacketAck', blocks: { Packets: ids.map((ID) => ({ ID })) } },
        }),
      );
    }
  }
}
