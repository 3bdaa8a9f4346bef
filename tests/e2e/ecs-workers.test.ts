/** The ECS in Chromium: two pool workers (web/workers/ecs-pool.worker.ts) see and update the page's SAB columns. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

interface PageResult {
  isolated: boolean;
  entities: number;
  allCountersAtThree: boolean;
  workersSeen: number[];
  failures: string[];
  readBackFromWorker: boolean;
}

// Runs in the page: a world on the main thread, a pool of two module workers, a kernel module made
// from a Blob so it lives in no source folder. Kept as text: it runs in the browser, not here.
const SCRIPT = `(async () => {
  const { createWorld } = await import('/engine/world.ts');
  const { defineComponent } = await import('/engine/schema.ts');
  const { createWorkerPool } = await import('/engine/worker-pool.ts');
  const { createScheduler } = await import('/engine/schedule.ts');
  const Counter = defineComponent('Counter', { n: 'u32', by: 'i32' });
  const world = createWorld({ components: [Counter], capacity: 4096, initialCapacity: 256 });
  for (let i = 0; i < 2000; i++) world.create(Counter);
  const source = [
    'export function bump(view, runs, frame) {',
    '  const c = view.component("Counter");',
    '  const n = view.views[c.fields[0].column];',
    '  const by = view.views[c.fields[1].column];',
    '  for (let r = 0; r < runs.length; r += 2) for (let i = runs[r]; i < runs[r + 1]; i++) { n[i] += 1; by[i] = frame.worker; }',
    '}',
  ].join('\\n');
  const kernelUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const ref = { module: kernelUrl, export: 'bump' };
  const pool = await createWorkerPool({
    world: world.memory,
    size: 2,
    kernels: [ref],
    spawn: () => {
      const w = new Worker('/workers/ecs-pool.worker.ts', { type: 'module' });
      return { postMessage: (m) => w.postMessage(m), onMessage: (h) => w.addEventListener('message', (e) => h(e.data)), terminate: () => w.terminate() };
    },
  });
  const kernelOnOwner = (await import(kernelUrl)).bump;
  const s = createScheduler(world, { pool });
  s.add({ name: 'bump', query: { all: [Counter] }, writes: [Counter], kernel: kernelOnOwner, worker: ref });
  for (let f = 0; f < 3; f++) s.frame(1 / 60);
  const n = world.column(Counter, 'n');
  const by = world.column(Counter, 'by');
  let all = true;
  const seen = new Set();
  for (let i = 0; i < 2000; i++) { if (n[i] !== 3) all = false; seen.add(by[i]); }
  pool.close();
  return {
    isolated: self.crossOriginIsolated,
    entities: world.size,
    allCountersAtThree: all,
    workersSeen: [...seen].sort(),
    failures: s.failures.map((f) => f.message),
    readBackFromWorker: n[1999] === 3 && by[1999] === 1,
  };
})()`;

describe('the ECS in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    page = await browser.newPage();
    await page.goto(`${inject('baseUrl')}/`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lets two module workers see and update the same SharedArrayBuffer columns as the page', async () => {
    // The dev server may reload the page once while it optimizes dependencies: retry on that.
    let result: PageResult | undefined;
    for (let attempt = 0; !result; attempt++) {
      await page.waitForLoadState('networkidle');
      try {
        result = (await page.evaluate(SCRIPT)) as PageResult;
      } catch (e) {
        if (attempt >= 3 || !String(e).includes('Execution context was destroyed')) throw e;
      }
    }
    expect(result).toEqual({
      isolated: true,
      entities: 2000,
      allCountersAtThree: true,
      workersSeen: [0, 1],
      failures: [],
      readBackFromWorker: true,
    });
  });
});
