/** OpenSim gateway errors: stable codes (docs/errors.md, "OpenSim gateway"), messages that start with "grid:". */
import { StormError } from '../../shared/errors';

/** Machine-readable codes of the OpenSim gateway (HTTP answers of /api/grid/* and Storm error frames). */
export type GridErrorCode =
  | 'grid_bad_request'
  | 'grid_not_allowed'
  | 'grid_bad_credentials'
  | 'grid_unknown_region'
  | 'grid_unreachable'
  | 'grid_login_refused'
  | 'grid_bad_response'
  | 'grid_relay_refused'
  | 'grid_relay_unreachable'
  | 'grid_handshake_timeout'
  | 'grid_circuit_lost'
  | 'grid_region_closed'
  | 'grid_session_not_found'
  | 'grid_session_taken'
  | 'grid_relay_not_configured'
  | 'grid_asset_not_found'
  | 'grid_asset_too_large'
  | 'grid_asset_bad_type'
  | 'grid_asset_unavailable'
  | 'grid_rate_limited'
  | 'grid_map_bad_request'
  | 'grid_map_busy';

/** The HTTP status each code is answered with (POST /api/grid/login, /ws/grid/<session>, GET /api/grid/<session>/asset/…). */
export const GRID_HTTP_STATUS: Record<GridErrorCode, 400 | 401 | 403 | 404 | 409 | 429 | 502 | 503 | 504> = {
  grid_bad_request: 400,
  grid_not_allowed: 403,
  grid_bad_credentials: 401,
  grid_unknown_region: 404,
  grid_unreachable: 502,
  grid_login_refused: 403,
  grid_bad_response: 502,
  grid_relay_refused: 502,
  grid_relay_unreachable: 503,
  grid_handshake_timeout: 504,
  grid_circuit_lost: 502,
  grid_region_closed: 502,
  grid_session_not_found: 404,
  grid_session_taken: 409,
  grid_relay_not_configured: 503,
  grid_asset_not_found: 404,
  grid_asset_too_large: 502,
  grid_asset_bad_type: 502,
  grid_asset_unavailable: 503,
  grid_rate_limited: 429,
  grid_map_bad_request: 400,
  grid_map_busy: 429,
};

/** A gateway failure with a stable code; the message says what happened and what to do. */
export class GridError extends StormError {
  declare readonly code: GridErrorCode;

  constructor(code: GridErrorCode, message: string, kind: 'check' | 'internal' = 'check') {
    super(code, message.startsWith('grid: ') ? message : `grid: ${message}`, kind);
    this.name = 'GridError';
  }

  /** The HTTP status for this code. */
  get status(): number {
    return GRID_HTTP_STATUS[this.code];
  }
}
