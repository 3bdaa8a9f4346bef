/**
 * Grid assets through the edge: the visitor's browser asks GET /api/grid/<session>/asset/<kind>/<uuid>, and the
 * edge fetches it from the region's capability on the visitor's behalf (capability URLs never leave the edge;
 * OpenSim's asset answers carry no CORS headers). One table row per kind: the capabilities that serve it (the
 * first the region granted is used), its query parameter, size limit and accepted content: sounds (Ogg), textures
 * (raw J2K codestreams) and meshes (LLMesh).
 */
import { GridError } from './errors';
import { readLimitedBytes } from './login';

/** The asset capabilities the session asks the seed capability for (kept on the edge). */
export const ASSET_CAPABILITIES = ['ViewerAsset', 'GetTexture', 'GetMesh', 'GetMesh2'] as const;
export type AssetCapability = (typeof ASSET_CAPABILITIES)[number];

/** What the edge serves for one asset kind. */
export interface AssetKind {
  /** The capabilities that serve it, in order of preference (the first one the region granted is used). */
  capabilities: readonly AssetCapability[];
  /** The capability's query parameter naming the asset. */
  param: string;
  /** Largest asset passed on (bytes). */
  maxBytes: number;
  /** Content types accepted from the grid (lower-case, without parameters). */
  contentTypes: readonly string[];
  /** The content type answered. */
  answerType: string;
  /** Leading bytes every asset of the kind starts with. */
  magic: Uint8Array;
}

/** The kinds of asset the route serves. */
export const ASSET_KINDS = {
  sound: {
    capabilities: ['ViewerAsset'],
    param: 'sound_id',
    maxBytes: 1024 * 1024,
    contentTypes: ['audio/ogg', 'application/ogg', 'audio/x-vorbis+ogg'],
    answerType: 'audio/ogg',
    // "OggS": every Ogg page starts with it.
    magic: Uint8Array.of(0x4f, 0x67, 0x67, 0x53),
  },
  texture: {
    capabilities: ['GetTexture', 'ViewerAsset'],
    param: 'texture_id',
    maxBytes: 4 * 1024 * 1024,
    contentTypes: ['image/x-j2c', 'image/j2c', 'application/octet-stream'],
    answerType: 'image/x-j2c',
    // SOC then SIZ: a raw JPEG 2000 codestream (OpenSim's textures carry no JP2 box).
    magic: Uint8Array.of(0xff, 0x4f, 0xff, 0x51),
  },
  mesh: {
    capabilities: ['GetMesh', 'GetMesh2', 'ViewerAsset'],
    param: 'mesh_id',
    maxBytes: 4 * 1024 * 1024,
    contentTypes: ['application/vnd.ll.mesh', 'application/octet-stream'],
    answerType: 'application/vnd.ll.mesh',
    // LLMesh has no magic of its own; its header is a binary-LLSD map, which opens with '{'.
    magic: Uint8Array.of(0x7b),
  },
} as const satisfies Record<string, AssetKind>;
export type AssetKindName = keyof typeof ASSET_KINDS;

/** Whether `kind` is a kind the route serves. */
export function isAssetKind(kind: string): kind is AssetKindName {
  return Object.hasOwn(ASSET_KINDS, kind);
}

/** A lower-case UUID, or null when `text` is not one. */
export function assetId(text: string): string | null {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text) ? text.toLowerCase() : null;
}

/**
 * Asset requests a session may make that reach the grid (cache misses): a burst, then this many per second. A first
 * visit to a region naming a few hundred textures, sculpt maps and meshes loads them in seconds, and one session
 * stays near what a native viewer asks for (the SL viewer keeps ~30 texture fetches running at once).
 */
export const ASSET_RATE = { burst: 120, perSecond: 40 } as const;

/** A per-session token bucket for asset fetches. */
export class AssetBucket {
  private tokens: number = ASSET_RATE.burst;
  private at: number;

  constructor(now: number) {
    this.at = now;
  }

  /** Takes one token; false when the session is over its rate. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (0 when one is now): what a refused request is told to wait. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / ASSET_RATE.perSecond);
  }

  private refill(now: number): void {
    this.tokens = Math.min(ASSET_RATE.burst, this.tokens + (Math.max(0, now - this.at) / 1000) * ASSET_RATE.perSecond);
    this.at = Math.max(this.at, now);
  }
}

/** The capability that serves `kind` among those granted (the kind's order of preference), or null. */
export function assetCapability(kind: AssetKindName, granted: ReadonlyMap<AssetCapability, URL>): URL | null {
  for (const name of ASSET_KINDS[kind].capabilities) {
    const url = granted.get(name);
    if (url) return url;
  }
  return null;
}

/** The capability URL for one asset. */
export function assetUrl(capability: string, kind: AssetKindName, id: string): string {
  const url = new URL(capability);
  url.searchParams.set(ASSET_KINDS[kind].param, id);
  return url.toString();
}

/**
 * Fetches one asset from its capability URL and checks it: found, within the kind's size limit, of an accepted
 * content type and starting with the kind's magic bytes. Throws GridError otherwise.
 */
export async function fetchAsset(fetcher: typeof fetch, url: string, kind: AssetKindName, id: string): Promise<Uint8Array> {
  const k: AssetKind = ASSET_KINDS[kind];
  let res: Response;
  try {
    res = await fetcher(url, { method: 'GET', redirect: 'manual' });
  } catch (err) {
    throw new GridError(
      'grid_unreachable',
      `the grid's asset service did not answer for ${kind} ${id} (${err instanceof Error ? err.message.slice(0, 100) : 'unknown'})`,
    );
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new GridError('grid_asset_not_found', `the grid has no ${kind} ${id}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new GridError('grid_bad_response', `the grid's asset service answered HTTP ${res.status} for ${kind} ${id}`);
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!k.contentTypes.includes(type)) {
    await res.body?.cancel();
    throw new GridError(
      'grid_asset_bad_type',
      `the grid answered ${kind} ${id} as "${type.slice(0, 60)}", not one of ${k.contentTypes.join(', ')}`,
    );
  }
  const bytes = await readLimitedBytes(res, k.maxBytes, `${kind} ${id}`, 'grid_asset_too_large');
  if (bytes.length < k.magic.length || k.magic.some((b, i) => bytes[i] !== b))
    throw new GridError('grid_asset_bad_type', `${kind} ${id} from the grid is not ${k.answerType} (its first bytes are wrong)`);
  return bytes;
}

/** The key of an asset in the edge cache (assets are immutable: the id names the bytes). */
export function assetCacheKey(kind: AssetKindName, id: string): string {
  return `https://stormcore-asset-cache.invalid/${kind}/${id}`;
}

/** Cache-Control of an answer: a year, immutable (private to the browser; public in the edge cache). */
export const ASSET_CACHE_CONTROL = {
  browser: 'private, max-age=31536000, immutable',
  edge: 'public, max-age=31536000, immutable',
};
