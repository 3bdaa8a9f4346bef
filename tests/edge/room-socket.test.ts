import { describe, expect, it } from 'vitest';
import {
  createFrameBucket,
  decodeFrame,
  FLOOD_BURST,
  FLOOD_RATE,
  FLOOD_WARNING_MS,
  isOversized,
  takeFrameToken,
} from '../../edge/rooms/room-socket';
import { encodeClientMessage, MAX_CLIENT_FRAME_BYTES } from '../../shared/protocol';

describe('room sockets', () => {
  it('a bucket lets a burst through, warns on the first overflow and reports a flood on the next one', () => {
    const b = createFrameBucket(0);
    for (let i = 0; i < FLOOD_BURST; i++) expect(takeFrameToken(b, 0)).toBe('ok');
    expect(takeFrameToken(b, 0)).toBe('warn');
    expect(takeFrameToken(b, 1)).toBe('flood');
    // Refilled at FLOOD_RATE per second.
    expect(takeFrameToken(b, 1 + 1000 / FLOOD_RATE)).toBe('ok');
    // A warning is forgotten after FLOOD_WARNING_MS of good behaviour.
    const later = 1 + FLOOD_WARNING_MS + 1000;
    expect(takeFrameToken(b, later)).toBe('ok');
    expect(b.warnedAt).toBeNull();
  });

  it('decodes binary frames, answers text and malformed frames with an error frame, and measures size', () => {
    const ping = encodeClientMessage({ type: 'ping', nonce: 7, clientTime: 1 });
    expect(decodeFrame(ping.slice().buffer, 'room')).toEqual({ msg: { type: 'ping', nonce: 7, clientTime: 1 } });
    expect(decodeFrame('hi', 'room')).toMatchObject({ error: { type: 'error', code: 'protocol_text_frame' } });
    expect(decodeFrame(new Uint8Array([0x7f]).buffer, 'room')).toMatchObject({ error: { type: 'error' } });
    expect(isOversized(new ArrayBuffer(MAX_CLIENT_FRAME_BYTES))).toBe(false);
    expect(isOversized(new ArrayBuffer(MAX_CLIENT_FRAME_BYTES + 1))).toBe(true);
  });
});
