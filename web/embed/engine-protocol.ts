/** Messages between the host bridge (main thread) and the embed engine (its worker). */
import type { EmbedEventMessage, EmbedResponseMessage, InitResult } from '../embed-sdk/protocol';
import type { EmbedRequest } from './schemas';

/** Bridge → engine: a parsed request whose `id` the bridge replaced by its own sequence number. */
export interface EngineRequest {
  type: 'embed-request';
  request: EmbedRequest;
}

/** Engine → bridge. */
export type EngineMessage =
  | { type: 'embed-ready'; engine: InitResult['engine']; crossOriginIsolated: boolean }
  | { type: 'embed-response'; response: EmbedResponseMessage }
  | { type: 'embed-event'; event: EmbedEventMessage }
  | { type: 'embed-failed'; message: string };
