/**
 * Host allowlist rules, `host[/prefix][:port[-port]]`: the one parser behind the edge's grid allowlist
 * (GRID_ALLOW: login and capability URLs) and the UDP relay's destination allowlist. The host is a
 * strict dotted quad (no leading zeros, so no octal ambiguity) with an optional /prefix, or, where the
 * caller allows names, an exact host name. Callers turn a refusal's reason into their own error.
 */

/** One rule: an IPv4 network (or an exact host name) and an inclusive port range. */
export interface HostRule {
  /** The rule as written. */
  readonly text: string;
  /** Lower-case host name, or null for an IPv4 network. */
  readonly name: string | null;
  readonly network: number;
  readonly prefix: number;
  readonly low: number;
  readonly high: number;
}

export interface HostRuleOptions {
  /** Whether exact host names are rules too (the relay never resolves names, so it says no). */
  names: boolean;
  /** Whether `:port` must be written (else no port means every port). */
  portRequired: boolean;
  /** The widest network a rule may name (/8: anything wider is close to an open proxy). */
  minPrefix: number;
}

export type HostRuleResult = { ok: true; rule: HostRule } | { ok: false; why: string };

const QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const PORT = /^[1-9]\d{0,4}$/;
const NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A strict dotted quad as a uint32, else null. */
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

/** A uint32 as a dotted quad. */
export function formatIPv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** A port 1..65535, else null. */
export function parsePort(text: string): number | null {
  if (!PORT.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/** The network mask of a prefix length 0..32. */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses one rule; the reason of a refusal reads after the rule's text ("entry X <why>"). */
export function parseHostRule(text: string, options: HostRuleOptions): HostRuleResult {
  const fail = (why: string): HostRuleResult => ({ ok: false, why });
  const colon = text.lastIndexOf(':');
  if (colon < 0 && options.portRequired) return fail('has no port');
  const hostPart = colon < 0 ? text : text.slice(0, colon);
  const portPart = colon < 0 ? null : text.slice(colon + 1);
  const [host = '', prefixText, ...extra] = hostPart.split('/');
  if (extra.length > 0) return fail('has more than one "/"');
  let low = 1;
  let high = 65535;
  if (portPart !== null) {
    const [lowText = '', highText, ...more] = portPart.split('-');
    if (more.length > 0) return fail('has a malformed port range');
    const l = parsePort(lowText);
    const h = highText === undefined ? l : parsePort(highText);
    if (l === null || h === null) return fail('has a port that is not 1..65535');
    if (h < l) return fail('has a port range whose end is below its start');
    low = l;
    high = h;
  }
  const ip = parseIPv4(host);
  if (ip === null) {
    if (!options.names) return fail('is not an IPv4 address (host names are not allowed: they are never resolved)');
    const name = host.toLowerCase();
    // A name whose last label is all digits is a malformed address (URL parsers read 127.0.0.01 as 127.0.0.1).
    if (prefixText !== undefined || !NAME.test(name) || /(^|\.)\d+$/.test(name))
      return fail('is neither an IPv4 address nor a host name');
    return { ok: true, rule: { text, name, network: 0, prefix: 32, low, high } };
  }
  let prefix = 32;
  if (prefixText !== undefined) {
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) return fail('has a prefix that is not 0..32');
    prefix = Number(prefixText);
    if (prefix < options.minPrefix)
      return fail(`is wider than /${options.minPrefix}, which would make this close to an open proxy`);
  }
  if ((ip & prefixMask(prefix)) >>> 0 !== ip) return fail(`has host bits set for /${prefix}`);
  return { ok: true, rule: { text, name: null, network: ip, prefix, low, high } };
}

/** Whether `rule` covers a host (a uint32 address, or a lower-case name when not an address) and port. */
export function ruleCovers(rule: HostRule, host: number | string, port: number): boolean {
  if (port < rule.low || port > rule.high) return false;
  if (typeof host === 'string') return rule.name === host;
  return rule.name === null && (host & prefixMask(rule.prefix)) >>> 0 === rule.network;
}
