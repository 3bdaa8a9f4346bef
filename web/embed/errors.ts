/** Embed API errors: the numeric codes of the message API (docs/errors.md, "Embed API") and the wire form. */
import { StormError } from '../../shared/errors';
import { EmbedCode, type WireError } from '../embed-sdk/protocol';

export { EmbedCode };

/** A numeric embed code. */
export type EmbedCodeValue = (typeof EmbedCode)[keyof typeof EmbedCode];

/** An embed API error: `numericCode` goes on the wire, the message starts with "embed: ". */
export class EmbedError extends StormError {
  constructor(
    readonly numericCode: number,
    message: string,
    kind: 'check' | 'internal' = 'check',
  ) {
    super(`embed_${numericCode}`, message.startsWith('embed: ') ? message : `embed: ${message}`, kind);
    this.name = 'EmbedError';
  }

  /** The wire form: code and message only. */
  toWire(): WireError {
    return { code: this.numericCode, message: this.message };
  }
}

/** Anything that carries a numeric code (EmbedError, the engine's EngineError). */
function numericCodeOf(err: unknown): number | null {
  if (typeof err !== 'object' || err === null || !('numericCode' in err)) return null;
  const code = (err as { numericCode: unknown }).numericCode;
  return typeof code === 'number' && Number.isInteger(code) && code < 0 ? code : null;
}

/**
 * Turns anything thrown into a wire error. Coded errors keep their code and message; anything else
 * is our bug and goes out as Internal without its text (which may hold details of the engine).
 */
export function toWireError(err: unknown): WireError {
  const code = numericCodeOf(err);
  if (code !== null && err instanceof Error) return { code, message: err.message.slice(0, 1024) };
  return { code: EmbedCode.Internal, message: 'embed: internal error in the viewer; reload the frame and report it' };
}
