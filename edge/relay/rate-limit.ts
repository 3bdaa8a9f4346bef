/** Token buckets for the per-circuit limits: datagrams per second and bytes per second, per direction. */

/** A token bucket over a caller-supplied clock (milliseconds), so tests need no timers. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `rate` tokens per second, holding at most `burst`; it starts full. */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Whether `n` tokens are available at `now` (refills first; takes nothing). */
  has(n: number, now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
    }
    return this.tokens >= n;
  }

  /** Takes `n` tokens if available at `now`; returns whether it did. */
  take(n: number, now: number): boolean {
    if (!this.has(n, now)) return false;
    this.tokens -= n;
    return true;
  }

  /** Removes `n` tokens that `has` just confirmed. */
  spend(n: number): void {
    this.tokens -= n;
  }
}

/** Both limits of one direction of a circuit; the burst of each is one second's worth. */
export class DatagramLimiter {
  private readonly datagrams: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(datagramsPerSecond: number, bytesPerSecond: number, now: number) {
    this.datagrams = new TokenBucket(datagramsPerSecond, datagramsPerSecond, now);
    this.bytes = new TokenBucket(bytesPerSecond, bytesPerSecond, now);
  }

  /** Whether a datagram of `size` bytes may pass at `now`; a refused datagram takes nothing from either bucket. */
  allow(size: number, now: number): boolean {
    if (!this.datagrams.has(1, now) || !this.bytes.has(size, now)) return false;
    this.datagrams.spend(1);
    this.bytes.spend(size);
    return true;
  }
}
