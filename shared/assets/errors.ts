/** Asset decoder errors (binary LLSD, LLMesh, sculpt maps): one StormError subclass with stable codes. */
import { StormError } from '../errors';

/** Stable codes of {@link AssetError}. */
export type AssetErrorCode =
  /** The bytes end before the value, block or count they announce. */
  | 'asset_truncated'
  /** The bytes are not the format they should be: an unknown LLSD type, a missing key marker, corrupt zlib data. */
  | 'asset_bad_format'
  /** A size, count or nesting depth over the decoder's limits. */
  | 'asset_too_large'
  /** Well-formed LLSD that is not a valid mesh: wrong field types, lengths that do not match, indices out of range. */
  | 'asset_bad_mesh'
  /** A sculpt map of the wrong size, or a sculpt type that is not one. */
  | 'asset_bad_sculpt';

/**
 * Every failure of the asset decoders: they throw nothing else, whatever the input bytes. The message starts
 * with "assets: " and says what was wrong and where ("assets: llmesh high_lod: submesh 2: TriangleList …").
 */
export class AssetError extends StormError {
  declare readonly code: AssetErrorCode;

  constructor(code: AssetErrorCode, message: string) {
    super(code, message.startsWith('assets: ') ? message : `assets: ${message}`, 'check');
    this.name = 'AssetError';
  }
}
