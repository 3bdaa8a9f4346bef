import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SIGNAL_FRAME_BYTES, parseSignalFrame } from '../../../../shared/protocol';

const SELF = `p${'a'.repeat(32)}`;
const OTHER = `p${'b'.repeat(32)}`;

const offer = {
  type: 'OFFER',
  dst: OTHER,
  payload: {
    sdp: { type: 'offer', sdp: 'v=0\r\n' },
    type: 'data',
    connectionId: 'dc_1',
    label: 'dc_1',
    reliable: false,
    serialization: 'raw',
  },
};

describe('signal frames (the PeerJS server protocol)', () => {
  it('accepts what the stock peerjs client sends: HEARTBEAT, OFFER, ANSWER, CANDIDATE, LEAVE', () => {
    const frames: unknown[] = [
      { type: 'HEARTBEAT' },
      offer,
      { type: 'ANSWER', dst: OTHER, payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_1' } },
      {
        type: 'CANDIDATE',
        dst: OTHER,
        payload: {
          candidate: {
            candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host',
            sdpMid: '0',
            sdpMLineIndex: 0,
            usernameFragment: null,
          },
          type: 'data',
          connectionId: 'dc_1',
        },
      },
      { type: 'LEAVE', dst: OTHER },
      { type: 'LEAVE' },
    ];
    for (const f of frames) expect(parseSignalFrame(JSON.stringify(f), SELF)).toMatchObject({ ok: true });
  });

  it('drops fields the schema does not know, so they are never relayed', () => {
    const r = parseSignalFrame(JSON.stringify({ ...offer, extra: 1, payload: { ...offer.payload, evil: 'x' } }), SELF);
    expect(r.ok && JSON.stringify(r.frame)).not.toMatch(/extra|evil/);
  });

  it('refuses a src that is not the sender, oversize frames, non-JSON and schema breaks, each with its code', () => {
    expect(parseSignalFrame(JSON.stringify({ ...offer, src: OTHER }), SELF)).toMatchObject({
      ok: false,
      code: 'signal_forged_src',
    });
    expect(parseSignalFrame(JSON.stringify({ ...offer, src: SELF }), SELF)).toMatchObject({ ok: true });
    expect(parseSignalFrame(' '.repeat(MAX_SIGNAL_FRAME_BYTES + 1), SELF)).toMatchObject({ ok: false, code: 'signal_too_large' });
    // Counted in UTF-8 bytes: 6000 three-byte characters are 18000 bytes.
    expect(parseSignalFrame(JSON.stringify({ type: 'LEAVE', x: '€'.repeat(6000) }), SELF)).toMatchObject({
      code: 'signal_too_large',
    });
    expect(parseSignalFrame('{', SELF)).toMatchObject({ ok: false, code: 'signal_not_json' });
    for (const bad of [
      { type: 'OPEN' },
      { type: 'OFFER', dst: OTHER },
      { ...offer, dst: 'a/b' },
      { ...offer, dst: 'x'.repeat(65) },
    ]) {
      const r = parseSignalFrame(JSON.stringify(bad), SELF);
      expect(r).toMatchObject({ ok: false, code: 'signal_invalid' });
      expect(!r.ok && r.message).toMatch(/^signal: /);
    }
  });

  it('never throws, whatever text arrives, and accepts only frames within the limit', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 4 })), (text) => {
        const r = parseSignalFrame(text, SELF);
        if (r.ok) expect(['HEARTBEAT', 'OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']).toContain(r.frame.type);
        else expect(r.message).toMatch(/^signal: /);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated valid frames parse to frames whose src, when present, is the sender', () => {
    const key = fc.constantFrom('type', 'dst', 'src', 'payload');
    fc.assert(
      fc.property(key, fc.jsonValue(), (k, v) => {
        const r = parseSignalFrame(JSON.stringify({ ...offer, [k]: v }), SELF);
        if (r.ok && 'src' in r.frame && r.frame.src !== undefined) expect(r.frame.src).toBe(SELF);
      }),
      { numRuns: 2000 },
    );
  });
});
