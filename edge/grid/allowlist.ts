/**
 * Which grids the edge may log into: login URIs (and the capability URLs a grid hands out) must match a
 * rule `host[:port[-port]]`, where host is a dotted quad with an optional /prefix or an exact host name.
 * The default reaches only OpenSim's usual ports on this machine, as the relay's default does.
 */
import { type HostRule, parseHostRule, parseIPv4, ruleCovers } from '../../shared/net/host-rules';
import { GridError } from './errors';

/** One rule: a host (IPv4 network or exact name) and an inclusive port range (shared/net/host-rules.ts). */
export type GridRule = HostRule;

/** Default rules (GRID_ALLOW unset): loopback, ports 8000-9999 (OpenSim standalone 9000, Robust 8002). */
export const DEFAULT_GRID_ALLOW = '127.0.0.1:8000-9999,localhost:8000-9999';

function parseRule(text: string): GridRule {
  const parsed = parseHostRule(text, { names: true, portRequired: false, minPrefix: 8 });
  if (parsed.ok) return parsed.rule;
  throw new GridError(
    'grid_bad_request',
    `GRID_ALLOW entry "${text}" ${parsed.why}; write host[:port[-port]], e.g. 127.0.0.1:9000-9999`,
  );
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
    const name = url.hostname.toLowerCase();
    const host = parseIPv4(name) ?? name;
    return this.rules.some((r) => ruleCovers(r, host, port));
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
