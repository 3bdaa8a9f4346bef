/** Storm protocol errors: every decoding failure is a ProtocolError with a stable code. */
import { StormError } from '../errors';

/** Stable codes of the Storm protocol codec (listed in docs/errors.md). */
export type ProtocolErrorCode =
  | 'protocol_truncated'
  | 'protocol_trailing_bytes'
  | 'protocol_unknown_type'
  | 'protocol_version'
  | 'protocol_too_large'
  | 'protocol_invalid';

/**
 * A frame could not be encoded or decoded. Raised for caller misuse (`check`): bad bytes from the
 * network, or a message that breaks the schema. Decoders never throw anything else.
 */
export class ProtocolError extends StormError {
  constructor(
    override readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(code, `protocol: ${message}`, 'check');
    this.name = 'ProtocolError';
  }
}
