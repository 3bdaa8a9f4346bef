/** Test harness for the relay: a fake UDP "simulator", a relay on an ephemeral port, and WebSocket clients (127.0.0.1 only). */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type * as WsModule from 'ws';
import { parseRelayConfig, type RelayConfigInput } from '../../../../edge/relay/config.ts';
import { createRelay, type Relay, type RelayOptions } from '../../../../edge/relay/relay.ts';
import { realWs } from './real-ws.ts';

const { WebSocket } = realWs();
type WebSocket = WsModule.WebSocket;

/** A fake simulator: a UDP socket on 127.0.0.1 that records datagrams and (by default) echoes them. */
export interface FakeSim {
  readonly socket: Socket;
  readonly port: number;
  readonly received: { data: Buffer; from: RemoteInfo }[];
  /** Resolves with the next datagram (or the first one already received beyond `after`). */
  next(after?: number): Promise<{ data: Buffer; from: RemoteInfo }>;
  close(): Promise<void>;
}

/** Binds a UDP socket on 127.0.0.1 at an ephemeral port. */
export function bindUdp(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/** Starts a fake simulator; `echo` sends each datagram back to its sender. */
export async function startFakeSim(echo = true): Promise<FakeSim> {
  const socket = await bindUdp();
  const received: { data: Buffer; from: RemoteInfo }[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data, from) => {
    received.push({ data, from });
    if (echo) socket.send(data, from.port, from.address);
    for (const w of waiters.splice(0)) w();
  });
  return {
    socket,
    port: socket.address().port,
    received,
    next(after = received.length) {
      return new Promise((resolve) => {
        const check = (): void => {
          const item = received[after];
          if (item) resolve(item);
          else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Starts a relay on 127.0.0.1:0 whose allowlist is exactly `allow`; logs are silent. */
export function startRelay(allow: string[], overrides: RelayConfigInput = {}, options: RelayOptions = {}): Promise<Relay> {
  return createRelay(parseRelayConfig({ host: '127.0.0.1', port: 0, allow, logLevel: 'silent', ...overrides }), options);
}

/** The circuit URL for a simulator address. */
export function circuitUrl(relay: Relay, sim: string): string {
  return `ws://127.0.0.1:${relay.port}/v1/circuit?sim=${encodeURIComponent(sim)}`;
}

/** A refusal before the upgrade: the HTTP status and the JSON error body. */
export interface Refusal {
  status: number;
  body: { error: { code: string; message: string } };
}

/** Opens a circuit; resolves with the open socket, or rejects with a {@link Refusal}. */
export function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      res.on('end', () => reject({ status: res.statusCode ?? 0, body: JSON.parse(text) } satisfies Refusal));
    });
    ws.once('error', reject);
  });
}

/** Opens a circuit expecting a refusal; resolves with it. */
export async function refusal(url: string, headers: Record<string, string> = {}): Promise<Refusal> {
  try {
    const ws = await connect(url, headers);
    ws.terminate();
  } catch (err) {
    return err as Refusal;
  }
  throw new Error('the circuit opened but a refusal was expected');
}

/** Resolves with the next binary message. */
export function nextMessage(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data)));
}

/** Resolves with the close code and reason. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve({ code: -1, reason: 'already closed' });
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
  });
}

/** Waits until `predicate` holds, polling every 5 ms, or fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
