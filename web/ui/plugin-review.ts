/**
 * The Plugins panel's Review (docs/plugins.md): a plugin's manifest and code (cut to the protocol's limit) go to the
 * edge's language tier (POST /api/ai/plugin-review, with the world socket's token), whose answer is parsed with its
 * schema and shown for the person to read. Nothing is ever patched or applied.
 */
import {
  ApiError,
  MAX_REVIEW_CODE_CHARS,
  MAX_REVIEW_MANIFEST_CHARS,
  type PluginReview,
  PluginReviewAnswer,
} from '../../shared/protocol';

/** What a Review shows: the review, or why there is none (an error code of docs/errors.md and its message). */
export type ReviewOutcome = { ok: true; review: PluginReview; truncated: boolean } | { ok: false; code: string; message: string };

/** How long a review may take (the model's own limit is 30 s). */
const REVIEW_TIMEOUT_MS = 45_000;

/** Asks the edge for a review of `source`; never throws. */
export async function requestPluginReview(options: {
  source: { manifest: string; code: string };
  session: () => Promise<{ world: string; token: string } | null>;
  fetch?: typeof fetch;
}): Promise<ReviewOutcome> {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const session = await options.session();
  if (!session)
    return {
      ok: false,
      code: 'ai_not_configured',
      message: 'ai: a review needs a Finalverse world to be joined (its visitor token pays for the model)',
    };
  const manifest = options.source.manifest.slice(0, MAX_REVIEW_MANIFEST_CHARS);
  const truncated = options.source.code.length > MAX_REVIEW_CODE_CHARS;
  try {
    const res = await fetchFn('/api/ai/plugin-review', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({
        world: session.world,
        manifest,
        code: options.source.code.slice(0, MAX_REVIEW_CODE_CHARS),
        truncated,
      }),
      signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const err = ApiError.safeParse(json);
      return err.success
        ? { ok: false, code: err.data.error.code, message: err.data.error.message }
        : { ok: false, code: 'ai_unavailable', message: `ai: the review answered HTTP ${res.status}` };
    }
    const answer = PluginReviewAnswer.safeParse(json);
    if (!answer.success)
      return { ok: false, code: 'ai_invalid_answer', message: 'ai: the review the edge sent failed its schema' };
    return { ok: true, review: answer.data.review, truncated };
  } catch (err) {
    return { ok: false, code: 'ai_unavailable', message: `ai: the review could not be asked for (${String(err)})` };
  }
}
