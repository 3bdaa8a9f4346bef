/** Edge errors: stable codes (docs/errors.md), plain messages, never a stack. */
import type { Context } from 'hono';
import type { ApiError } from '../shared/protocol';

/** Machine-readable error codes the edge answers with. */
export type EdgeErrorCode =
  | 'not_found'
  | 'bad_request'
  | 'internal'
  | 'not_available_yet'
  | 'world_not_found'
  | 'world_exists'
  | 'token_key_missing'
  | 'token_missing'
  | 'token_malformed'
  | 'token_forged'
  | 'token_expired'
  | 'token_wrong_world'
  | 'permission_denied'
  | 'upgrade_required'
  | 'ai_not_configured'
  | 'ai_rate_limited'
  | 'ai_budget_exhausted'
  | 'ai_unavailable'
  | 'ai_invalid_answer'
  | 'ai_plan_refused'
  | 'model_not_found'
  | 'p2p_ice_config'
  | 'plugins_config'
  | 'telemetry_rate_limited';

/** The JSON body of every error answer (the HTTP API's ApiError, with the edge's own codes). */
export interface ErrorBody extends ApiError {
  error: { code: EdgeErrorCode; message: string };
}

/** A caller-facing error: thrown by handlers, turned into JSON by the router. */
export class EdgeError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 426 | 429 | 500 | 501 | 502 | 503,
    readonly code: EdgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeError';
  }
}

/** Builds the JSON error body. */
export function errorBody(code: EdgeErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Router error handler: EdgeErrors become their JSON answer; anything else a 500 without a stack. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof EdgeError) return c.json(errorBody(err.code, err.message), err.status);
  console.error('edge: unhandled error', err);
  return c.json(errorBody('internal', 'edge: internal error; the request was not completed'), 500);
}
