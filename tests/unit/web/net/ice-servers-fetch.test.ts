import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ICE_CONFIG_BYTES } from '../../../../shared/protocol';
import { fetchIceServers } from '../../../../web/net/peer-transport';

/** A 127.0.0.1 server answering GET /p2p/<world>/ice as each test sets it; it records the authorization it got. */
let server: Server;
let origin = '';
let answer: { status: number; body: string } = { status: 200, body: '{"iceServers":[]}' };
let seen: { url: string; auth: string } | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = { url: req.url ?? '', auth: req.headers.authorization ?? '' };
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("the viewer's ICE servers from the edge", () => {
  it('asks GET /p2p/<world>/ice with the bearer token and takes the servers it lists', async () => {
    const list = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:t.example.org:3478'], username: 'u', credential: 'c' }];
    answer = { status: 200, body: JSON.stringify({ iceServers: list }) };
    expect(await fetchIceServers(fetch, origin, 'plaza', 'v1.tok')).toEqual(list);
    expect(seen).toEqual({ url: '/p2p/plaza/ice', auth: 'Bearer v1.tok' });
    answer = { status: 200, body: '{"iceServers":[]}' };
    expect(await fetchIceServers(fetch, origin, 'plaza', 'v1.tok')).toEqual([]);
  });

  it('rejects with a p2p: message for a refusal, a body that is not the schema, not JSON, or too big', async () => {
    const cases: [typeof answer, RegExp][] = [
      [
        { status: 500, body: '{"error":{"code":"p2p_ice_config","message":"edge: P2P_ICE_SERVERS is not JSON"}}' },
        /HTTP 500.*p2p_ice_config/,
      ],
      [{ status: 401, body: '{"error":{"code":"token_missing","message":"auth"}}' }, /HTTP 401/],
      [{ status: 200, body: '{"iceServers":[{"urls":"http://x/"}]}' }, /malformed/],
      [{ status: 200, body: '{"iceServers":[],"more":1}' }, /malformed/],
      [{ status: 200, body: 'nope' }, /not JSON/],
      [{ status: 200, body: `{"iceServers":[],"pad":"${'x'.repeat(MAX_ICE_CONFIG_BYTES)}"}` }, /over 8192 bytes/],
    ];
    for (const [a, why] of cases) {
      answer = a;
      await expect(fetchIceServers(fetch, origin, 'plaza', 'v1.tok')).rejects.toThrow(why);
      await expect(fetchIceServers(fetch, origin, 'plaza', 'v1.tok')).rejects.toThrow(/^p2p: /);
    }
  });
});
