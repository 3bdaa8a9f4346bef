/** Destination allowlist: which simulator addresses (IPv4 + port) a circuit may reach. Never resolves hostnames. */
import { formatIPv4, type HostRule, parseHostRule, parseIPv4, parsePort, ruleCovers } from '../../shared/net/host-rules.ts';
import { RelayError } from './errors.ts';

/** A simulator address: a dotted-quad IPv4 address and a UDP port. */
export interface SimAddress {
  /** Dotted quad, canonical form (no leading zeros). */
  readonly ip: string;
  readonly port: number;
}

/** One allowlist rule: an IPv4 network and an inclusive port range (shared/net/host-rules.ts parses it). */
export type AllowRule = HostRule;

/** The narrowest prefix a rule may use: anything wider is too close to an open UDP proxy. */
export const MIN_PREFIX = 8;

/** Addresses no circuit may reach even if a rule covers them: "this network", multicast, reserved and broadcast. */
export function isForbiddenAddress(ip: number): boolean {
  const first = ip >>> 24;
  return first === 0 || first >= 224;
}

/** Whether a uint32 address is in 127.0.0.0/8. */
export function isLoopback(ip: number): boolean {
  return ip >>> 24 === 127;
}

/**
 * Parses a rule `a.b.c.d[/prefix]:port[-port]`, e.g. `127.0.0.1:9000-9999`, `10.0.0.0/8:9000`,
 * `203.0.113.7:9000-9015`. The port part is required; the prefix must be at least /8; no host names
 * (the relay never resolves names).
 */
export function parseAllowRule(text: string): AllowRule {
  const parsed = parseHostRule(text, { names: false, portRequired: true, minPrefix: MIN_PREFIX });
  if (parsed.ok) return parsed.rule;
  throw new RelayError(
    'relay_invalid_config',
    `allowlist entry "${text}" ${parsed.why}; write a.b.c.d[/prefix]:port[-port], e.g. 127.0.0.1:9000-9999`,
  );
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
    return this.rules.some((r) => ruleCovers(r, ip, sim.port));
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
