/** Messages between the host bridge (main thread) and the embed engine (its worker). */
import type { EmbedOutMessage } from '../world/world-protocol';
import type { EmbedRequest } from './schemas';

/** Bridge → engine: a parsed request whose `id` the bridge replaced by its own sequence number. */
export interface EngineRequest {
  type: 'embed-request';
  request: EmbedRequest;
}

/** Engine → bridge: what the world App's embed plugin posts (declared with the world's events). */
export type EngineMessage = EmbedOutMessage;
