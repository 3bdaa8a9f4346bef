import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  CreateWorldRequest,
  GridLoginAnswer,
  GridLoginRequest,
  MAX_TOKEN_BYTES,
  SessionAnswer,
  SessionRequest,
  TOKEN_TTL_S,
} from '../../../../shared/protocol';

describe('HTTP API schemas', () => {
  it('POST /api/session takes a world name with an optional narrower perm and shorter ttl', () => {
    expect(SessionRequest.safeParse({ world: 'plaza' }).success).toBe(true);
    expect(SessionRequest.safeParse({ world: 'plaza', perm: 3, ttl: 120 }).success).toBe(true);
    for (const bad of [
      {},
      { world: 'Not A Name' },
      { world: 'plaza', ttl: TOKEN_TTL_S + 1 },
      { world: 'plaza', ttl: 59 },
      { world: 'plaza', perm: -1 },
    ])
      expect(SessionRequest.safeParse(bad).success).toBe(false);
  });

  it('answers carry a bounded token; error bodies a bounded code and message', () => {
    const ok = { token: 'v1.a.b', world: 'plaza', permissions: 3, expiresAt: 1_700_000_000_000 };
    expect(SessionAnswer.parse(ok)).toEqual(ok);
    expect(SessionAnswer.safeParse({ ...ok, token: 'x'.repeat(MAX_TOKEN_BYTES + 1) }).success).toBe(false);
    expect(ApiError.safeParse({ error: { code: 'world_not_found', message: 'no world' } }).success).toBe(true);
    expect(ApiError.safeParse({ error: { code: 'x'.repeat(65), message: '' } }).success).toBe(false);
    expect(CreateWorldRequest.safeParse({ name: 'garden' }).success).toBe(true);
  });

  it('POST /api/grid/login refuses unknown fields and names OpenSim would refuse', () => {
    const body = { loginUri: 'http://127.0.0.1:9000/', first: 'Test', last: 'User', password: 'secret' };
    expect(GridLoginRequest.safeParse(body).success).toBe(true);
    expect(GridLoginRequest.safeParse({ ...body, region: 'StormTest', position: [1, 2, 3], drawDistance: 128 }).success).toBe(
      true,
    );
    expect(GridLoginRequest.safeParse({ ...body, extra: 1 }).success).toBe(false);
    expect(GridLoginRequest.safeParse({ ...body, first: 'Two Words' }).success).toBe(false);
    expect(GridLoginRequest.safeParse({ ...body, region: 'a&b' }).success).toBe(false);
    const answer = {
      session: `g-${'0'.repeat(24)}`,
      token: 'v1.a.b',
      socket: `/ws/grid/g-${'0'.repeat(24)}`,
      region: 'StormTest',
      size: [256, 256],
      agent: { id: 'a', first: 'Test', last: 'User' },
      timings: { loginMs: 1, handshakeMs: 2 },
    };
    expect(GridLoginAnswer.parse(answer)).toEqual(answer);
    expect(GridLoginAnswer.safeParse({ ...answer, socket: '/ws/world/plaza' }).success).toBe(false);
  });

  it('no JSON value makes a schema throw: it parses or gives issues', () => {
    const schemas = [SessionRequest, SessionAnswer, CreateWorldRequest, GridLoginRequest, GridLoginAnswer, ApiError];
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        for (const s of schemas) expect(typeof s.safeParse(json).success).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
