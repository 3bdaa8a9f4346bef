/**
 * The embed API's aiDispatch and aiEnhance over the AI tier cascade (web/ai/cascade.ts): requests in as JSON or
 * UTF-8, the cascade's AiAnswer out as JSON, AiErrors as the embed's numeric codes (docs/errors.md, "Embed API").
 */
import { decodeUtf8, encodeUtf8 } from '../../shared/protocol';
import type { AiCascade } from '../ai/cascade';
import { AiError, type AiErrorCode } from '../ai/errors';
import type { EmbedMethods } from '../embed-sdk/protocol';
import { EmbedCode, EmbedError } from './errors';

/** The AI methods the frame answers on its main thread, where the cascade lives. */
export type AiMethods = {
  [M in 'aiDispatch' | 'aiEnhance']: (params: EmbedMethods[M]['params']) => Promise<EmbedMethods[M]['result']>;
};

/** The embed code of each cascade code. */
export const AI_EMBED_CODES: Record<AiErrorCode, number> = {
  ai_bad_request: EmbedCode.AiBadRequest,
  ai_busy: EmbedCode.Busy,
  ai_no_tier: EmbedCode.NotAvailableYet,
  ai_not_ready: EmbedCode.AiNotReady,
  ai_not_configured: EmbedCode.AiNotConfigured,
  ai_not_in_world: EmbedCode.NotInWorld,
  ai_rate_limited: EmbedCode.AiRateLimited,
  ai_unavailable: EmbedCode.AiUnavailable,
  ai_refused: EmbedCode.AiRefused,
  ai_bad_message: EmbedCode.AiUnavailable,
  ai_bad_model: EmbedCode.AiUnavailable,
  ai_bad_trace: EmbedCode.AiUnavailable,
  ai_bad_config: EmbedCode.AiUnavailable,
};

/** An AiError as an EmbedError of `method` (its code mapped, its message kept); anything else passes through. */
function asEmbedError(method: string, err: unknown): unknown {
  if (!(err instanceof AiError)) return err;
  return new EmbedError(AI_EMBED_CODES[err.code], `${method}: ${err.message}`);
}

/** What aiEnhance's bytes ask: a JSON object is an AiRequest, any other text a description to build. */
export function enhanceRequest(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch {
    throw new EmbedError(EmbedCode.AiBadRequest, 'aiEnhance: the bytes are not UTF-8 text');
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      throw new EmbedError(EmbedCode.AiBadRequest, 'aiEnhance: the text starts like a JSON request but is not JSON');
    }
  }
  return { task: 'build', input: { prompt: trimmed } };
}

export function createAiMethods(cascade: AiCascade): AiMethods {
  return {
    async aiDispatch({ json }) {
      let request: unknown;
      try {
        request = JSON.parse(json) as unknown;
      } catch {
        throw new EmbedError(EmbedCode.AiBadRequest, 'aiDispatch: json is not JSON (an AiRequest, docs/embedding.md "AI")');
      }
      try {
        return { json: JSON.stringify(await cascade.dispatch(request)) };
      } catch (err) {
        throw asEmbedError('aiDispatch', err);
      }
    },
    async aiEnhance({ bytes }) {
      const request = enhanceRequest(bytes);
      try {
        return { bytes: encodeUtf8(JSON.stringify(await cascade.dispatch(request))) };
      } catch (err) {
        throw asEmbedError('aiEnhance', err);
      }
    },
  };
}
