/**
 * The event-queue events of grid travel (EnableSimulator, EstablishAgentCommunication, CrossedRegion,
 * TeleportFinish, DisableSimulator), read from a region's EventQueueGet answer. Bodies are LLSD: OpenSim sends
 * handles, IPs and region sizes as big-endian `binary` (base64 text here) and ports as integers; a reader takes
 * either form. An event that does not parse is reported (`bad`) and skipped; it never stops the queue.
 */
import type { LlsdValue } from './llsd';

/** A simulator announced by the grid: where it is and how to reach it. */
export interface SimulatorInfo {
  handle: bigint;
  ip: string;
  port: number;
  size: [number, number];
}

/** The travel events a viewer acts on. */
export type TravelEvent =
  | ({ type: 'enable-simulator' } & SimulatorInfo)
  | { type: 'establish-agent-communication'; ip: string; port: number; seed: string }
  | ({ type: 'crossed-region'; seed: string; position: [number, number, number] } & SimulatorInfo)
  | ({ type: 'teleport-finish'; seed: string } & SimulatorInfo)
  | { type: 'disable-simulator' };

/** One event of an event-queue answer: a travel event, an event we do not act on, or one that did not parse. */
export type QueueEvent = TravelEvent | { type: 'other'; name: string } | { type: 'bad'; name: string; why: string };

/** Longest seed capability URL taken from an event. */
const MAX_SEED_CHARS = 2048;
/** Largest region side accepted (OpenSim var regions: 8192 m). */
const MAX_SIZE = 8192;

type Map_ = { [key: string]: LlsdValue };
const isMap = (v: LlsdValue | undefined): v is Map_ => v !== null && typeof v === 'object' && !Array.isArray(v);

class Bad extends Error {}

function bytesOf(v: LlsdValue | undefined, n: number, what: string): Uint8Array {
  if (typeof v !== 'string') throw new Bad(`${what} is not binary`);
  const text = v.replace(/\s+/g, '');
  if (text.length > 4 * Math.ceil(n / 3) + 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new Bad(`${what} is not base64 of ${n} bytes`);
  const raw = atob(text);
  if (raw.length !== n) throw new Bad(`${what} holds ${raw.length} bytes, not ${n}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** A u32 sent as an integer or as 4 big-endian bytes. */
function u32(v: LlsdValue | undefined, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Bad(`${what} ${v} is not a u32`);
    return v;
  }
  const b = bytesOf(v, 4, what);
  return ((b[0] ?? 0) * 2 ** 24 + ((b[1] ?? 0) << 16) + ((b[2] ?? 0) << 8) + (b[3] ?? 0)) >>> 0;
}

function u64(v: LlsdValue | undefined, what: string): bigint {
  const b = bytesOf(v, 8, what);
  let h = 0n;
  for (const x of b) h = (h << 8n) | BigInt(x);
  return h;
}

/** An IPv4 address sent as 4 bytes (or, from some grids, as dotted text). */
function ip(v: LlsdValue | undefined, what: string): string {
  if (typeof v === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return ip4(v.split('.').map(Number), what);
  return ip4([...bytesOf(v, 4, what)], what);
}

function ip4(parts: number[], what: string): string {
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Bad(`${what} is not an IPv4 address`);
  return parts.join('.');
}

function port(v: LlsdValue | undefined, what: string): number {
  const p = u32(v, what);
  if (p < 1 || p > 65535) throw new Bad(`${what} ${p} is not a UDP port`);
  return p;
}

function size(v: LlsdValue | undefined, what: string): number {
  // Older grids leave the size out: 256 m.
  if (v === undefined || v === null || v === '') return 256;
  const s = u32(v, what);
  if (s < 16 || s > MAX_SIZE || s % 16 !== 0)
    throw new Bad(`${what} ${s} is not a region size (16…${MAX_SIZE} m, a multiple of 16)`);
  return s;
}

function seed(v: LlsdValue | undefined, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_SEED_CHARS || !/^https?:\/\//.test(v))
    throw new Bad(`${what} is not an http(s) URL`);
  return v;
}

function first(body: Map_, key: string): Map_ {
  const list = body[key];
  const item = Array.isArray(list) ? list[0] : undefined;
  if (!isMap(item)) throw new Bad(`${key} is missing`);
  return item;
}

function vec3(v: LlsdValue | undefined, what: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
    throw new Bad(`${what} is not three numbers`);
  return [v[0] as number, v[1] as number, v[2] as number];
}

/** "a.b.c.d:port" as EstablishAgentCommunication writes it. */
function ipAndPort(v: LlsdValue | undefined): { ip: string; port: number } {
  if (typeof v !== 'string') throw new Bad('sim-ip-and-port is not text');
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
  if (!m) throw new Bad(`sim-ip-and-port "${v.slice(0, 40)}" is not ip:port`);
  return { ip: ip4((m[1] ?? '').split('.').map(Number), 'sim-ip-and-port'), port: port(Number(m[2]), 'sim-ip-and-port') };
}

/** The region a CrossedRegion or TeleportFinish moves you to (RegionHandle, SimIP, SimPort, sizes, SeedCapability). */
function destination(b: Map_): SimulatorInfo & { seed: string } {
  return {
    handle: u64(b.RegionHandle, 'RegionHandle'),
    ip: ip(b.SimIP, 'SimIP'),
    port: port(b.SimPort, 'SimPort'),
    size: [size(b.RegionSizeX, 'RegionSizeX'), size(b.RegionSizeY, 'RegionSizeY')],
    seed: seed(b.SeedCapability, 'SeedCapability'),
  };
}

function parseOne(name: string, body: LlsdValue | undefined): QueueEvent {
  if (!isMap(body)) return name === 'DisableSimulator' ? { type: 'disable-simulator' } : { type: 'other', name };
  switch (name) {
    case 'EnableSimulator': {
      const s = first(body, 'SimulatorInfo');
      return {
        type: 'enable-simulator',
        handle: u64(s.Handle, 'Handle'),
        ip: ip(s.IP, 'IP'),
        port: port(s.Port, 'Port'),
        size: [size(s.RegionSizeX, 'RegionSizeX'), size(s.RegionSizeY, 'RegionSizeY')],
      };
    }
    case 'EstablishAgentCommunication':
      return {
        type: 'establish-agent-communication',
        ...ipAndPort(body['sim-ip-and-port']),
        seed: seed(body['seed-capability'], 'seed-capability'),
      };
    case 'CrossedRegion': {
      const r = first(body, 'RegionData');
      const info = first(body, 'Info');
      return { type: 'crossed-region', ...destination(r), position: vec3(info.Position, 'Position') };
    }
    case 'TeleportFinish': {
      return { type: 'teleport-finish', ...destination(first(body, 'Info')) };
    }
    case 'DisableSimulator':
      return { type: 'disable-simulator' };
    default:
      return { type: 'other', name };
  }
}

/** Most events read from one answer. */
export const MAX_QUEUE_EVENTS = 256;

/** The events of one EventQueueGet answer (`{id, events: [{message, body}]}`), in order. */
export function readQueueEvents(answer: LlsdValue): QueueEvent[] {
  if (!isMap(answer) || !Array.isArray(answer.events)) return [];
  const out: QueueEvent[] = [];
  for (const e of answer.events.slice(0, MAX_QUEUE_EVENTS)) {
    const name = isMap(e) && typeof e.message === 'string' ? e.message.slice(0, 64) : '';
    if (!isMap(e) || name === '') {
      out.push({ type: 'bad', name: '?', why: 'an event without a message name' });
      continue;
    }
    try {
      out.push(parseOne(name, e.body));
    } catch (err) {
      if (!(err instanceof Bad)) throw err;
      out.push({ type: 'bad', name, why: err.message });
    }
  }
  return out;
}
