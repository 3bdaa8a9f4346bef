import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IceConfig, MAX_ICE_CONFIG_BYTES, MAX_ICE_SERVERS, parseIceServers } from '../../../../shared/protocol';

const WHAT = 'edge: P2P_ICE_SERVERS';
const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}:[1-9][0-9]{0,4}$/);
const stun = host.map((h) => `stun:${h}`);
const turn = fc.tuple(fc.constantFrom('turn:', 'turns:'), host).map(([s, h]) => `${s}${h}?transport=udp`);
const secret = fc.string({ minLength: 1, maxLength: 64 });
const server = fc.oneof(
  fc.record({ urls: fc.oneof(stun, fc.array(stun, { minLength: 1, maxLength: 4 })) }),
  fc.record({ urls: fc.oneof(turn, fc.array(turn, { minLength: 1, maxLength: 4 })), username: secret, credential: secret }),
);

describe('ICE server configuration (P2P_ICE_SERVERS, GET /p2p/<world>/ice)', () => {
  it('empty text is no servers; a STUN and a TURN server are taken as given', () => {
    expect(parseIceServers('', WHAT)).toEqual({ ok: true, servers: [] });
    expect(parseIceServers('  ', WHAT)).toEqual({ ok: true, servers: [] });
    const list = [
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], username: 'u', credential: 'c' },
    ];
    expect(parseIceServers(JSON.stringify(list), WHAT)).toEqual({ ok: true, servers: list });
  });

  it('refuses what RTCPeerConnection should never get, saying where: not JSON, other schemes, TURN without credentials, unknown fields, too many, too big', () => {
    const cases: [string, RegExp][] = [
      ['{nope', /is not JSON/],
      ['{"urls":"stun:a.b:1"}', /list/],
      ['[{"urls":"http://a.b/"}]', /0\.urls: .*stun:/],
      ['[{"urls":"turn:a.b:3478"}]', /TURN server needs username and credential/],
      ['[{"urls":"stun:a.b:1","extra":1}]', /0/],
      [JSON.stringify(Array.from({ length: MAX_ICE_SERVERS + 1 }, () => ({ urls: 'stun:a.b:1' }))), /list/],
      [JSON.stringify([{ urls: 'stun:a.b:1', username: 'x'.repeat(MAX_ICE_CONFIG_BYTES) }]), /over 8192 bytes/],
    ];
    for (const [text, why] of cases) {
      const r = parseIceServers(text, WHAT);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.message.startsWith(WHAT)).toBe(true);
        expect(r.message).toMatch(why);
      }
    }
  });

  it('any valid list round-trips through JSON, and the answer the edge sends parses as IceConfig (property)', () => {
    fc.assert(
      fc.property(fc.array(server, { maxLength: MAX_ICE_SERVERS }), (list) => {
        const text = JSON.stringify(list);
        fc.pre(text.length <= MAX_ICE_CONFIG_BYTES);
        const r = parseIceServers(text, WHAT);
        expect(r).toEqual({ ok: true, servers: list });
        expect(IceConfig.parse(JSON.parse(JSON.stringify({ iceServers: list })))).toEqual({ iceServers: list });
      }),
    );
  });

  it('never throws on any text, and every refusal names where the text came from (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.array(fc.jsonValue()).map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const r = parseIceServers(text, WHAT);
          if (!r.ok) expect(r.message.startsWith(WHAT)).toBe(true);
          else expect(r.servers.length).toBeLessThanOrEqual(MAX_ICE_SERVERS);
        },
      ),
    );
  });
});
