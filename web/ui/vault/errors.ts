/** Login vault errors: messages start with "vault:"; codes are listed in docs/errors.md ("Login vault"). */
import { StormError } from '../../../shared/errors';

export type VaultErrorCode = 'vault_unavailable' | 'vault_bad_record' | 'vault_failed';

/** The vault could not be used, or a saved login could not be opened (it is then deleted). */
export class VaultError extends StormError {
  declare readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string) {
    super(code, message.startsWith('vault: ') ? message : `vault: ${message}`, 'check');
    this.name = 'VaultError';
  }
}
