/// <reference path="./pdfjs-image-decoders.d.ts" />
/**
 * JPEG 2000 texture decoding: OpenJPEG 2.5 in WebAssembly (pdf.js's JpxImage, pdfjs-dist's legacy build), in Node
 * (the headless visitor, tests) and in browser workers. The header is read and checked first (j2k-header.ts), then
 * only the resolution level the caller needs is decoded, and the samples are widened to RGBA8.
 */
import { describeThrown, TextureError } from './errors';
import { chooseDiscardLevel, type J2kHeader, readJ2kHeader, sizeAtLevel } from './j2k-header';

export { chooseDiscardLevel, MAX_TEXTURE_SIDE } from './j2k-header';

/** Largest codestream accepted (bytes). */
export const MAX_TEXTURE_BYTES = 16 * 1024 * 1024;

/** A decoded texture: RGBA8, row 0 at the top of the image. */
export interface DecodedTexture {
  /** Size of `rgba`, at `discardLevel`. */
  readonly width: number;
  readonly height: number;
  /** Size at full resolution (discard level 0). */
  readonly fullWidth: number;
  readonly fullHeight: number;
  /** Components in the codestream (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA); `rgba` always has four. */
  readonly components: number;
  /** Resolution levels discarded: each halves both sides. */
  readonly discardLevel: number;
  readonly rgba: Uint8Array;
}

export interface DecodeJ2kOptions {
  /** Decode the lowest resolution level whose larger side is at most this (never below the smallest level). */
  readonly maxDimension?: number;
}

/** Gives the bytes of pdfjs-dist's `wasm/openjpeg.wasm`. */
export type OpenJpegWasmSource = () => Promise<Uint8Array>;

/** The package path of OpenJPEG's wasm (for `?url` imports and Node's resolver). */
export const OPENJPEG_WASM_MODULE = 'pdfjs-dist/wasm/openjpeg.wasm';

let wasmSource: OpenJpegWasmSource | null = null;

/**
 * Where the wasm comes from. Browsers must set it (the texture-decode worker fetches the URL Vite gives it); in Node
 * the default reads it from node_modules.
 */
export function setOpenJpegWasm(source: OpenJpegWasmSource): void {
  wasmSource = source;
  decoder = null;
  wasmBytes = null;
}

type PdfImageDecoders = typeof import('pdfjs-dist/legacy/image_decoders/pdf.image_decoders.mjs');
let decoder: Promise<PdfImageDecoders> | null = null;
/** OpenJPEG's wasm bytes, read once per realm (pdf.js asks again after each `cleanup`). */
let wasmBytes: Promise<Uint8Array> | null = null;

/**
 * Loads the decoder ahead of the first decode: pdf.js's module and OpenJPEG's wasm bytes (what a new decode worker
 * spends its first second on). Throws like `decodeJ2k` when they cannot be loaded.
 */
export async function warmJ2k(): Promise<void> {
  await loadDecoder();
  const source = wasmSource ?? nodeWasmSource();
  if (source) await wasmOf(source);
}

/** The wasm bytes from `source`, fetched once (a failed read is retried on the next call). */
function wasmOf(source: OpenJpegWasmSource): Promise<Uint8Array> {
  wasmBytes ??= source().catch((err: unknown) => {
    wasmBytes = null;
    throw err;
  });
  return wasmBytes;
}

/**
 * Decodes a J2K codestream to RGBA8. Throws TextureError: `texture_corrupt` for bad, truncated or empty bytes,
 * `texture_too_large` past 16 MiB or 4096x4096, `texture_unsupported` for what we do not decode (JP2 files, more than
 * four components), `texture_decoder_failed` when OpenJPEG cannot be loaded. A failure leaves the decoder usable.
 */
export async function decodeJ2k(bytes: Uint8Array, opts: DecodeJ2kOptions = {}): Promise<DecodedTexture> {
  if (bytes.byteLength > MAX_TEXTURE_BYTES)
    throw new TextureError('texture_too_large', `the codestream is ${bytes.byteLength} bytes; at most ${MAX_TEXTURE_BYTES}`);
  const header = readJ2kHeader(bytes);
  const discardLevel = chooseDiscardLevel(header, opts.maxDimension);
  const { width, height } = sizeAtLevel(header, discardLevel);
  const pdf = await loadDecoder();
  let samples: unknown;
  try {
    samples = await pdf.JpxImage.instance.decode(bytes, { reducePower: discardLevel });
  } catch (err) {
    if (err instanceof pdf.JpxError) {
      if (/failed to initiali[sz]e/i.test(err.message)) {
        pdf.JpxImage.cleanup();
        throw new TextureError('texture_decoder_failed', `OpenJPEG could not be loaded (${describeThrown(err)})`, 'internal');
      }
      throw new TextureError('texture_corrupt', `the J2K codestream could not be decoded: ${describeThrown(err)}`);
    }
    // A trap inside the wasm (or anything else): the module's state is not to be trusted; the next decode starts a
    // fresh one from the bytes already loaded.
    pdf.JpxImage.cleanup();
    throw new TextureError('texture_corrupt', `the decoder stopped on this codestream: ${describeThrown(err)}`);
  }
  // A large decode grows the wasm memory for good; drop the instance so that memory is returned.
  if (width * height > LARGE_PIXELS) pdf.JpxImage.cleanup();
  if (!(samples instanceof Uint8ClampedArray))
    throw new TextureError('texture_decoder_failed', 'OpenJPEG returned no pixels', 'internal');
  return {
    width,
    height,
    fullWidth: header.width,
    fullHeight: header.height,
    components: header.components,
    discardLevel,
    rgba: toRgba(samples, width, height, header),
  };
}

/** Decodes above this many pixels hand their wasm instance back afterwards (2048x2048). */
const LARGE_PIXELS = 2048 * 2048;

/** Interleaved samples (1-4 per pixel) widened to RGBA8: grey to RGB, alpha 255 where there is none. */
function toRgba(samples: Uint8ClampedArray, width: number, height: number, header: J2kHeader): Uint8Array {
  const pixels = width * height;
  const c = header.components;
  if (samples.length !== pixels * c)
    throw new TextureError(
      'texture_unsupported',
      `OpenJPEG gave ${samples.length} samples for ${width}x${height} with ${c} components; the image layout is not one we decode`,
    );
  const rgba = new Uint8Array(pixels * 4);
  if (c === 4) {
    rgba.set(samples);
    return rgba;
  }
  for (let p = 0, s = 0, o = 0; p < pixels; p++, s += c, o += 4) {
    const first = samples[s] ?? 0;
    if (c >= 3) {
      rgba[o] = first;
      rgba[o + 1] = samples[s + 1] ?? 0;
      rgba[o + 2] = samples[s + 2] ?? 0;
      rgba[o + 3] = 255;
    } else {
      rgba[o] = first;
      rgba[o + 1] = first;
      rgba[o + 2] = first;
      rgba[o + 3] = c === 2 ? (samples[s + 1] ?? 0) : 255;
    }
  }
  return rgba;
}

/** pdf.js's image decoders, configured once per realm (a failed load is retried on the next call). */
function loadDecoder(): Promise<PdfImageDecoders> {
  decoder ??= (async () => {
    const source = wasmSource ?? nodeWasmSource();
    if (!source)
      throw new TextureError(
        'texture_decoder_failed',
        'no OpenJPEG wasm: call setOpenJpegWasm() first (the texture-decode worker does)',
        'internal',
      );
    installPromiseWithResolvers();
    const pdf = await import('pdfjs-dist/legacy/image_decoders/pdf.image_decoders.mjs');
    pdf.setVerbosityLevel(0);
    pdf.JpxImage.setOptions({
      useWasm: true,
      // The wasm comes through the handler below, never fetched by pdf.js; there is no JavaScript fallback.
      useWorkerFetch: false,
      wasmUrl: null,
      getHandler: () => ({ sendWithPromise: () => wasmOf(source) }),
    });
    pdf.JpxImage.cleanup();
    return pdf;
  })().catch((err: unknown) => {
    decoder = null;
    if (err instanceof TextureError) throw err;
    throw new TextureError('texture_decoder_failed', `pdf.js's image decoders did not load (${describeThrown(err)})`, 'internal');
  });
  return decoder;
}

/** pdf.js needs Promise.withResolvers (ES2024; Node 22+, every current browser); Node 20 gets this standard version. */
function installPromiseWithResolvers(): void {
  if ('withResolvers' in Promise) return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/** In Node (20.16+: process.getBuiltinModule), the wasm read from node_modules; elsewhere null. */
function nodeWasmSource(): OpenJpegWasmSource | null {
  const getBuiltin = method(Reflect.get(globalThis, 'process'), 'getBuiltinModule');
  if (!getBuiltin) return null;
  return async () => {
    const createRequire = method(getBuiltin('node:module'), 'createRequire');
    const resolve = createRequire ? method(createRequire(import.meta.url), 'resolve') : null;
    const readFileSync = method(getBuiltin('node:fs'), 'readFileSync');
    const path: unknown = resolve?.(OPENJPEG_WASM_MODULE);
    if (typeof path !== 'string' || !readFileSync) throw new Error(`${OPENJPEG_WASM_MODULE} was not found`);
    const data: unknown = readFileSync(path);
    if (!(data instanceof Uint8Array)) throw new Error(`${OPENJPEG_WASM_MODULE} could not be read`);
    return new Uint8Array(data);
  };
}

/** `target[key]` bound to `target` when it is a function (for Node built-ins seen without Node's types). */
function method(target: unknown, key: string): ((...args: unknown[]) => unknown) | null {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) return null;
  const f: unknown = Reflect.get(target, key);
  if (typeof f !== 'function') return null;
  return (...args: unknown[]): unknown => Reflect.apply(f, target, args);
}
