/** Destination allowlist: which simulator addresses (IPv4 + port) a circuit may reach. Never resolves hostnames. */
import { RelayError } from './errors.ts';

/** A simulator address: a dotted-quad IPv4 address and a UDP port. */
export interface SimAddress {
  /** Dotted quad, canonical form (no leading zeros). */
  readonly ip: string;
  readonly port: number;
}

/** One allowlist rule: an IPv4 network and an inclusive port range. */
export interface AllowRule {
  /** The rule as written in the configuration. */
  readonly text: string;
  readonly network: number;
  readonly prefix: number;
  readonly portLow: number;
  readonly portHigh: number;
}

/** The narrowest prefix a rule may use: anything wider is too close to an open UDP proxy. */
export const MIN_PREFIX = 8;

const QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const PORT = /^[1-9]\d{0,4}$/;

/** Parses a strict dotted-quad IPv4 address (no leading zeros, so no octal ambiguity) to a uint32, else null. */
export function parseIPv4(text: string): number | null {
  const m = QUAD.exec(text);
  if (!m) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses a port 1..65535, else null. */
export function parsePort(text: string): number | null {
  if (!PORT.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/** Addresses no circuit may reach even if a rule covers them: "this network", multicast, reserved and broadcast. */
export function isForbiddenAddress(ip: number): boolean {
  const first = ip >>> 24;
  return first === 0 || first >= 224;
}

/** Whether a uint32 address is in 127.0.0.0/8. */
export function isLoopback(ip: number): boolean {
  return ip >>> 24 === 127;
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses a rule `a.b.c.d[/prefix]:port[-port]`, e.g. `127.0.0.1:9000-9999`, `10.0.0.0/8:9000`,
 * `203.0.113.7:9000-9015`. The port part is required; the prefix must be at least /8.
 */
export function parseAllowRule(text: string): AllowRule {
  const bad = (why: string): RelayError =>
    new RelayError(
      'relay_invalid_config',
      `allowlist entry "${text}" ${why}; write a.b.c.d[/prefix]:port[-port], e.g. 127.0.0.1:9000-9999`,
    );
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw bad('has no port');
  const hostPart = text.slice(0, colon);
  const portPart = text.slice(colon + 1);
  const [ipText = '', prefixText, ...extra] = hostPart.split('/');
  if (extra.length > 0) throw bad('has more than one "/"');
  const ip = parseIPv4(ipText);
  if (ip === null) throw bad('is not an IPv4 address (hostnames are not allowed: the relay never resolves names)');
  let prefix = 32;
  if (prefixText !== undefined) {
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) throw bad('has a prefix that is not 0..32');
    prefix = Number(prefixText);
    if (prefix < MIN_PREFIX) throw bad(`is wider than /${MIN_PREFIX}, which would make the relay close to an open UDP proxy`);
  }
  const [lowText = '', highText, ...more] = portPart.split('-');
  if (more.length > 0) throw bad('has a malformed port range');
  const low = parsePort(lowText);
  const high = highText === undefined ? low : parsePort(highText);
  if (low === null || high === null) throw bad('has a port that is not 1..65535');
  if (high < low) throw bad('has a port range whose end is below its start');
  const mask = maskOf(prefix);
  if ((ip & mask) >>> 0 !== ip) throw bad(`has host bits set for /${prefix}`);
  return { text, network: ip, prefix, portLow: low, portHigh: high };
}

/**
 * Parses the `sim` query value `a.b.c.d:port`. Hostnames and IPv6 are refused: OpenSim's login answer
 * gives the simulator as a dotted quad (sim_ip) and LLUDP addresses are IPv4.
 */
export function parseSimAddress(text: string): SimAddress {
  const colon = text.lastIndexOf(':');
  const ip = colon < 0 ? null : parseIPv4(text.slice(0, colon));
  const port = colon < 0 ? null : parsePort(text.slice(colon + 1));
  if (ip === null || port === null) {
    throw new RelayError(
      'relay_bad_request',
      'sim must be an IPv4 address and UDP port, a.b.c.d:port (hostnames are not resolved); use sim_ip:sim_port from the login answer',
    );
  }
  return { ip: formatIPv4(ip), port };
}

/** Formats a uint32 as a dotted quad. */
export function formatIPv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** The set of destinations circuits may reach. */
export class Allowlist {
  readonly rules: readonly AllowRule[];

  constructor(rules: readonly AllowRule[]) {
    this.rules = rules;
  }

  /** Parses rules from their text forms; throws `relay_invalid_config` naming the first bad one. */
  static parse(entries: readonly string[]): Allowlist {
    return new Allowlist(entries.map((e) => parseAllowRule(e.trim())));
  }

  /** Whether a circuit may reach `sim`: a rule covers it and it is not a forbidden address. */
  allows(sim: SimAddress): boolean {
    const ip = parseIPv4(sim.ip);
    if (ip === null || isForbiddenAddress(ip)) return false;
    return this.rules.some((r) => (ip & maskOf(r.prefix)) >>> 0 === r.network && sim.port >= r.portLow && sim.port <= r.portHigh);
  }

  /** Whether every rule lies inside 127.0.0.0/8 (then circuits may bind their UDP sockets to loopback). */
  loopbackOnly(): boolean {
    return this.rules.every((r) => r.prefix >= 8 && isLoopback(r.network));
  }

  /** The rules as written, for logs. */
  describe(): string {
    return this.rules.map((r) => r.text).join(', ');
  }
}
