import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTimer, WorkTimer } from '../../../../web/render/frame-stats';

describe('frame timer', () => {
  it('reports nothing before two frames', () => {
    const t = new FrameTimer();
    expect(t.summary()).toEqual({ fps: 0, p50: 0, p95: 0 });
    t.tick(0);
    expect(t.summary().fps).toBe(0);
  });
  it('gives fps from the mean interval and percentiles of the last frames only', () => {
    const t = new FrameTimer(10);
    let now = 0;
    const step = (ms: number): void => {
      now += ms;
      t.tick(now);
    };
    t.tick(now);
    for (let i = 0; i < 100; i++) step(100); // old slow frames fall out of the ring
    for (let i = 0; i < 9; i++) step(10);
    step(50);
    const s = t.summary();
    expect(s.p50).toBe(10);
    expect(s.p95).toBe(50);
    expect(s.fps).toBeCloseTo(1000 / 14, 5);
  });
});

describe('work timer', () => {
  it('gives the median of the last frames only, 0 before any, and ignores times that are not times', () => {
    const w = new WorkTimer(5);
    expect(w.p50()).toBe(0);
    for (const ms of [40, 40, 40, 40, 40]) w.add(ms);
    for (const ms of [3, 9, 4, Number.NaN, -1, Number.POSITIVE_INFINITY, 5]) w.add(ms);
    // The ring holds 40, 3, 9, 4, 5 (the old 40s fell out but one): the median is 5.
    expect(w.p50()).toBe(5);
  });

  it('keeps its median within what it was given', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }), (xs) => {
        const w = new WorkTimer(120);
        for (const x of xs) w.add(x);
        const kept = xs.slice(-120);
        const p = w.p50();
        expect(p).toBeGreaterThanOrEqual(Math.min(...kept));
        expect(p).toBeLessThanOrEqual(Math.max(...kept));
      }),
    );
  });
});
