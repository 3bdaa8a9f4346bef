import { describe, expect, it } from 'vitest';
import { DatagramLimiter, TokenBucket } from '../../../../edge/relay/rate-limit.ts';

describe('relay token bucket', () => {
  it('allows a full burst, then refuses until time refills it', () => {
    const b = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) expect(b.take(1, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(1, 50)).toBe(false);
    expect(b.take(1, 100)).toBe(true);
  });

  it('never holds more than its burst however long it waits', () => {
    const b = new TokenBucket(10, 5, 0);
    let n = 0;
    while (b.take(1, 60_000)) n += 1;
    expect(n).toBe(5);
  });
});

describe('relay datagram limiter', () => {
  it('refuses by byte rate without spending a datagram token', () => {
    const l = new DatagramLimiter(2, 1000, 0);
    expect(l.allow(800, 0)).toBe(true);
    expect(l.allow(800, 0)).toBe(false);
    expect(l.allow(200, 0)).toBe(true);
  });

  it('refuses by datagram rate without spending bytes', () => {
    const l = new DatagramLimiter(1, 1000, 0);
    expect(l.allow(10, 0)).toBe(true);
    expect(l.allow(10, 0)).toBe(false);
    expect(l.allow(990, 1000)).toBe(true);
  });
});
