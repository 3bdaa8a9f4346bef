/** Net errors: stable codes (docs/errors.md), messages starting with "net: ". */
import { StormError } from '../../shared/errors';

export type NetErrorCode = 'net_disconnected' | 'net_world_not_found' | 'net_token_failed' | 'net_closed';

/** A connection-level failure. `fatal` ones stop reconnecting. */
export class NetError extends StormError {
  constructor(
    override readonly code: NetErrorCode,
    message: string,
    readonly fatal = false,
  ) {
    super(code, `net: ${message}`, 'check');
    this.name = 'NetError';
  }
}
