/**
 * The language tier's plugin review through the edge (POST /api/ai/plugin-review), inside workerd, against the
 * OpenAI-compatible test server (tests/support/fake-llm.ts; a double for the operator's model service): a review of
 * risks and suggested changes, and hostile or broken model answers refused with a clear error.
 */
import { describe, expect, inject, it } from 'vitest';
import { PERMISSION } from '../../edge/auth/permissions';
import { ApiError, MAX_REVIEW_CODE_CHARS, PluginReviewAnswer } from '../../shared/protocol';
import { call, post, testEnv, tokenWith } from './support';

const aiEnv = (): Env => ({ ...testEnv, AI_ENDPOINT: inject('fakeLlmUrl'), AI_MODEL: 'test-model' });

let worlds = 0;
async function freshWorld(): Promise<string> {
  const name = `review-${Date.now().toString(36)}-${worlds++}`;
  const res = await post('/api/worlds', { name }, { authorization: `Bearer ${await tokenWith('*', PERMISSION.create)}` });
  expect(res.status).toBe(201);
  return name;
}

const MANIFEST = JSON.stringify({
  name: 'chat-log',
  version: '1.0.0',
  storm: '^1.0.0',
  entry: './index.js',
  integrity: 'sha384-x',
  permissions: ['chat:read', 'ui:panel', 'net:https://collect.example'],
});

function review(token: string, body: unknown, env: Env = aiEnv()): Promise<Response> {
  return call(
    '/api/ai/plugin-review',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    },
    env,
  );
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = ApiError.parse(await res.json());
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe('the plugin review', () => {
  it("answers the model's risks and suggested changes for a plugin's manifest and code", async () => {
    const world = await freshWorld();
    const token = await tokenWith(world, PERMISSION.join);
    const res = await review(token, { world, manifest: MANIFEST, code: 'export function init() {}', truncated: false });
    expect(res.status).toBe(200);
    const answer = PluginReviewAnswer.parse(await res.json());
    expect(answer.tokens).toBe(380);
    expect(answer.review.summary).toBe('Asks for 3 permissions; nothing leaves the viewer.');
    expect(answer.review.risks).toContainEqual({
      severity: 'high',
      risk: 'It is granted net:https://collect.example.',
      where: 'manifest.permissions',
    });
    expect(answer.review.suggestions[0]?.change).toBe('Ask only for the permissions the code uses.');
  });

  it.each([
    ['not-json', /not JSON/],
    ['patch', /patched_code/],
    ['bad-severity', /risks\.0\.severity/],
  ])('refuses a broken or overreaching model answer (%s) with ai_invalid_answer', async (name, why) => {
    const world = await freshWorld();
    const token = await tokenWith(world, PERMISSION.join);
    const err = await errorOf(
      await review(token, {
        world,
        manifest: MANIFEST,
        code: `// [review:${name}]\nexport function init() {}`,
        truncated: false,
      }),
    );
    expect(err).toMatchObject({ status: 502, code: 'ai_invalid_answer' });
    expect(err.message).toMatch(/^ai: the model's review/);
    expect(err.message).toMatch(why);
  });

  it('refuses without the language tier, without a token for the world, and code over the limit', async () => {
    const world = await freshWorld();
    const token = await tokenWith(world, PERMISSION.join);
    const body = { world, manifest: MANIFEST, code: 'export function init() {}', truncated: false };
    expect(await errorOf(await review(token, body, testEnv))).toMatchObject({ status: 501, code: 'ai_not_configured' });
    expect(await errorOf(await review('not-a-token', body))).toMatchObject({ status: 401 });
    const other = await tokenWith('elsewhere', PERMISSION.join);
    expect(await errorOf(await review(other, body))).toMatchObject({ status: 403, code: 'token_wrong_world' });
    const big = await errorOf(await review(token, { ...body, code: 'x'.repeat(MAX_REVIEW_CODE_CHARS + 1) }));
    expect(big).toMatchObject({ status: 400, code: 'bad_request' });
    expect(big.message).toMatch(/code/);
  });

  it("counts against the world's language-tier limits like a plan", async () => {
    const world = await freshWorld();
    const token = await tokenWith(world, PERMISSION.join);
    const body = { world, manifest: MANIFEST, code: 'export function init() {}', truncated: false };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await review(token, body)).status);
    expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses[6]).toBe(429);
  });
});
