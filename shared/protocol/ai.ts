/**
 * The language tier's HTTP API (POST /api/ai, GET /api/ai) and the answer it asks a model for: a sentence in, a
 * prepared World Tool Protocol plan out, which the visitor previews and commits over their own socket.
 */
import { z } from 'zod';
import { Vec3 } from './entity';
import { MAX_PLAN_ACTIONS, OperationResult, WorldAction } from './world-tool';

/** Longest sentence a visitor may send (characters). */
export const MAX_AI_PROMPT_CHARS = 1000;
/** Seed bounds on what a model may ask for: the inspection radius (m) around the visitor and the entities shown. */
export const AI_RADIUS_M = 64;
export const AI_MAX_ENTITIES = 64;
/** Most prims one plan may create (a structure counts its blocks). */
export const AI_MAX_CREATIONS = 24;
/** Largest plan, as JSON (bytes). */
export const AI_MAX_PLAN_BYTES = 32 * 1024;

/** GET /api/ai: whether the operator configured a language model (no token needed). */
export const AiStatus = z.object({ configured: z.boolean() });
export type AiStatus = z.infer<typeof AiStatus>;

/** POST /api/ai (with the visitor's token): build what the sentence says, near `center` (where the visitor stands). */
export const AiPlanRequest = z.object({
  world: z.string().regex(/^[a-z0-9-]{1,32}$/),
  prompt: z.string().trim().min(1).max(MAX_AI_PROMPT_CHARS),
  center: Vec3,
});
export type AiPlanRequest = z.infer<typeof AiPlanRequest>;

/** What the model must answer (its structured output), checked with the protocol's own action schema. */
export const AiModelPlan = z.object({
  actions: z.array(WorldAction).min(1).max(MAX_PLAN_ACTIONS),
});
export type AiModelPlan = z.infer<typeof AiModelPlan>;

/** The answer: the prepared plan (commit it by planId over the world socket), and what the model cost. */
export const AiPlanAnswer = z.object({
  plan: OperationResult,
  attempts: z.number().int().min(1).max(2),
  tokens: z.number().int().nonnegative(),
});
export type AiPlanAnswer = z.infer<typeof AiPlanAnswer>;

/** Most characters of a plugin's manifest sent for review (its own limit is 16 KiB). */
export const MAX_REVIEW_MANIFEST_CHARS = 16 * 1024;
/** Most characters of a plugin's code sent for review (the viewer sends its first this many and says so). */
export const MAX_REVIEW_CODE_CHARS = 48 * 1024;

/**
 * POST /api/ai/plugin-review (with a visitor's token for `world`, whose language-model budget pays): a plugin's
 * manifest and code (cut to MAX_REVIEW_CODE_CHARS; `truncated` says it was), for the model to list risks and
 * suggested changes for the person to read. Nothing is ever patched or applied.
 */
export const PluginReviewRequest = z
  .object({
    world: z.string().regex(/^[a-z0-9-]{1,32}$/),
    manifest: z.string().min(2).max(MAX_REVIEW_MANIFEST_CHARS),
    code: z.string().max(MAX_REVIEW_CODE_CHARS),
    truncated: z.boolean(),
  })
  .strict();
export type PluginReviewRequest = z.infer<typeof PluginReviewRequest>;

/** The model's review (its structured output): never trusted, parsed with this schema, extra keys refused. */
export const PluginReview = z
  .object({
    summary: z.string().min(1).max(600),
    risks: z
      .array(
        z
          .object({
            severity: z.enum(['low', 'medium', 'high']),
            risk: z.string().min(1).max(300),
            /** Where in the manifest or code (a permission, a function, a line), when the model can say. */
            where: z.string().max(120).optional(),
          })
          .strict(),
      )
      .max(20),
    suggestions: z.array(z.object({ change: z.string().min(1).max(300), why: z.string().min(1).max(300) }).strict()).max(20),
  })
  .strict();
export type PluginReview = z.infer<typeof PluginReview>;

/** The answer: the review and what it cost. */
export const PluginReviewAnswer = z.object({ review: PluginReview, tokens: z.number().int().nonnegative() }).strict();
export type PluginReviewAnswer = z.infer<typeof PluginReviewAnswer>;
