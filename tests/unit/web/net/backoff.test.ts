import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../../../web/net/backoff';

describe('reconnect backoff', () => {
  it('grows exponentially with jitter in [ceiling/2, ceiling], capped, and resets', () => {
    const low = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    expect([low.next(), low.next(), low.next(), low.next(), low.next()]).toEqual([50, 100, 200, 400, 500]);
    const high = createBackoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([high.next(), high.next(), high.next(), high.next(), high.next(), high.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(high.attempts).toBe(6);
    high.reset();
    expect(high.next()).toBe(100);
  });
});
