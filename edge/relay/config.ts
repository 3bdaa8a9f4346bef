/** Relay configuration: an optional JSON file (RELAY_CONFIG) overridden by RELAY_* environment variables, parsed with one schema. */
import { z } from 'zod';
import { parseIPv4, parsePort } from '../../shared/net/host-rules.ts';
import { Allowlist, isLoopback } from './allowlist.ts';
import { RelayError } from './errors.ts';
import type { LogLevel } from './log.ts';

/** Limits of one direction of a circuit. */
export interface DirectionLimits {
  readonly datagramsPerSecond: number;
  readonly bytesPerSecond: number;
}

/** The parsed, validated configuration. */
export interface RelayConfig {
  /** Address the HTTP/WebSocket server listens on. */
  readonly host: string;
  /** TCP port of the HTTP/WebSocket server (0: any free port, for tests). */
  readonly port: number;
  readonly allowlist: Allowlist;
  /** Shared secret the edge sends as `Authorization: Bearer <token>`; null: no authentication. */
  readonly token: string | null;
  readonly maxCircuits: number;
  /** Largest datagram accepted in either direction (bytes); larger WebSocket messages close the circuit with 1009. */
  readonly maxDatagramBytes: number;
  /** A circuit with no datagram from the edge for this long is closed (4408). */
  readonly idleTimeoutMs: number;
  /** Edge → simulator limits per circuit. */
  readonly toSim: DirectionLimits;
  /** Simulator → edge limits per circuit. */
  readonly fromSim: DirectionLimits;
  /** Datagrams from the simulator are dropped while the WebSocket has more than this many bytes queued. */
  readonly maxBufferedBytes: number;
  /** Local address circuits bind their UDP sockets to. */
  readonly udpHost: string;
  /** Fixed local UDP port range for circuits (e.g. to name them in a firewall); null: ephemeral ports. */
  readonly udpPorts: { readonly low: number; readonly high: number } | null;
  readonly logLevel: LogLevel;
}

/** Default destinations: OpenSim's usual region ports on this machine only. */
export const DEFAULT_ALLOW = ['127.0.0.1:9000-9999'];
/** Default TCP port of the relay. */
export const DEFAULT_PORT = 8790;
/**
 * Default datagram limit: 8192 bytes, the receive buffer of Second Life viewers (MAX_BUFFER_SIZE) and of our
 * codec (shared/lludp MAX_PACKET_BYTES). Simulators keep datagrams under their MTU (OpenSim: 1400), so nothing
 * legitimate is near it; anything larger is not LLUDP.
 */
export const DEFAULT_MAX_DATAGRAM_BYTES = 8192;

const wholeNumber = (min: number, max: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)])
    .pipe(z.number().int().min(min).max(max));

const flag = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no']))
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
]);

const list = z.union([
  z.array(z.string()),
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  ),
]);

const portRange = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const [lowText = '', highText = lowText, ...more] = s.split('-');
    const low = parsePort(lowText);
    const high = parsePort(highText);
    if (more.length > 0 || low === null || high === null || high < low) {
      ctx.addIssue({ code: 'custom', message: 'must be a UDP port range low-high, e.g. 40000-40015' });
      return z.NEVER;
    }
    return { low, high };
  });

/** The configuration schema: the JSON file's keys; environment variables map onto the same keys. */
export const RelayConfigInput = z.strictObject({
  host: z.string().trim().min(1).optional(),
  port: wholeNumber(0, 65535).optional(),
  allow: list.optional(),
  token: z.string().optional(),
  insecureNoToken: flag.optional(),
  maxCircuits: wholeNumber(1, 100_000).optional(),
  maxDatagramBytes: wholeNumber(64, 65507).optional(),
  idleTimeoutMs: wholeNumber(100, 86_400_000).optional(),
  toSimDatagramsPerSecond: wholeNumber(1, 1_000_000).optional(),
  toSimBytesPerSecond: wholeNumber(64, 1_000_000_000).optional(),
  fromSimDatagramsPerSecond: wholeNumber(1, 1_000_000).optional(),
  fromSimBytesPerSecond: wholeNumber(64, 1_000_000_000).optional(),
  maxBufferedBytes: wholeNumber(1024, 1_000_000_000).optional(),
  udpHost: z.string().trim().min(1).optional(),
  udpPorts: portRange.optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
});

/** Input accepted by {@link RelayConfigInput} (before parsing). */
export type RelayConfigInput = z.input<typeof RelayConfigInput>;

/** Environment variable → configuration key. */
export const ENV_KEYS = {
  RELAY_HOST: 'host',
  RELAY_PORT: 'port',
  RELAY_ALLOW: 'allow',
  RELAY_TOKEN: 'token',
  RELAY_INSECURE_NO_TOKEN: 'insecureNoToken',
  RELAY_MAX_CIRCUITS: 'maxCircuits',
  RELAY_MAX_DATAGRAM_BYTES: 'maxDatagramBytes',
  RELAY_IDLE_TIMEOUT_MS: 'idleTimeoutMs',
  RELAY_TO_SIM_DATAGRAMS_PER_S: 'toSimDatagramsPerSecond',
  RELAY_TO_SIM_BYTES_PER_S: 'toSimBytesPerSecond',
  RELAY_FROM_SIM_DATAGRAMS_PER_S: 'fromSimDatagramsPerSecond',
  RELAY_FROM_SIM_BYTES_PER_S: 'fromSimBytesPerSecond',
  RELAY_MAX_BUFFERED_BYTES: 'maxBufferedBytes',
  RELAY_UDP_HOST: 'udpHost',
  RELAY_UDP_PORTS: 'udpPorts',
  RELAY_LOG_LEVEL: 'logLevel',
} as const satisfies Record<string, keyof RelayConfigInput>;

/** Shortest shared secret accepted: shorter ones are guessable. */
export const MIN_TOKEN_LENGTH = 16;

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const ip = parseIPv4(host);
  return ip !== null && isLoopback(ip);
}

/** Validates and completes a configuration; throws `relay_invalid_config` naming every bad key. */
export function parseRelayConfig(input: unknown): RelayConfig {
  const parsed = RelayConfigInput.safeParse(input);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new RelayError('relay_invalid_config', `invalid configuration: ${what}`);
  }
  const c = parsed.data;
  const host = c.host ?? '127.0.0.1';
  const allowlist = Allowlist.parse(c.allow ?? DEFAULT_ALLOW);
  if (allowlist.rules.length === 0) throw new RelayError('relay_invalid_config', 'the allowlist is empty; no circuit could open');
  const token = c.token === undefined || c.token === '' ? null : c.token;
  if (token !== null && token.length < MIN_TOKEN_LENGTH) {
    throw new RelayError(
      'relay_invalid_config',
      `the token is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random secret`,
    );
  }
  if (token === null && !isLoopbackHost(host) && c.insecureNoToken !== true) {
    throw new RelayError(
      'relay_invalid_config',
      `listening on ${host} (not loopback) needs a token: set RELAY_TOKEN (or RELAY_INSECURE_NO_TOKEN=1 if a network policy already restricts who connects)`,
    );
  }
  const maxCircuits = c.maxCircuits ?? 256;
  const udpPorts = c.udpPorts ?? null;
  if (udpPorts !== null && udpPorts.high - udpPorts.low + 1 < maxCircuits) {
    throw new RelayError(
      'relay_invalid_config',
      `udpPorts ${udpPorts.low}-${udpPorts.high} has fewer ports than maxCircuits (${maxCircuits}); give one port per circuit`,
    );
  }
  return {
    host,
    port: c.port ?? DEFAULT_PORT,
    allowlist,
    token,
    maxCircuits,
    maxDatagramBytes: c.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES,
    idleTimeoutMs: c.idleTimeoutMs ?? 60_000,
    toSim: { datagramsPerSecond: c.toSimDatagramsPerSecond ?? 500, bytesPerSecond: c.toSimBytesPerSecond ?? 1_048_576 },
    fromSim: { datagramsPerSecond: c.fromSimDatagramsPerSecond ?? 5000, bytesPerSecond: c.fromSimBytesPerSecond ?? 8_388_608 },
    maxBufferedBytes: c.maxBufferedBytes ?? 4_194_304,
    udpHost: c.udpHost ?? (allowlist.loopbackOnly() ? '127.0.0.1' : '0.0.0.0'),
    udpPorts,
    logLevel: c.logLevel ?? 'info',
  };
}

/**
 * Reads the configuration: the JSON file named by RELAY_CONFIG (if any), then RELAY_* variables over it.
 * `readText` is injectable for tests.
 */
export function loadRelayConfig(env: NodeJS.ProcessEnv, readText: (path: string) => string): RelayConfig {
  let base: Record<string, unknown> = {};
  const file = env.RELAY_CONFIG;
  if (file !== undefined && file !== '') {
    let json: unknown;
    try {
      json = JSON.parse(readText(file));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new RelayError('relay_invalid_config', `cannot read the configuration file ${file}: ${why}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new RelayError('relay_invalid_config', `the configuration file ${file} must hold a JSON object`);
    }
    base = { ...json };
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined) base[key] = value;
  }
  return parseRelayConfig(base);
}
