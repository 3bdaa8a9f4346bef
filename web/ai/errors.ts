/** AI errors (the load forecast, its model and worker): stable codes (docs/errors.md), messages starting with "ai: ". */
import { StormError } from '../../shared/errors';

export type AiErrorCode = 'ai_bad_trace' | 'ai_bad_model' | 'ai_bad_message' | 'ai_bad_config';

/** A caller's mistake (a bad trace line, a model that does not match its description, a malformed message). */
export class AiError extends StormError {
  constructor(
    override readonly code: AiErrorCode,
    message: string,
  ) {
    super(code, `ai: ${message}`, 'check');
    this.name = 'AiError';
  }
}
