/**
 * Messages between the decode pool and its texture-decode workers, one schema each (zod) and the type inferred from
 * it under the same name. Both sides parse what they receive; the pixels travel as a transferred ArrayBuffer.
 */
import { z } from 'zod';

/** Version of these messages; a worker answers a request of another version with `texture_decoder_failed`. */
export const DECODE_PROTOCOL_VERSION = 1;

/** Pool → worker: decode one codestream. */
export const DecodeRequest = z.object({
  type: z.literal('decode'),
  v: z.literal(DECODE_PROTOCOL_VERSION),
  id: z.number().int().nonnegative(),
  bytes: z.instanceof(ArrayBuffer),
  /** Largest side wanted (the discard level is chosen from it); absent: full resolution. */
  maxDimension: z.number().int().positive().optional(),
  /** What the bytes are: a J2K codestream (absent: the grids' textures) or a glTF model's PNG/JPEG image. */
  format: z.enum(['j2k', 'png', 'jpeg']).optional(),
});
export type DecodeRequest = z.infer<typeof DecodeRequest>;

/**
 * Pool → worker: load the decoder now (the module, pdf.js and OpenJPEG's wasm bytes) so the first decode does not
 * wait for it. Nothing is answered.
 */
export const DecodeWarm = z.object({ type: z.literal('warm'), v: z.literal(DECODE_PROTOCOL_VERSION) });
export type DecodeWarm = z.infer<typeof DecodeWarm>;

/** Codes a worker may answer a failure with (TextureErrorCode, less `texture_cancelled`, which only the pool gives). */
export const DecodeFailureCode = z.enum([
  'texture_corrupt',
  'texture_too_large',
  'texture_unsupported',
  'texture_decoder_failed',
]);
export type DecodeFailureCode = z.infer<typeof DecodeFailureCode>;

const Side = z.number().int().positive().max(4096);

/** Worker → pool: the texture, or why not. `id` is -1 when the request itself could not be read. */
export const DecodeResponse = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('decoded'),
    id: z.number().int().nonnegative(),
    width: Side,
    height: Side,
    fullWidth: Side,
    fullHeight: Side,
    components: z.number().int().min(1).max(4),
    discardLevel: z.number().int().min(0).max(32),
    /** RGBA8, width x height x 4 bytes (checked by the pool). */
    rgba: z.instanceof(ArrayBuffer),
    /** Time spent decoding in the worker. */
    ms: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('failed'),
    id: z.number().int().min(-1),
    code: DecodeFailureCode,
    message: z.string().max(1000),
  }),
]);
export type DecodeResponse = z.infer<typeof DecodeResponse>;
