/** AI errors (the load forecast, its model and worker, the tier cascade): stable codes (docs/errors.md), messages starting with "ai: ". */
import { StormError } from '../../shared/errors';

export type AiErrorCode =
  | 'ai_bad_trace'
  | 'ai_bad_model'
  | 'ai_bad_message'
  | 'ai_bad_config'
  | 'ai_bad_request'
  | 'ai_busy'
  | 'ai_no_tier'
  | 'ai_not_ready'
  | 'ai_not_configured'
  | 'ai_not_in_world'
  | 'ai_rate_limited'
  | 'ai_unavailable'
  | 'ai_refused';

/** A caller's mistake (a bad trace line, a model that does not match its description, a malformed message or request). */
export class AiError extends StormError {
  constructor(
    override readonly code: AiErrorCode,
    message: string,
  ) {
    super(code, message.startsWith('ai: ') ? message : `ai: ${message}`, 'check');
    this.name = 'AiError';
  }
}
