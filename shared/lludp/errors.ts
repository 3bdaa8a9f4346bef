/** LLUDP codec errors: one StormError subclass with stable codes (listed in docs/errors.md, section LLUDP). */
import { StormError } from '../errors';

/** Stable codes of {@link LludpError}. */
export type LludpErrorCode =
  | 'lludp_template'
  | 'lludp_truncated'
  | 'lludp_too_large'
  | 'lludp_unknown_message'
  | 'lludp_bad_zerocoding'
  | 'lludp_bad_acks'
  | 'lludp_bad_value'
  | 'lludp_bad_payload'
  | 'lludp_bad_json';

/**
 * Every failure of the LLUDP codec, its payload decoders and its JSON form. The message starts with
 * "lludp: " and, where one applies, names the place: "lludp: ObjectUpdate.ObjectData[2].Data: …".
 */
export class LludpError extends StormError {
  declare readonly code: LludpErrorCode;

  constructor(code: LludpErrorCode, message: string, kind: 'check' | 'internal' = 'check') {
    super(code, message.startsWith('lludp: ') ? message : `lludp: ${message}`, kind);
    this.name = 'LludpError';
  }
}
