/** Opens an LLUDP circuit through the UDP relay (edge/relay, wire protocol v1) from the Workers runtime. */
import { z } from 'zod';
import { GridError } from './errors';
import type { CircuitTransport, TransportHandlers } from './grid-client';
import { readLimited } from './login';

const RelayRefusal = z.object({ error: z.object({ code: z.string().max(64), message: z.string().max(512) }) });

/** Where the relay is and how to authenticate (RELAY_URL, RELAY_TOKEN). */
export interface RelayTarget {
  url: string;
  token?: string | undefined;
}

/** Opens `GET /v1/circuit?sim=ip:port` as a WebSocket; throws `grid_relay_unreachable` or `grid_relay_refused`. */
export async function openRelayCircuit(
  relay: RelayTarget,
  sim: { ip: string; port: number },
  handlers: TransportHandlers,
): Promise<CircuitTransport> {
  const url = `${relay.url.replace(/\/+$/, '')}/v1/circuit?sim=${sim.ip}:${sim.port}`;
  const headers: Record<string, string> = { Upgrade: 'websocket' };
  if (relay.token) headers.Authorization = `Bearer ${relay.token}`;
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 150) : 'no answer';
    throw new GridError(
      'grid_relay_unreachable',
      `the UDP relay at ${relay.url} did not answer (${why}); start it (npx tsx edge/relay/main.ts) or set RELAY_URL`,
    );
  }
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) {
    let detail = `HTTP ${res.status}`;
    try {
      const parsed = RelayRefusal.safeParse(JSON.parse(await readLimited(res, 4096, 'the relay refusal')));
      if (parsed.success) detail = `${parsed.data.error.code}: ${parsed.data.error.message}`;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new GridError('grid_relay_refused', `the UDP relay refused the circuit to ${sim.ip}:${sim.port} (${detail})`);
  }
  ws.accept();
  ws.addEventListener('message', (e) => {
    if (e.data instanceof ArrayBuffer) handlers.onDatagram(new Uint8Array(e.data));
  });
  ws.addEventListener('close', (e) => handlers.onClose(e.code, e.reason));
  ws.addEventListener('error', () => handlers.onClose(1006, 'relay socket error'));
  return {
    send: (d) => ws.send(d),
    close: (code, reason) => ws.close(code, reason),
  };
}
