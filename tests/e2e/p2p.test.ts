/**
 * Peer-to-peer motion in headless Chromium: three visitors of the demo world, inside a private network namespace
 * (WebRTC needs an interface with an address; loopback has none, and nothing may leave the machine). The
 * scenario (tests/support/p2p-scenario.ts) runs there with its own dev server; this test judges what it saw.
 */
import { describe, expect, it } from 'vitest';
import { resultOf, runInNetns } from '../support/netns';

interface Hud {
  open: number;
  received: number;
  fallbacks: number;
  applied: number;
  corrections: number;
  iceFrom: string;
}
interface Walk {
  moved: number;
  received: number;
  applied: number;
}
interface Result {
  twoOpen: Hud[];
  twoWalk: Walk[];
  threeOpen: Hud[];
  threeWalk: Walk[];
  fallback: { dropped: boolean; movedY: number; longestStillMs: number; hud: Hud };
  correction: { forged: number; corrections: number; offBy: number };
}

describe('peer-to-peer motion between visitors', () => {
  it('two and three visitors see each other move through DataChannels; a dropped connection falls back to the room; the room corrects a lying peer', async () => {
    const run = await runInNetns('tests/support/p2p-scenario.ts', ['e2e'], 400_000);
    const r = resultOf<Result>(run);
    // Two visitors: one channel each, and B drew A's walk from A's peer frames.
    expect(r.twoOpen.map((h) => h.open)).toEqual([1, 1]);
    // The ICE servers came from the edge's configuration (none for this loopback run).
    expect(r.twoOpen.map((h) => h.iceFrom)).toEqual(['edge', 'edge']);
    for (const w of r.twoWalk) {
      expect(w.received).toBeGreaterThan(20);
      expect(w.applied).toBeGreaterThan(20);
      expect(w.moved).toBeGreaterThan(2);
    }
    // Three: a full mesh of two channels each; both others drew A's walk from peer frames.
    expect(r.threeOpen.map((h) => h.open)).toEqual([2, 2, 2]);
    for (const w of r.threeWalk) {
      expect(w.received).toBeGreaterThan(20);
      expect(w.applied).toBeGreaterThan(20);
      expect(w.moved).toBeGreaterThan(2);
    }
    // B's channel to A died: counted as a fallback, and A kept moving on B's screen (the HUD samples every 250 ms).
    expect(r.fallback.dropped).toBe(true);
    expect(r.fallback.hud.fallbacks).toBeGreaterThanOrEqual(1);
    expect(r.fallback.movedY).toBeGreaterThan(3);
    expect(r.fallback.longestStillMs).toBeLessThan(700);
    // A's frames said it stood 30 m away: C corrected it to the room's state and shows A where A is.
    expect(r.correction.forged).toBeGreaterThan(0);
    expect(r.correction.corrections).toBeGreaterThanOrEqual(1);
    expect(r.correction.offBy).toBeGreaterThanOrEqual(0);
    expect(r.correction.offBy).toBeLessThan(3);
  }, 420_000);
});
