import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnomalyScores } from '../../../../web/ai/anomaly-scores';
import {
  type AiRequest,
  type AiTier,
  type AiTierName,
  createAiCascade,
  parseAiRequest,
  type TierAnswer,
} from '../../../../web/ai/cascade';
import { AiError } from '../../../../web/ai/errors';
import { createLocalTier, forecastConfidence } from '../../../../web/ai/tiers';
import type { LoadForecast } from '../../../../web/engine/metrics';

/** A tier answering every task with a fixed confidence, recording what it was asked and what it saw below it. */
function tier(name: AiTierName, confidence: number, capacity = 4) {
  const seen: { request: AiRequest; below: TierAnswer | null }[] = [];
  const t: AiTier = {
    name,
    capacity,
    accepts: () => true,
    answer: async (request, below) => {
      seen.push({ request, below });
      return { confidence, result: { from: name } };
    },
  };
  return { tier: t, seen };
}

/** A tier whose answers wait until released. */
function slowTier(name: AiTierName, capacity: number, concurrency = 1) {
  const releases: (() => void)[] = [];
  let started = 0;
  const t: AiTier = {
    name,
    capacity,
    concurrency,
    accepts: () => true,
    answer: () =>
      new Promise((resolve) => {
        started++;
        releases.push(() => resolve({ confidence: 0.9, result: started }));
      }),
  };
  return { tier: t, releases, started: () => started };
}

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof AiError ? err.code : `not an AiError: ${String(err)}`;
  }
};

const forecast = (confidence: number): LoadForecast => ({
  version: 2,
  timestamp_ms: 1000,
  horizon_s: 5,
  window: 60,
  source: 'model',
  inference_ms: 0.2,
  predictions: [
    { quantity: 'frame_p50_ms', value: 8, confidence },
    { quantity: 'frame_p99_ms', value: 14, confidence },
  ],
});

describe('the AI tier cascade', () => {
  it('answers from the local tier when its confidence is above 0.8, without asking the language tier', async () => {
    const local = tier('local', 0.81);
    const language = tier('language', 1);
    const answer = await createAiCascade([local.tier, language.tier]).dispatch({ task: 'forecast' });
    expect(answer).toMatchObject({ tier: 'local', confidence: 0.81, result: { from: 'local' } });
    expect(answer.path).toEqual([{ tier: 'local', confidence: 0.81 }]);
    expect(language.seen).toHaveLength(0);
  });

  it('escalates to the language tier at 0.8 and below, handing it the local answer', async () => {
    for (const c of [0.8, 0.3, 0]) {
      const local = tier('local', c);
      const language = tier('language', 0.95);
      const answer = await createAiCascade([local.tier, language.tier]).dispatch({ task: 'anomaly' });
      expect(answer.tier).toBe('language');
      expect(answer.path).toEqual([
        { tier: 'local', confidence: c },
        { tier: 'language', confidence: 0.95 },
      ]);
      expect(language.seen[0]?.below).toEqual({ confidence: c, result: { from: 'local' } });
    }
  });

  it('answers with the last capable tier even below 0.8 when nobody above takes the task', async () => {
    const local = tier('local', 0.2);
    const language: AiTier = { ...tier('language', 1).tier, accepts: (task) => task === 'build' };
    const answer = await createAiCascade([local.tier, language]).dispatch({ task: 'forecast' });
    expect(answer).toMatchObject({ tier: 'local', confidence: 0.2 });
  });

  it('asks only the named tier when the request names one', async () => {
    const local = tier('local', 0.99);
    const language = tier('language', 0.5);
    const answer = await createAiCascade([local.tier, language.tier]).dispatch({ task: 'forecast', tier: 'language' });
    expect(answer).toMatchObject({ tier: 'language', confidence: 0.5 });
    expect(local.seen).toHaveLength(0);
  });

  it('refuses a task no tier takes: build without a configured model is ai_not_configured', async () => {
    const local: AiTier = { ...tier('local', 1).tier, accepts: (t) => t !== 'build' };
    const language: AiTier = { ...tier('language', 1).tier, accepts: () => false };
    const cascade = createAiCascade([local, language]);
    expect(await code(cascade.dispatch({ task: 'build', input: { prompt: 'a red arch' } }))).toBe('ai_not_configured');
    expect(await code(cascade.dispatch({ task: 'forecast', tier: 'language' }))).toBe('ai_no_tier');
  });

  it('bounds each tier queue: one request past its capacity is refused busy at once, and room comes back', async () => {
    const slow = slowTier('local', 3);
    const cascade = createAiCascade([slow.tier]);
    const held = [0, 1, 2].map(() => cascade.dispatch({ task: 'forecast' }));
    await Promise.resolve();
    expect(cascade.load().local).toBe(3);
    // One runs (concurrency 1), two wait; the fourth is refused without waiting.
    expect(slow.started()).toBe(1);
    expect(await code(cascade.dispatch({ task: 'forecast' }))).toBe('ai_busy');
    for (let i = 0; i < 3; i++) {
      slow.releases[i]?.();
      await held[i];
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(cascade.load().local).toBe(0);
    const again = cascade.dispatch({ task: 'forecast' });
    await new Promise((r) => setTimeout(r, 0));
    slow.releases[3]?.();
    expect((await again).result).toBe(4);
  });

  it('keeps the tiers queues apart: a full language tier does not stop local answers', async () => {
    const local = tier('local', 0.9);
    const slowLanguage = slowTier('language', 1);
    const cascade = createAiCascade([local.tier, slowLanguage.tier]);
    const build = cascade.dispatch({ task: 'build', tier: 'language', input: { prompt: 'a wall' } });
    expect(await code(cascade.dispatch({ task: 'build', tier: 'language', input: { prompt: 'a tower' } }))).toBe('ai_busy');
    expect((await cascade.dispatch({ task: 'forecast' })).tier).toBe('local');
    await new Promise((r) => setTimeout(r, 0));
    slowLanguage.releases[0]?.();
    await build;
  });

  it('refuses malformed requests with ai_bad_request naming the field', async () => {
    const cascade = createAiCascade([tier('local', 1).tier]);
    for (const bad of [null, 'forecast', {}, { task: 'launch' }, { task: 'forecast', tier: 'high' }, { task: 'build' }]) {
      expect(await code(cascade.dispatch(bad))).toBe('ai_bad_request');
    }
    await expect(cascade.dispatch({ task: 'build', input: { prompt: '   ' } })).rejects.toThrow(/input\.prompt/);
  });

  it('parses any value to a request or an ai_bad_request, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          const r = parseAiRequest(value);
          expect(['forecast', 'anomaly', 'build']).toContain(r.task);
        } catch (err) {
          expect(err).toBeInstanceOf(AiError);
          expect((err as AiError).code).toBe('ai_bad_request');
        }
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom('forecast', 'anomaly'), fc.constantFrom('auto', 'local', 'language'), (task, t) => {
        expect(parseAiRequest({ task, tier: t })).toEqual({ task, tier: t });
      }),
    );
  });
});

describe('the local tier', () => {
  it('answers the current forecast with the mean of its confidences', async () => {
    let current: LoadForecast | null = null;
    const cascade = createAiCascade([createLocalTier({ forecast: () => current, anomalies: createAnomalyScores() })]);
    expect(await code(cascade.dispatch({ task: 'forecast' }))).toBe('ai_not_ready');
    current = forecast(0.9);
    const answer = await cascade.dispatch({ task: 'forecast' });
    expect(answer).toMatchObject({ tier: 'local', confidence: forecastConfidence(current), result: current });
  });

  it('answers an empty score list until a detector registers, then its parsed scores', async () => {
    const anomalies = createAnomalyScores();
    const cascade = createAiCascade([createLocalTier({ forecast: () => null, anomalies })]);
    expect((await cascade.dispatch({ task: 'anomaly' })).result).toEqual({ detector: null, scores: [] });
    const unregister = anomalies.register({
      name: 'frame-time',
      scores: () => [{ subject: 'frame_p99_ms', score: 0.7 }],
      confidence: () => 0.95,
    });
    expect(await cascade.dispatch({ task: 'anomaly' })).toMatchObject({
      confidence: 0.95,
      result: { detector: 'frame-time', scores: [{ subject: 'frame_p99_ms', score: 0.7 }] },
    });
    unregister();
    expect((await cascade.dispatch({ task: 'anomaly' })).result).toEqual({ detector: null, scores: [] });
    anomalies.register({ name: 'broken', scores: () => [{ subject: 'x', score: 7 }] });
    expect(await code(cascade.dispatch({ task: 'anomaly' }))).toBe('ai_bad_message');
  });
});
