/** Relay errors: stable codes (docs/errors.md, "Relay"), plain messages that start with "relay:", never a stack. */
import { StormError } from '../../shared/errors.ts';

/** Machine-readable codes the relay answers with (HTTP JSON bodies, config failures at start-up). */
export type RelayErrorCode =
  | 'relay_bad_request'
  | 'relay_unauthorized'
  | 'relay_origin_refused'
  | 'relay_destination_refused'
  | 'relay_at_capacity'
  | 'relay_shutting_down'
  | 'relay_not_found'
  | 'relay_upgrade_required'
  | 'relay_udp_unavailable'
  | 'relay_invalid_config';

/** The HTTP status each refusal is answered with before any WebSocket upgrade. */
export const RELAY_HTTP_STATUS: Record<RelayErrorCode, number> = {
  relay_bad_request: 400,
  relay_unauthorized: 401,
  relay_origin_refused: 403,
  relay_destination_refused: 403,
  relay_not_found: 404,
  relay_upgrade_required: 426,
  relay_at_capacity: 503,
  relay_shutting_down: 503,
  relay_udp_unavailable: 503,
  relay_invalid_config: 500,
};

/** A caller-facing relay error (bad request, refused destination, bad configuration). */
export class RelayError extends StormError {
  constructor(
    override readonly code: RelayErrorCode,
    message: string,
  ) {
    super(code, message.startsWith('relay:') ? message : `relay: ${message}`, 'check');
    this.name = 'RelayError';
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return RELAY_HTTP_STATUS[this.code];
  }
}

/**
 * WebSocket close codes the relay uses once a circuit is open (refusals happen before the upgrade,
 * as HTTP statuses). 1000–1011 are RFC 6455 codes; 4000–4999 are ours.
 */
export const CloseCode = {
  /** The edge closed the circuit, or the relay closed it after the edge asked. */
  normal: 1000,
  /** The relay is shutting down (SIGINT/SIGTERM). */
  goingAway: 1001,
  /** A text message arrived: only binary messages (one datagram each) are accepted. */
  unsupportedData: 1003,
  /** A message was larger than the datagram limit (sent by the ws library itself). */
  tooBig: 1009,
  /** The circuit's UDP socket failed. */
  internalError: 1011,
  /** No datagram from the edge within the idle timeout. */
  idleTimeout: 4408,
} as const;
