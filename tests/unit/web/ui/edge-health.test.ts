import { describe, expect, it } from 'vitest';
import { checkEdgeHealth } from '../../../../web/ui/edge-health';

const answer =
  (status: number, body: unknown): typeof fetch =>
  async () =>
    new Response(JSON.stringify(body), { status });

describe('edge health check', () => {
  it('reports healthy with the version the edge gives', async () => {
    expect(await checkEdgeHealth(answer(200, { ok: true, service: 'stormcore-edge', version: '1.2.3' }))).toEqual({
      state: 'healthy',
      version: '1.2.3',
    });
  });
  it('reports down on an HTTP error, a malformed body, or no network', async () => {
    expect(await checkEdgeHealth(answer(503, {}))).toMatchObject({ state: 'down', reason: 'edge answered HTTP 503' });
    expect(await checkEdgeHealth(answer(200, { ok: 'yes' }))).toMatchObject({ state: 'down' });
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await checkEdgeHealth(offline)).toMatchObject({ state: 'down', reason: expect.stringContaining('unreachable') });
  });
});
