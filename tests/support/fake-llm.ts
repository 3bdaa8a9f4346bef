/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 for the language tier's edge tests: a test double for an
 * outside paid service (no model runs on these machines). It answers by a `[case:NAME]` marker in the visitor's
 * sentence, with scripted answers that a real model might give, good and hostile, and counts the calls per case.
 */
import { createServer, type IncomingMessage } from 'node:http';

type Vec3 = [number, number, number];

/** The answer's text for a case, given the visitor's position and whether this is the retry. */
const CASES: Record<string, (center: Vec3, retry: boolean) => string> = {
  // A red arch over the fountain: two pillars and a lintel, all near the visitor.
  arch: (c) =>
    JSON.stringify({
      actions: [
        {
          tool: 'create_primitive',
          shape: 'box',
          position: [c[0] - 2, c[1] + 4, c[2] + 1.5],
          scale: [0.5, 0.5, 3],
          color: [200, 30, 30, 255],
          name: 'Arch pillar',
        },
        {
          tool: 'create_primitive',
          shape: 'box',
          position: [c[0] + 2, c[1] + 4, c[2] + 1.5],
          scale: [0.5, 0.5, 3],
          color: [200, 30, 30, 255],
          name: 'Arch pillar',
        },
        {
          tool: 'create_primitive',
          shape: 'box',
          position: [c[0], c[1] + 4, c[2] + 3.25],
          scale: [4.5, 0.5, 0.5],
          color: [200, 30, 30, 255],
          name: 'Arch lintel',
        },
      ],
    }),
  'not-json': () => 'Sure! I would build a lovely arch here, with two red pillars.',
  'fix-on-retry': (c, retry) =>
    retry
      ? JSON.stringify({ actions: [{ tool: 'create_primitive', shape: 'sphere', position: [c[0], c[1] + 3, c[2] + 1] }] })
      : '{"actions": [{"tool": "create_primitive", "shape": "sphere", "position": [',
  'unknown-tool': () => JSON.stringify({ actions: [{ tool: 'launch_rockets', count: 3 }] }),
  far: (c) => JSON.stringify({ actions: [{ tool: 'create_primitive', shape: 'box', position: [c[0] + 500, c[1], c[2]] }] }),
  many: (c) =>
    JSON.stringify({
      actions: Array.from({ length: 32 }, (_, i) => ({
        tool: 'create_structure',
        structure: 'tower',
        position: [c[0] + (i % 8), c[1] + 5, c[2]],
        size: 16,
      })),
    }),
  'foreign-delete': () => JSON.stringify({ actions: [{ tool: 'delete_entity', entity: 987654321 }] }),
  // The sentence asks the model to break the rules; this model obeys it: everything in the world, deleted.
  injection: () =>
    JSON.stringify({ actions: Array.from({ length: 20 }, (_, i) => ({ tool: 'delete_entity', entity: 1_000_000 + i })) }),
  expensive: (c) =>
    JSON.stringify({ actions: [{ tool: 'create_primitive', shape: 'box', position: [c[0], c[1] + 2, c[2] + 0.5] }] }),
};

/**
 * Plugin reviews (POST /api/ai/plugin-review), by a `[review:NAME]` marker in the plugin's code (default `good`):
 * a real model's kind of answer, and hostile or broken ones.
 */
const REVIEWS: Record<string, (manifest: { permissions?: string[] }) => string> = {
  good: (m) =>
    JSON.stringify({
      summary: `Asks for ${(m.permissions ?? []).length} permissions; nothing leaves the viewer.`,
      risks: (m.permissions ?? []).map((p) => ({
        severity: p.startsWith('net:') || p === 'chat:send' ? 'high' : 'low',
        risk: `It is granted ${p}.`,
        where: 'manifest.permissions',
      })),
      suggestions: [{ change: 'Ask only for the permissions the code uses.', why: 'Fewer capabilities, less to misuse.' }],
    }),
  'not-json': () => 'This plugin looks fine to me!',
  // A model that "helpfully" rewrites the plugin: the schema refuses the extra key; nothing is applied.
  patch: () => JSON.stringify({ summary: 'Fixed it.', risks: [], suggestions: [], patched_code: 'export function init() {}' }),
  'bad-severity': () =>
    JSON.stringify({ summary: 'Risky.', risks: [{ severity: 'catastrophic', risk: 'everything' }], suggestions: [] }),
};

/** Tokens an answer reports using. */
const TOKENS: Record<string, number> = { expensive: 10_000_000 };

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Starts the server; `calls` counts requests per case (and 'bad' for requests it could not read). */
export async function startFakeLlm(): Promise<{ url: string; calls: Map<string, number>; close(): Promise<void> }> {
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404).end();
          return;
        }
        const body = (await readJson(req)) as { messages?: { role: string; content: string }[]; response_format?: unknown };
        const messages = body.messages ?? [];
        const user = JSON.parse(messages[1]?.content ?? '{}') as {
          sentence?: string;
          position?: Vec3;
          task?: string;
          manifest?: string;
          code?: string;
        };
        if (user.task === 'plugin-review') {
          const review = /\[review:([a-z-]+)\]/.exec(user.code ?? '')?.[1] ?? 'good';
          calls.set(`review:${review}`, (calls.get(`review:${review}`) ?? 0) + 1);
          const answer = REVIEWS[review];
          if (!answer || !body.response_format) {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unknown review or no response_format"}');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'chatcmpl-review',
              object: 'chat.completion',
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: answer(JSON.parse(user.manifest ?? '{}')) },
                  finish_reason: 'stop',
                },
              ],
              usage: { prompt_tokens: 300, completion_tokens: 80, total_tokens: 380 },
            }),
          );
          return;
        }
        const name = /\[case:([a-z-]+)\]/.exec(user.sentence ?? '')?.[1] ?? 'arch';
        calls.set(name, (calls.get(name) ?? 0) + 1);
        const answer = CASES[name];
        if (!answer || !body.response_format) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unknown case or no response_format"}');
          return;
        }
        const content = answer(user.position ?? [0, 0, 0], messages.length > 2);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: TOKENS[name] ?? 150 },
          }),
        );
      } catch {
        calls.set('bad', (calls.get('bad') ?? 0) + 1);
        res.writeHead(400).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** vitest globalSetup for the edge project: the server's base URL reaches the tests as `inject('fakeLlmUrl')`. */
export async function setup(project: { provide(key: 'fakeLlmUrl', value: string): void }): Promise<() => Promise<void>> {
  const llm = await startFakeLlm();
  project.provide('fakeLlmUrl', llm.url);
  return () => llm.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    fakeLlmUrl: string;
  }
}
