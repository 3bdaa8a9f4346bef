/** Shareable place links: parse every form people paste, format our canonical form (SPEC §4). */
import { StormError } from '../errors';

/** A position in region/world metres, or null for "the landing point". */
export type Position = readonly [x: number, y: number, z: number];

/** Where a link points. */
export type Place =
  /** A Finalverse world hosted by our edge: `/#/fv/<world>/<x>/<y>/<z>`. */
  | { kind: 'fv'; world: string; position: Position | null }
  /** An OpenSim region on a named grid: `/#/os/<host:port>/<Region>/<x>/<y>/<z>`, `hop://…`. */
  | { kind: 'os'; grid: string; region: string; position: Position | null }
  /** A region without a grid (`secondlife://`, SLURL): the viewer asks which grid, or uses the current one. */
  | { kind: 'region'; region: string; position: Position | null };

/** Stable error for every malformed link; the message says what is wrong in plain words. */
export class LinkError extends StormError {
  constructor(message: string) {
    super('link_invalid', `links: ${message}`);
    this.name = 'LinkError';
  }
}

/** Limits that keep hostile input cheap to reject. */
export const LINK_LIMITS = { maxLength: 2048, maxRegionName: 64, maxCoordinate: 1_048_576 } as const;

const WORLD_NAME = /^[a-z0-9-]{1,32}$/;
const HOST =
  /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** True for a valid Finalverse world name (1–32 of [a-z0-9-]). */
export function isWorldName(name: string): boolean {
  return WORLD_NAME.test(name);
}

/** Validates `host:port` (port 1–65535; host a DNS name, IPv4 or [IPv6]) and returns it lower-cased. */
export function parseGridAddress(text: string): string {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  if (!m?.[1] || !m[2]) throw new LinkError(`grid "${truncate(text)}" must be host:port, e.g. grid.example.org:8002`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new LinkError(`grid port ${m[2]} is not between 1 and 65535`);
  if (!HOST.test(m[1])) throw new LinkError(`grid host "${truncate(m[1])}" is not a host name or IP address`);
  return `${m[1].toLowerCase()}:${port}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new LinkError(`${what} "${truncate(part)}" is not valid URL encoding`);
  }
}

function regionName(part: string): string {
  const name = decode(part, 'region name').trim();
  if (name.length === 0) throw new LinkError('the region name is empty');
  if (name.length > LINK_LIMITS.maxRegionName)
    throw new LinkError(`the region name is longer than ${LINK_LIMITS.maxRegionName} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f/]/.test(name)) throw new LinkError('the region name contains a control character or a slash');
  return name;
}

function coordinate(part: string, axis: string): number {
  if (!NUMBER.test(part)) throw new LinkError(`${axis} "${truncate(part)}" is not a number`);
  const value = Number(part);
  if (!Number.isFinite(value) || Math.abs(value) > LINK_LIMITS.maxCoordinate) {
    throw new LinkError(`${axis} ${part} is outside ±${LINK_LIMITS.maxCoordinate} m`);
  }
  return value;
}

/** x/y/z from up to three path parts; none → null (landing point); x or x/y alone → SL defaults (128, 128, 0). */
function position(parts: string[]): Position | null {
  if (parts.length === 0) return null;
  if (parts.length > 3) throw new LinkError('a position has at most three numbers: x/y/z');
  const [x = '128', y = '128', z = '0'] = parts;
  return [coordinate(x, 'x'), coordinate(y, 'y'), coordinate(z, 'z')];
}

/** Splits a path on '/', ignoring one leading and one trailing slash. */
function routeParts(route: string): string[] {
  const parts = route.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** Parses the part after `#` of our own links: `/fv/…` or `/os/…`. */
function parseRoute(route: string): Place {
  const parts = routeParts(route);
  const [kind, ...rest] = parts;
  if (kind === 'fv') {
    const [world = '', ...coords] = rest;
    const name = decode(world, 'world name');
    if (!isWorldName(name)) throw new LinkError(`world name "${truncate(name)}" must be 1–32 of a-z, 0-9 and -`);
    return { kind: 'fv', world: name, position: position(coords) };
  }
  if (kind === 'os') {
    const [grid = '', region = '', ...coords] = rest;
    if (!grid) throw new LinkError('an OpenSim link needs a grid: /#/os/<host:port>/<Region>/<x>/<y>/<z>');
    return { kind: 'os', grid: parseGridAddress(decode(grid, 'grid')), region: regionName(region), position: position(coords) };
  }
  throw new LinkError('a place link starts with #/fv/<world> or #/os/<grid>/<Region>');
}

/**
 * Parses any link form a person may paste: our own (`/#/fv/…`, `/#/os/…`, with or without origin or
 * `/embed`), `hop://host:port/Region/x/y/z`, `secondlife://Region/x/y/z` and SLURLs
 * (`…/secondlife/Region/x/y/z`). Throws LinkError with a plain message on anything else.
 */
export function parseLink(input: string): Place {
  const text = input.trim();
  if (text.length === 0) throw new LinkError('the link is empty');
  if (text.length > LINK_LIMITS.maxLength) throw new LinkError(`the link is longer than ${LINK_LIMITS.maxLength} characters`);
  const hop = /^hop:\/\/([^/]+)\/([^/]+)(?:\/(.*))?$/i.exec(text);
  if (hop?.[1] && hop[2]) {
    return {
      kind: 'os',
      grid: parseGridAddress(decode(hop[1], 'grid')),
      region: regionName(hop[2]),
      position: position(routeParts(hop[3] ?? '')),
    };
  }
  const sl = /^secondlife:\/\/([^/]+)(?:\/(.*))?$/i.exec(text);
  if (sl?.[1]) {
    if (sl[1].toLowerCase() === 'app' || sl[1] === '') throw new LinkError('secondlife:///app/… links are commands, not places');
    return { kind: 'region', region: regionName(sl[1]), position: position(routeParts(sl[2] ?? '')) };
  }
  const hashAt = text.indexOf('#/');
  if (hashAt >= 0) return parseRoute(text.slice(hashAt + 1));
  const slurl = /^(?:https?:\/\/[^/]+)?\/secondlife\/([^/?#]+)(?:\/([^?#]*))?/i.exec(text);
  if (slurl?.[1]) return { kind: 'region', region: regionName(slurl[1]), position: position(routeParts(slurl[2] ?? '')) };
  throw new LinkError(`"${truncate(text)}" is not a place link (expected /#/fv/…, /#/os/…, hop://, secondlife:// or a SLURL)`);
}

/** Formats a coordinate with at most two decimals and no trailing zeros. */
function formatNumber(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

function formatPosition(p: Position | null): string {
  return p ? `/${p.map(formatNumber).join('/')}` : '';
}

/**
 * The canonical link route for a place (the part after `#`): `/fv/<world>/x/y/z` or
 * `/os/<host:port>/<Region>/x/y/z`. A grid-less region formats as `secondlife://Region/x/y/z`.
 */
export function formatLink(place: Place): string {
  switch (place.kind) {
    case 'fv':
      return `#/fv/${place.world}${formatPosition(place.position)}`;
    case 'os':
      return `#/os/${place.grid}/${encodeURIComponent(place.region)}${formatPosition(place.position)}`;
    case 'region':
      return `secondlife://${encodeURIComponent(place.region)}${formatPosition(place.position)}`;
  }
}

/** Rounds a position the way links carry it (two decimals), for comparisons after a round trip. */
export function roundPosition(p: Position): Position {
  return [Number(formatNumber(p[0])), Number(formatNumber(p[1])), Number(formatNumber(p[2]))];
}
