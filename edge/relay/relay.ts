/** The relay server: HTTP (/healthz, /readyz, /metrics) and WebSocket circuits on /v1/circuit, each bridged to one UDP socket. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { type AnomalyDetector, type AnomalyScore, createAnomalyDetector } from '../../shared/anomaly/detector.ts';
import { parseSimAddress, type SimAddress } from './allowlist.ts';
import { Circuit } from './circuit.ts';
import type { RelayConfig } from './config.ts';
import { CloseCode, RelayError, type RelayErrorCode } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, formatPrometheus, type RefusalReason, type RelayMetrics } from './metrics.ts';

/** The path of the circuit endpoint (version 1 of the wire protocol in edge/relay/README.md). */
export const CIRCUIT_PATH = '/v1/circuit';

/** How long shutdown waits for close handshakes before cutting connections. */
const SHUTDOWN_GRACE_MS = 2000;

/** A running relay. */
export interface Relay {
  /** The TCP port it listens on (useful when the configuration said 0). */
  readonly port: number;
  /** Open circuits now. */
  readonly circuitCount: number;
  /** The counters (a live object; copy it to keep a snapshot). */
  readonly metrics: RelayMetrics;
  /** Closes every circuit (1001), stops listening, and resolves when every socket is closed. Idempotent. */
  close(): Promise<void>;
}

/** Options that are not configuration: injectable for tests. */
export interface RelayOptions {
  readonly log?: Logger;
  /** Monotonic clock in milliseconds. */
  readonly now?: () => number;
  /**
   * Sees every datagram from the edge as the circuit's anomaly detector counts it (the circuit's id, its bytes),
   * before the detector's verdict: `npm run record:relay` records normal traffic per circuit with it.
   */
  readonly onObserve?: (circuit: string, bytes: number) => void;
}

const REFUSAL: Record<RelayErrorCode, RefusalReason> = {
  relay_bad_request: 'bad_request',
  relay_unauthorized: 'unauthorized',
  relay_origin_refused: 'origin',
  relay_destination_refused: 'destination',
  relay_at_capacity: 'capacity',
  relay_shutting_down: 'shutting_down',
  relay_udp_unavailable: 'udp_unavailable',
  relay_not_found: 'bad_request',
  relay_upgrade_required: 'bad_request',
  relay_invalid_config: 'bad_request',
};

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time comparison of the presented bearer token with the configured one (hashing hides the length). */
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer ([^\s]+)$/.exec(header ?? '');
  const presented = digest(match?.[1] ?? '');
  return timingSafeEqual(presented, expected) && match !== null;
}

function errorJson(err: RelayError): string {
  return JSON.stringify({ error: err.toJSON() });
}

/** Binds a UDP socket; rejects with the bind error. */
function bindUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4' });
    const onError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // Never bound: nothing to close.
      }
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Starts a relay with `config`; resolves once it listens. */
export async function createRelay(config: RelayConfig, options: RelayOptions = {}): Promise<Relay> {
  const log = options.log ?? createLogger(config.logLevel);
  const now = options.now ?? (() => performance.now());
  const metrics = createMetrics();
  const circuits = new Set<Circuit>();
  // Packets per circuit against the circuit's own baseline (shared/anomaly): under half the datagram limit nothing
  // is anomalous (a login or a teleport is a burst); a circuit far over its baseline for two seconds is logged with
  // what drove it and its datagrams are dropped until it calms.
  const anomaly = createAnomalyDetector({
    now,
    floor: { events_per_s: config.toSim.datagramsPerSecond / 2, bytes_per_s: config.toSim.bytesPerSecond / 2 },
    onAnomaly: (s: AnomalyScore) =>
      log.warn('circuit anomalous: datagrams dropped', {
        circuit: s.source,
        score: Number(s.score.toFixed(1)),
        feature: s.features[0]?.feature ?? '',
        value: Math.round(s.features[0]?.value ?? 0),
        mean: Math.round(s.features[0]?.mean ?? 0),
        z: Number((s.features[0]?.z ?? 0).toFixed(1)),
      }),
  });
  const tap = options.onObserve;
  const observed: AnomalyDetector = tap
    ? {
        ...anomaly,
        observe: (source, bytes, events) => {
          tap(source, bytes ?? 0);
          return anomaly.observe(source, bytes, events);
        },
      }
    : anomaly;
  const expectedToken = config.token === null ? null : digest(config.token);
  const usedUdpPorts = new Set<number>();
  let pending = 0;
  let nextId = 1;
  let closing: Promise<void> | null = null;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxDatagramBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  wss.on('error', (err) => log.error('websocket server error', { error: err.message }));

  const refuse = (socket: Duplex, err: RelayError): void => {
    metrics.refused[REFUSAL[err.code]] += 1;
    const body = errorJson(err);
    socket.end(
      `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };

  /** Checks a circuit request; returns the simulator address or throws the refusal. The token is checked before the destination, so strangers learn nothing about the allowlist. */
  const admit = (req: IncomingMessage, url: URL): SimAddress => {
    if (closing) throw new RelayError('relay_shutting_down', 'the relay is shutting down; retry on another instance');
    if (url.pathname !== CIRCUIT_PATH) {
      throw new RelayError('relay_not_found', `no such endpoint; circuits open at ${CIRCUIT_PATH}`);
    }
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      throw new RelayError('relay_bad_request', 'only WebSocket upgrades are accepted');
    }
    // Browsers always send Origin on WebSockets and cannot be stopped by CORS: refusing it keeps web pages
    // from reaching the relay on a visitor's machine. The edge's server-side fetch sends none.
    if (req.headers.origin !== undefined)
      throw new RelayError('relay_origin_refused', 'browser connections are refused; only the edge connects');
    if (expectedToken && !tokenMatches(req.headers.authorization, expectedToken)) {
      throw new RelayError('relay_unauthorized', 'missing or wrong token; send Authorization: Bearer <RELAY_TOKEN>');
    }
    const sims = url.searchParams.getAll('sim');
    if (sims.length !== 1) throw new RelayError('relay_bad_request', 'give exactly one sim=a.b.c.d:port query parameter');
    const sim = parseSimAddress(sims[0] ?? '');
    if (!config.allowlist.allows(sim)) {
      throw new RelayError(
        'relay_destination_refused',
        `destination ${sim.ip}:${sim.port} is not in this relay's allowlist (RELAY_ALLOW)`,
      );
    }
    if (circuits.size + pending >= config.maxCircuits) {
      throw new RelayError(
        'relay_at_capacity',
        `all ${config.maxCircuits} circuits are in use; retry later or on another instance`,
      );
    }
    return sim;
  };

  /** A UDP socket for a new circuit: an ephemeral port, or a free one from the configured range. */
  const openUdp = async (): Promise<UdpSocket> => {
    const range = config.udpPorts;
    if (range === null) return bindUdp(config.udpHost, 0);
    for (let port = range.low; port <= range.high; port++) {
      if (usedUdpPorts.has(port)) continue;
      usedUdpPorts.add(port);
      try {
        const socket = await bindUdp(config.udpHost, port);
        socket.once('close', () => usedUdpPorts.delete(port));
        return socket;
      } catch {
        usedUdpPorts.delete(port);
      }
    }
    throw new Error(`no free UDP port in ${range.low}-${range.high}`);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug('upgrade socket error', { error: err.message }));
    let sim: SimAddress;
    try {
      sim = admit(req, new URL(req.url ?? '/', 'http://relay'));
    } catch (err) {
      const refusal = err instanceof RelayError ? err : new RelayError('relay_bad_request', 'malformed request');
      log.warn('circuit refused', { code: refusal.code, reason: refusal.message, from: req.socket.remoteAddress });
      refuse(socket, refusal);
      return;
    }
    pending += 1;
    void openCircuit(req, socket, head, sim).catch((err: unknown) => {
      // Our bug, not the caller's: log it, drop the connection, keep serving.
      log.error('circuit setup failed', { error: err instanceof Error ? err.message : String(err) });
      socket.destroy();
    });
  };

  /** Binds the circuit's UDP socket, then completes the WebSocket upgrade (so 101 means ready to send). */
  const openCircuit = async (req: IncomingMessage, socket: Duplex, head: Buffer, sim: SimAddress): Promise<void> => {
    let udp: UdpSocket;
    try {
      udp = await openUdp();
    } catch (err) {
      log.error('no UDP socket for a circuit', { error: err instanceof Error ? err.message : String(err) });
      refuse(socket, new RelayError('relay_udp_unavailable', 'no UDP socket is available for a new circuit; retry later'));
      return;
    } finally {
      pending -= 1;
    }
    if (closing || socket.destroyed) {
      udp.close();
      if (!socket.destroyed)
        refuse(socket, new RelayError('relay_shutting_down', 'the relay is shutting down; retry on another instance'));
      return;
    }
    let upgraded = false;
    // ws answers a malformed handshake itself and never calls back: release the UDP socket then.
    socket.once('close', () => {
      if (!upgraded) udp.close();
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      const circuit = new Circuit(nextId++, sim, ws, udp, {
        config,
        metrics,
        log,
        now,
        anomaly: observed,
        onClosed: (c) => {
          circuits.delete(c);
          metrics.circuitsActive = circuits.size;
          metrics.circuitsClosed += 1;
        },
      });
      circuits.add(circuit);
      metrics.circuitsOpened += 1;
      metrics.circuitsActive = circuits.size;
      circuit.start();
      log.info('circuit opened', { circuit: circuit.id, sim: `${sim.ip}:${sim.port}`, localPort: circuit.localPort });
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://relay').pathname;
    } catch {
      // An unparseable target answers 404 like any unknown path.
    }
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/healthz') {
      // Liveness: the process answers. Whether it takes new circuits is /readyz.
      json(200, {
        status: closing ? 'shutting_down' : 'ok',
        circuits: circuits.size,
        maxCircuits: config.maxCircuits,
      });
    } else if (req.method === 'GET' && path === '/readyz') {
      // Not ready while full or stopping, so a load balancer sends new circuits elsewhere.
      const full = circuits.size + pending >= config.maxCircuits;
      json(closing || full ? 503 : 200, { status: closing ? 'shutting_down' : full ? 'full' : 'ready', circuits: circuits.size });
    } else if (req.method === 'GET' && path === '/metrics') {
      res
        .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Cache-Control': 'no-store' })
        .end(formatPrometheus(metrics));
    } else if (path === CIRCUIT_PATH) {
      json(426, { error: new RelayError('relay_upgrade_required', `${CIRCUIT_PATH} takes only WebSocket upgrades`).toJSON() });
    } else {
      json(404, {
        error: new RelayError('relay_not_found', 'no such endpoint; see /healthz, /readyz, /metrics, /v1/circuit').toJSON(),
      });
    }
  };

  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, onRequest);
  // Circuits hold their TCP connection; the rest is headroom for probes, scrapes and refusals, so a
  // connection flood is cut at the socket instead of holding memory.
  server.maxConnections = config.maxCircuits + 256;
  server.on('upgrade', onUpgrade);
  server.on('clientError', (err, socket) => {
    log.debug('bad http request', { error: err.message });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('http server error', { error: err.message }));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  log.info('relay listening', {
    host: config.host,
    port,
    allow: config.allowlist.describe(),
    auth: config.token === null ? 'none' : 'bearer',
    maxCircuits: config.maxCircuits,
    udpHost: config.udpHost,
  });

  const shutdown = async (): Promise<void> => {
    log.info('relay shutting down', { circuits: circuits.size });
    const open = [...circuits];
    const allClosed = new Promise<void>((resolve) => {
      if (circuits.size === 0) return resolve();
      const check = setInterval(() => {
        if (circuits.size === 0) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    for (const c of open) c.close(CloseCode.goingAway, 'relay: shutting down');
    const grace = setTimeout(() => {
      for (const c of circuits) c.terminate();
    }, SHUTDOWN_GRACE_MS);
    await allClosed;
    clearTimeout(grace);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    wss.close();
    log.info('relay stopped', {});
  };

  return {
    port,
    get circuitCount() {
      return circuits.size;
    },
    metrics,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
