import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, encodeUtf8 } from '../../../../shared/protocol';
import { createAnomalyScores } from '../../../../web/ai/anomaly-scores';
import { type AiTier, createAiCascade } from '../../../../web/ai/cascade';
import { AiError } from '../../../../web/ai/errors';
import { createLocalTier } from '../../../../web/ai/tiers';
import { AI_EMBED_CODES, createAiMethods, enhanceRequest } from '../../../../web/embed/ai-methods';
import { createHostBridge, type ReplyTarget } from '../../../../web/embed/bridge';
import { createWorldlessEngineLink } from '../../../../web/embed/engine-link';
import { EmbedCode, EmbedError } from '../../../../web/embed/errors';
import type { LoadForecast } from '../../../../web/engine/metrics';

const FORECAST: LoadForecast = {
  version: 2,
  timestamp_ms: 5000,
  horizon_s: 5,
  window: 7,
  source: 'moving-average',
  fallback: 'cold-start',
  predictions: [{ quantity: 'frame_p50_ms', value: 9.5, confidence: 0.5 }],
};

/** A language tier that turns a prompt into a fixed plan answer, or fails with `fail`. */
function language(fail?: AiError): AiTier {
  return {
    name: 'language',
    capacity: 1,
    accepts: (task) => task === 'build',
    answer: async (request) => {
      if (fail) throw fail;
      return { confidence: 1, result: { prompt: request.task === 'build' ? request.input.prompt : null } };
    },
  };
}

function methods(fail?: AiError) {
  const cascade = createAiCascade([
    createLocalTier({ forecast: () => FORECAST, anomalies: createAnomalyScores() }),
    language(fail),
  ]);
  return createAiMethods(cascade);
}

const codeOf = async (p: Promise<unknown>): Promise<number | string> => {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof EmbedError ? err.numericCode : String(err);
  }
};

describe('the embed API over the AI cascade', () => {
  it('aiDispatch({task: "forecast"}) answers the current LoadForecast from the local tier', async () => {
    const { json } = await methods().aiDispatch({ json: '{"task":"forecast"}' });
    expect(JSON.parse(json)).toEqual({
      task: 'forecast',
      tier: 'local',
      confidence: 0.5,
      result: FORECAST,
      path: [{ tier: 'local', confidence: 0.5 }],
    });
  });

  it('aiDispatch({task: "anomaly"}) answers an empty, valid score list while no detector is registered', async () => {
    const { json } = await methods().aiDispatch({ json: '{"task":"anomaly"}' });
    expect(JSON.parse(json)).toMatchObject({ tier: 'local', result: { detector: null, scores: [] } });
  });

  it('aiEnhance turns a description into a build request for the language tier, and answers UTF-8 JSON', async () => {
    const { bytes } = await methods().aiEnhance({ bytes: encodeUtf8('  a red arch over the fountain ') });
    expect(JSON.parse(decodeUtf8(bytes))).toMatchObject({
      task: 'build',
      tier: 'language',
      result: { prompt: 'a red arch over the fountain' },
    });
  });

  it('maps cascade errors to the embed codes: bad request -50, busy -28, not configured -51, refused -54', async () => {
    expect(await codeOf(methods().aiDispatch({ json: 'not json' }))).toBe(EmbedCode.AiBadRequest);
    expect(await codeOf(methods().aiDispatch({ json: '{"task":"dance"}' }))).toBe(EmbedCode.AiBadRequest);
    expect(await codeOf(methods().aiEnhance({ bytes: encodeUtf8('{"task":') }))).toBe(EmbedCode.AiBadRequest);
    expect(await codeOf(methods().aiEnhance({ bytes: new Uint8Array([0xff, 0xfe]) }))).toBe(EmbedCode.AiBadRequest);
    expect(await codeOf(methods(new AiError('ai_refused', 'no')).aiEnhance({ bytes: encodeUtf8('a wall') }))).toBe(
      EmbedCode.AiRefused,
    );
    const noModel = createAiMethods(createAiCascade([{ ...language(), accepts: () => false }]));
    expect(await codeOf(noModel.aiEnhance({ bytes: encodeUtf8('a wall') }))).toBe(EmbedCode.AiNotConfigured);
    const err = await methods(new AiError('ai_busy', 'full'))
      .aiEnhance({ bytes: encodeUtf8('a wall') })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ numericCode: EmbedCode.Busy, message: 'embed: aiEnhance: ai: full' });
    for (const c of Object.values(AI_EMBED_CODES)) expect(c).toBeLessThan(0);
  });

  it('reads any bytes as a request object, a description, or an -50 refusal (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string().map(encodeUtf8), fc.json().map(encodeUtf8)), (bytes) => {
        try {
          const r = enhanceRequest(bytes);
          expect(typeof r === 'object' || r === null).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(EmbedError);
          expect((err as EmbedError).numericCode).toBe(EmbedCode.AiBadRequest);
        }
      }),
    );
  });
});

describe('the bridge with the AI cascade', () => {
  function setup(fail?: AiError) {
    const got: unknown[] = [];
    const host: ReplyTarget = { postMessage: (m) => got.push(m) };
    const bridge = createHostBridge({
      selfOrigin: 'https://viewer.example',
      allow: ['https://host.example'],
      engine: createWorldlessEngineLink('shared-memory'),
      parent: null,
      place: '#/fv/plaza',
      ai: methods(fail),
    });
    const send = (data: unknown) => bridge.receive({ data, origin: 'https://host.example', source: host });
    return { got, send };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('answers aiEnhance, then sends aiEnhanceComplete with the same id and bytes', async () => {
    const { got, send } = setup();
    send({ v: 1, id: 1, method: 'init', params: {} });
    await settle();
    send({ v: 1, id: 'e1', method: 'aiEnhance', params: { bytes: encodeUtf8('a tower') } });
    await settle();
    const answer = got[1] as { id: string; ok: boolean; result: { bytes: Uint8Array } };
    expect(answer).toMatchObject({ id: 'e1', ok: true });
    expect(got[2]).toEqual({ v: 1, event: 'aiEnhanceComplete', data: { id: 'e1', ok: true, bytes: answer.result.bytes } });
  });

  it('answers a failed aiEnhance with its code and the same failure as the completion event', async () => {
    const { got, send } = setup(new AiError('ai_rate_limited', 'slow down'));
    send({ v: 1, id: 1, method: 'init', params: {} });
    await settle();
    send({ v: 1, id: 7, method: 'aiEnhance', params: { bytes: encodeUtf8('a tower') } });
    await settle();
    expect(got[1]).toMatchObject({ id: 7, ok: false, error: { code: EmbedCode.AiRateLimited } });
    expect(got[2]).toMatchObject({ event: 'aiEnhanceComplete', data: { id: 7, ok: false, error: { code: -55 } } });
  });

  it('refuses aiDispatch before init, and answers it after', async () => {
    const { got, send } = setup();
    send({ v: 1, id: 1, method: 'aiDispatch', params: { json: '{"task":"forecast"}' } });
    await settle();
    expect(got[0]).toMatchObject({ id: 1, ok: false, error: { code: EmbedCode.NotInitialized } });
    send({ v: 1, id: 2, method: 'init', params: {} });
    await settle();
    send({ v: 1, id: 3, method: 'aiDispatch', params: { json: '{"task":"forecast"}' } });
    await settle();
    expect(JSON.parse((got[2] as { result: { json: string } }).result.json)).toMatchObject({ tier: 'local' });
  });
});
