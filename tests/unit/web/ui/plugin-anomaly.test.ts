import { describe, expect, it } from 'vitest';
import type { AnomalyScore as BusScore } from '../../../../shared/anomaly/detector';
import { AnomalyReport, MAX_ANOMALY_SCORES } from '../../../../web/ai/anomaly-scores';
import { pluginAnomalyScores } from '../../../../web/ui/viewer-plugins';

const bus = (source: string, score: number, threshold = 8): BusScore => ({
  source,
  score,
  threshold,
  anomalous: score > threshold,
  throttled: score > threshold,
  buckets: 10,
  features: [],
});

describe("the plugin bus's scores as the anomaly task answers them", () => {
  it('gives each plugin its CUSUM over the alarm threshold: 0 when calm, 1 at or past the alarm', () => {
    expect(pluginAnomalyScores([bus('flooder', 20), bus('chatty', 4), bus('calm', 0)])).toEqual([
      { subject: 'plugin:flooder', score: 1 },
      { subject: 'plugin:chatty', score: 0.5 },
      { subject: 'plugin:calm', score: 0 },
    ]);
  });

  it('always passes the report schema: long names are clipped, the list is capped, odd numbers become 0', () => {
    const many = Array.from({ length: MAX_ANOMALY_SCORES + 10 }, (_, i) => bus(`p${i}-${'x'.repeat(80)}`, i));
    const scores = pluginAnomalyScores([...many, bus('nan', Number.NaN), bus('zero-threshold', 3, 0)]);
    expect(scores).toHaveLength(MAX_ANOMALY_SCORES);
    expect(AnomalyReport.safeParse({ detector: 'plugin-bus', scores }).success).toBe(true);
    expect(pluginAnomalyScores([bus('nan', Number.NaN), bus('zero-threshold', 3, 0)]).map((s) => s.score)).toEqual([0, 0]);
  });
});
