import { describe, expect, it } from 'vitest';
import { FrameTimer } from '../../../../web/render/frame-stats';

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
