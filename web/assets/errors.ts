/**
 * Errors of the viewer's asset pipeline: texture decoding ("texture: …") and the asset store ("asset store: …"); stable
 * codes for docs/errors.md. (The asset decoders' own AssetError lives in shared/assets/errors.ts.)
 */
import { type ErrorKind, StormError } from '../../shared/errors';

/** Why a texture could not be decoded. */
export type TextureErrorCode =
  /** The bytes are not a valid JPEG 2000 codestream (bad header, truncated, damaged data). */
  | 'texture_corrupt'
  /** Over the limits: more than 16 MiB of input, or larger than 4096x4096. */
  | 'texture_too_large'
  /** A valid codestream we do not decode (JP2 boxes, more than 4 components, too many tiles). */
  | 'texture_unsupported'
  /** The request was cancelled before its result was used (decode pool). */
  | 'texture_cancelled'
  /** The decoder itself failed: a worker died, the pool was closed, or the wasm module would not load. */
  | 'texture_decoder_failed';

/** A texture that could not be decoded. Never thrown for a good texture; the decoder stays usable afterwards. */
export class TextureError extends StormError {
  declare readonly code: TextureErrorCode;

  constructor(code: TextureErrorCode, message: string, kind: ErrorKind = 'check') {
    super(code, message.startsWith('texture: ') ? message : `texture: ${message}`, kind);
    this.name = 'TextureError';
  }
}

/** Why an asset could not be had. */
export type AssetStoreErrorCode =
  /** The asset id is not a UUID (caller misuse). */
  | 'asset_bad_id'
  /** The grid has no such asset (HTTP 404). */
  | 'asset_not_found'
  /** The session's token was refused (HTTP 401 / 403): log in again. */
  | 'asset_forbidden'
  /** Larger than the kind's limit (texture 4 MiB, mesh 4 MiB, sound 1 MiB). */
  | 'asset_too_large'
  /** The network or the edge failed (other statuses, no answer): retried after a pause. */
  | 'asset_unavailable';

/** An asset that could not be had; the store remembers it for a while instead of asking again in a loop. */
export class AssetStoreError extends StormError {
  declare readonly code: AssetStoreErrorCode;

  constructor(code: AssetStoreErrorCode, message: string, kind: ErrorKind = 'check') {
    super(code, message.startsWith('asset store: ') ? message : `asset store: ${message}`, kind);
    this.name = 'AssetStoreError';
  }
}

/**
 * Transient asset failures (the network or the edge: `asset_unavailable`, whose message promises a later try) are
 * tried again by the texture and geometry streams: RETRY_DELAY_MS after the failure (past the store's 30 s memory of
 * it), at most TRANSIENT_RETRIES times. Anything else (missing, refused, too large, corrupt) stays failed.
 */
export const TRANSIENT_RETRIES = 3;
export const RETRY_DELAY_MS = 31_000;

/** Whether a load failed for a reason that may pass (see TRANSIENT_RETRIES). */
function isTransient(err: unknown): boolean {
  return err instanceof AssetStoreError && err.code === 'asset_unavailable';
}

/**
 * After a load of `entry` failed with `err` at `now`: when the failure may pass and tries are left, counts the try and
 * sets when it may be asked for again (RETRY_DELAY_MS on) and answers true; else false (it stays failed).
 */
export function retryLater(entry: { retries: number; retryAt: number }, err: unknown, now: number): boolean {
  if (!isTransient(err) || entry.retries >= TRANSIENT_RETRIES) return false;
  entry.retries += 1;
  entry.retryAt = now + RETRY_DELAY_MS;
  return true;
}

/** A short, single-line description of something thrown (never a stack). */
export function describeThrown(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 200) || 'unknown error';
}
