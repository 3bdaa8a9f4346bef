/**
 * The part of pdf.js's image decoders (pdfjs-dist, legacy build: runs on Node 20 and every browser) that j2k.ts uses:
 * JpxImage, OpenJPEG 2.5 compiled to WebAssembly. The package ships no types for this entry point.
 */
declare module 'pdfjs-dist/legacy/image_decoders/pdf.image_decoders.mjs' {
  /** What pdf.js throws when OpenJPEG rejects a codestream (its message is OpenJPEG's). */
  export class JpxError extends Error {}

  export interface JpxDecodeOptions {
    /** Output components; when given, missing ones are padded (with 0). Omitted: the image's own count. */
    numComponents?: number;
    isIndexedColormap?: boolean;
    smaskInData?: boolean;
    /** Resolution levels to discard (OpenJPEG's cp_reduce). */
    reducePower?: number;
  }

  /** Hands pdf.js the wasm bytes when `useWorkerFetch` is false. */
  export interface JpxBinaryHandler {
    sendWithPromise(name: string, data: unknown): Promise<Uint8Array>;
  }

  export class JpxImage {
    /** The realm's one decoder (its wasm module is instantiated on the first decode). */
    static get instance(): JpxImage;
    static setOptions(options: {
      getHandler: (() => JpxBinaryHandler) | null;
      useWasm: boolean;
      useWorkerFetch: boolean;
      wasmUrl: string | null;
    }): void;
    /** Drops the instantiated module; the next decode instantiates it again. */
    static cleanup(): void;
    /** Interleaved 8-bit samples, top row first. */
    decode(bytes: Uint8Array, options?: JpxDecodeOptions): Promise<unknown>;
  }

  export function setVerbosityLevel(level: number): void;
}
