/**
 * Where the cascade's `anomaly` task reads current anomaly scores. No detector is built here: until one registers,
 * the source answers an empty, valid list and says no detector is registered (never made-up scores). A detector
 * registers a function that gives its current scores; whatever it gives is parsed before anyone sees it.
 */
import { z } from 'zod';
import { AiError } from './errors';

/** Most scores one answer carries. */
export const MAX_ANOMALY_SCORES = 256;

/** One score: what it is about (a metric, a system, an entity …), how anomalous (0 normal … 1 surely anomalous). */
export const AnomalyScore = z.strictObject({
  subject: z.string().min(1).max(64),
  score: z.number().min(0).max(1),
});
export type AnomalyScore = z.infer<typeof AnomalyScore>;

/** What the `anomaly` task answers. `detector` is null while none is registered (and `scores` then empty). */
export const AnomalyReport = z.strictObject({
  detector: z.string().min(1).max(64).nullable(),
  scores: z.array(AnomalyScore).max(MAX_ANOMALY_SCORES),
});
export type AnomalyReport = z.infer<typeof AnomalyReport>;

/** A registered detector. `confidence` (0..1, default 1) is how much the cascade should trust its scores. */
export interface AnomalyDetector {
  readonly name: string;
  scores(): readonly AnomalyScore[];
  confidence?(): number;
}

export interface AnomalyScores {
  /** Registers the detector (replacing any other); the returned function unregisters it. */
  register(detector: AnomalyDetector): () => void;
  /** The current report and how sure it is (an empty report without a detector is exact: confidence 1). */
  current(): { report: AnomalyReport; confidence: number };
}

export function createAnomalyScores(): AnomalyScores {
  let detector: AnomalyDetector | null = null;
  return {
    register(d) {
      detector = d;
      return () => {
        if (detector === d) detector = null;
      };
    },
    current() {
      if (!detector) return { report: { detector: null, scores: [] }, confidence: 1 };
      const parsed = AnomalyReport.safeParse({ detector: detector.name, scores: detector.scores() });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AiError(
          'ai_bad_message',
          `anomaly detector ${JSON.stringify(detector.name.slice(0, 64))} gave scores that fail their schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
        );
      }
      const c = detector.confidence?.() ?? 1;
      return { report: parsed.data, confidence: Number.isFinite(c) ? Math.min(1, Math.max(0, c)) : 0 };
    },
  };
}
