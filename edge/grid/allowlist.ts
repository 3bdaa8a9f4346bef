/**
 * Which grids the edge may log into: login URIs (and the capability URLs a grid hands out) must match a
 * rule `host[:port[-port]]`, where host is a dotted quad with an optional /prefix or an exact host name.
 * The default reaches only OpenSim's usual ports on this machine, as the relay's default does.
 */
import { GridError } from './errors';

/** One rule: a host (IPv4 network or exact name) and an inclusive port range. */
export interface GridRule {
  readonly text: string;
  readonly name: string | null;
  readonly network: number;
  readonly prefix: number;
  readonly low: number;
  readonly high: number;
}

/** Default rules (GRID_ALLOW unset): loopback, ports 8000-9999 (OpenSim standalone 9000, Robust 8002). */
export const DEFAULT_GRID_ALLOW = '127.0.0.1:8000-9999,localhost:8000-9999';

const QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A dotted quad as a uint32, or null. */
export function parseIPv4(text: string): number | null {
  const m = QUAD.exec(text);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

const mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

function parseRule(text: string): GridRule {
  const bad = (why: string) =>
    new GridError('grid_bad_request', `GRID_ALLOW entry "${text}" ${why}; write host[:port[-port]], e.g. 127.0.0.1:9000-9999`);
  const m = /^([^:/]+)(?:\/(\d{1,2}))?(?::(\d{1,5})(?:-(\d{1,5}))?)?$/.exec(text);
  if (!m) throw bad('is malformed');
  const [, host = '', prefixText, lowText, highText] = m;
  const ip = parseIPv4(host);
  const low = lowText === undefined ? 1 : Number(lowText);
  const high = highText === undefined ? (lowText === undefined ? 65535 : low) : Number(highText);
  if (low < 1 || high > 65535 || high < low) throw bad('has a bad port range');
  if (ip === null) {
    if (prefixText !== undefined || !NAME.test(host.toLowerCase())) throw bad('is neither an IPv4 address nor a host name');
    return { text, name: host.toLowerCase(), network: 0, prefix: 32, low, high };
  }
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (prefix < 8 || prefix > 32) throw bad('has a prefix outside /8../32');
  if ((ip & mask(prefix)) >>> 0 !== ip) throw bad(`has host bits set for /${prefix}`);
  return { text, name: null, network: ip, prefix, low, high };
}

/** The grids this edge may reach. */
export class GridAllowlist {
  constructor(readonly rules: readonly GridRule[]) {}

  /** Parses comma-separated rules (GRID_ALLOW); an empty or unset value gives the default. */
  static parse(text: string | undefined): GridAllowlist {
    const entries = (text === undefined || text.trim() === '' ? DEFAULT_GRID_ALLOW : text)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return new GridAllowlist(entries.map(parseRule));
  }

  /** Whether `url` (http or https, no credentials) names an allowed host and port. */
  allowsUrl(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (url.username !== '' || url.password !== '') return false;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const host = url.hostname.toLowerCase();
    const ip = parseIPv4(host);
    return this.rules.some((r) => {
      if (port < r.low || port > r.high) return false;
      if (r.name !== null) return r.name === host;
      return ip !== null && (ip & mask(r.prefix)) >>> 0 === r.network;
    });
  }

  /** The rules as written. */
  describe(): string {
    return this.rules.map((r) => r.text).join(',');
  }
}

/** Parses and checks a URL the grid gave or the visitor typed; throws `grid_bad_request` / `grid_not_allowed`. */
export function checkGridUrl(text: string, allow: GridAllowlist, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GridError('grid_bad_request', `${what} "${text.slice(0, 100)}" is not a URL; give e.g. http://127.0.0.1:9000/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new GridError('grid_bad_request', `${what} must be an http or https URL`);
  if (url.username !== '' || url.password !== '') throw new GridError('grid_bad_request', `${what} must not carry credentials`);
  if (!allow.allowsUrl(url)) {
    throw new GridError(
      'grid_not_allowed',
      `${what} ${url.host} is not on this edge's grid allowlist (GRID_ALLOW: ${allow.describe()}); an operator adds the grid there`,
    );
  }
  return url;
}
