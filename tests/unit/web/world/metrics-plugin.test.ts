/** The metrics plugin: the world App records one valid MetricSnapshot a second, from what the worker knows. */
import { describe, expect, it } from 'vitest';
import { parseMetricSnapshot } from '../../../../web/engine';
import { Commands } from '../../../../web/world/keys';
import { MetricsKey } from '../../../../web/world/plugins/metrics';
import { createWorldApp } from '../../../../web/world/world-app';
import type { WorldEvent } from '../../../../web/world/world-protocol';
import { fakeConnection } from '../../../support/fake-connection';

function harness() {
  let t = 1000;
  const world = createWorldApp({
    now: () => t,
    hardwareConcurrency: 8,
    workers: 2,
    connect: () => fakeConnection({}),
  });
  const step = (ms: number) => {
    t += ms;
    world.frame(ms / 1000);
  };
  return { world, step, recorder: world.app.resource(MetricsKey) };
}

describe('the metrics plugin', () => {
  it('records one snapshot per second of the fake clock, each within the schema', () => {
    const { step, recorder } = harness();
    for (let i = 0; i < 10 * 60; i++) step(1000 / 60); // ten seconds at 60 Hz
    const snapshots = recorder.snapshots();
    expect(snapshots.length).toBeGreaterThanOrEqual(10);
    expect(snapshots.length).toBeLessThanOrEqual(11);
    for (const [k, s] of snapshots.entries()) {
      expect(parseMetricSnapshot(s)).toEqual(s);
      if (k > 0) expect(s.timestamp_ms - (snapshots[k - 1]?.timestamp_ms ?? 0)).toBeCloseTo(1000, -2);
    }
    const last = snapshots.at(-1);
    expect(last?.system_ms).toHaveProperty('metrics-snapshot');
    expect(last?.system_ms).toHaveProperty('hud-snapshot');
    expect(last?.worker_busy).toHaveLength(1);
    expect(last?.sab_bytes).toBeGreaterThan(0);
    expect(last?.query_rate_per_s).toBeGreaterThan(0);
    // Node has no performance.memory, and the world worker knows no GPU memory or texture queue.
    expect(last).not.toHaveProperty('js_heap_bytes');
    expect(last).not.toHaveProperty('gpu_memory_bytes');
    expect(last).not.toHaveProperty('asset_queue');
  });

  it('posts each snapshot to the page (for the AI worker) and records the heap it is given', () => {
    let t = 1000;
    const posted: WorldEvent[] = [];
    const world = createWorldApp({
      now: () => t,
      hardwareConcurrency: 8,
      workers: 2,
      connect: () => fakeConnection({}),
      post: (e) => posted.push(e),
      heapBytes: () => 12_345_678,
    });
    for (let i = 0; i < 5 * 60; i++) {
      t += 1000 / 60;
      world.frame(1 / 60);
    }
    const recorded = world.app.resource(MetricsKey).snapshots();
    const sent = posted.flatMap((e) => (e.type === 'metrics' ? [e.snapshot] : []));
    expect(sent).toEqual(recorded);
    expect(sent.every((s) => s.js_heap_bytes === 12_345_678)).toBe(true);
  });

  it("puts the render worker's frame time it is told into the snapshots (and the JSONL), and leaves it out once 3 s stale", () => {
    const { world, step, recorder } = harness();
    for (let i = 0; i < 2 * 60; i++) step(1000 / 60);
    expect(recorder.snapshots().at(-1)).not.toHaveProperty('render_frame_ms');
    // The page tells it once a second, as the render worker's stats arrive.
    for (let second = 0; second < 4; second++) {
      world.app.send(Commands, { type: 'render-stats', frameMs: 7.5 + second });
      for (let i = 0; i < 60; i++) step(1000 / 60);
    }
    const told = recorder.snapshots().at(-1);
    expect(told?.render_frame_ms).toBe(10.5);
    expect(parseMetricSnapshot(told)).toEqual(told);
    expect(recorder.toJsonl().trimEnd().split('\n').at(-1)).toContain('"render_frame_ms":10.5');
    // The renderer stops telling (a hidden tab, a lost device): after 3 s the snapshot leaves it out.
    for (let i = 0; i < 5 * 60; i++) step(1000 / 60);
    expect(recorder.snapshots().at(-1)).not.toHaveProperty('render_frame_ms');
  });

  it('keeps at most an hour, oldest dropped first', () => {
    const { step, recorder } = harness();
    expect(recorder.capacity).toBe(3600);
    for (let i = 0; i < 3700; i++) step(1000);
    expect(recorder.size).toBe(3600);
    const times = recorder.snapshots().map((s) => s.timestamp_ms);
    expect(times[0]).toBe(1000 + 101 * 1000);
    expect(times.at(-1)).toBe(1000 + 3700 * 1000);
    expect(recorder.toJsonl().split('\n')).toHaveLength(3601);
  });
});
