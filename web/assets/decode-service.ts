/**
 * The worker side of the decode pool: one request in, one answer out. The browser entry
 * (web/workers/texture-decode.worker.ts) and Node worker_threads (the bench) both only wire messages to this.
 */
import { DecodeFailureCode, DecodeRequest, type DecodeResponse, DecodeWarm } from './decode-protocol';
import { describeThrown, TextureError } from './errors';
import { decodeJ2k, warmJ2k } from './j2k';
import { decodeModelImage } from './model-image';

/** An answer and the buffers to transfer with it. */
export interface DecodeAnswer {
  readonly response: DecodeResponse;
  readonly transfer: ArrayBuffer[];
}

/**
 * Decodes what `data` asks for. Never throws: every failure becomes a `failed` answer under the request's id. A
 * `warm` message loads the decoder and is not answered (null); a decoder that fails to load then is reported by the
 * first decode.
 */
export async function answerDecodeRequest(data: unknown): Promise<DecodeAnswer | null> {
  if (DecodeWarm.safeParse(data).success) {
    await warmJ2k().catch(() => undefined);
    return null;
  }
  const parsed = DecodeRequest.safeParse(data);
  if (!parsed.success) {
    const id = idOf(data);
    const message = `texture: the decode request is malformed (${parsed.error.issues[0]?.message ?? 'unknown'})`;
    return { response: { type: 'failed', id, code: 'texture_decoder_failed', message }, transfer: [] };
  }
  const request = parsed.data;
  const started = performance.now();
  try {
    const bytes = new Uint8Array(request.bytes);
    const texture =
      request.format === 'png' || request.format === 'jpeg'
        ? await decodeModelImage(bytes, request.maxDimension)
        : await decodeJ2k(bytes, request.maxDimension === undefined ? {} : { maxDimension: request.maxDimension });
    // decodeJ2k makes a fresh array of exactly width x height x 4 bytes, so its buffer can be handed over whole.
    const rgba = texture.rgba.buffer;
    if (!(rgba instanceof ArrayBuffer) || texture.rgba.byteOffset !== 0 || rgba.byteLength !== texture.rgba.byteLength)
      throw new TextureError('texture_decoder_failed', 'the decoded pixels are not a whole ArrayBuffer', 'internal');
    return {
      response: {
        type: 'decoded',
        id: request.id,
        width: texture.width,
        height: texture.height,
        fullWidth: texture.fullWidth,
        fullHeight: texture.fullHeight,
        components: texture.components,
        discardLevel: texture.discardLevel,
        rgba,
        ms: performance.now() - started,
      },
      transfer: [rgba],
    };
  } catch (err) {
    const code = err instanceof TextureError ? DecodeFailureCode.safeParse(err.code) : null;
    const message = err instanceof TextureError ? err.message : `texture: the decoder failed (${describeThrown(err)})`;
    return {
      response: {
        type: 'failed',
        id: request.id,
        code: code?.success ? code.data : 'texture_decoder_failed',
        message: message.slice(0, 1000),
      },
      transfer: [],
    };
  }
}

function idOf(data: unknown): number {
  if (typeof data !== 'object' || data === null) return -1;
  const id: unknown = Reflect.get(data, 'id');
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : -1;
}
