/**
 * Render bench: cull + LOD for 100k and 1M instances on the GPU (compute pass, in headless Chromium) against the CPU
 * reference in the same page. Node has no WebGPU, so this suite starts the dev server and drives Chromium.
 * Writes bench/results/render.json with ratios.cull_1m_cpu_over_gpu.
 */
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium';
import { startDevServer } from '../support/dev-server';
import { type CaseResult, writeReport } from './report';

interface Timing {
  count: number;
  visible: number;
  cpuMs: number;
  gpuWallMs: number;
  gpuPassMs: number | null;
  range: { cpu: [number, number]; wall: [number, number]; pass: [number, number] | null };
}
interface Run {
  adapter: string;
  timestamps: boolean;
  errors: string[];
  results: Timing[];
}

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const pageModule = `/@fs${fileURLToPath(new URL('../e2e/render-cull.page.ts', import.meta.url))}`;
const framePageModule = `/@fs${fileURLToPath(new URL('../e2e/render-frame.page.ts', import.meta.url))}`;
const FRAMES = Number(process.env.BENCH_FRAMES ?? 10);
interface FrameRun {
  adapter: string;
  results: { instances: number; cull: 'gpu' | 'cpu'; medianMs: number; p95Ms: number; minMs: number; maxMs: number }[];
}
let frameRun: FrameRun | undefined;

const server = await startDevServer();
const browser = await launchChromium();
let run: Run | undefined;
try {
  const page = await browser.newPage();
  // A page without the viewer app, so its render loop does not compete for the (software) GPU.
  await page.goto(`${server.url}/api/health`, { waitUntil: 'networkidle' });
  for (let attempt = 0; ; attempt++) {
    try {
      // A string: the import runs in the page, where Vite serves the module.
      run = (await page.evaluate(
        `import(${JSON.stringify(pageModule)}).then((m) => m.cullTiming([100000, 1000000], ${SAMPLES}))`,
      )) as Run;
      frameRun = (await page.evaluate(
        `import(${JSON.stringify(framePageModule)}).then((m) => m.frameTiming([10000, 100000], ${FRAMES}))`,
      )) as FrameRun;
      break;
    } catch (err) {
      // Vite may reload the page once after optimising a new dependency.
      if (attempt >= 3 || !/context was destroyed|navigation/i.test(String(err))) throw err;
      await page.waitForLoadState('networkidle');
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
if (!run) throw new Error('bench: render: no result from the page');
if (run.errors.length) throw new Error(`bench: render: WebGPU errors: ${run.errors.join('; ')}`);

const label = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`);
// Each case is the median of SAMPLES (FRAMES) samples, with their real minimum and maximum.
const one = (name: string, ms: number, [min, max]: [number, number]): CaseResult => ({
  name,
  median_ms: ms,
  min_ms: min,
  max_ms: max,
  samples: SAMPLES,
});
const cases: CaseResult[] = [];
const ms: Record<string, number> = {};
const ratios: Record<string, number> = {};
for (const t of run.results) {
  const n = label(t.count);
  // GPU time: the pass's own timestamps where the adapter has them, else wall time to onSubmittedWorkDone.
  const gpuMs = t.gpuPassMs ?? t.gpuWallMs;
  cases.push(
    one(`cull_${n}_cpu`, t.cpuMs, t.range.cpu),
    one(`cull_${n}_gpu`, gpuMs, t.range.pass ?? t.range.wall),
    one(`cull_${n}_gpu_wall`, t.gpuWallMs, t.range.wall),
  );
  ms[`cull_${n}_cpu`] = t.cpuMs;
  ms[`cull_${n}_gpu`] = gpuMs;
  ms[`cull_${n}_gpu_wall`] = t.gpuWallMs;
  ratios[`cull_${n}_cpu_over_gpu`] = t.cpuMs / gpuMs;
}
for (const f of frameRun?.results ?? []) {
  const name = `frame_${label(f.instances)}_visible_${f.cull}_cull`;
  cases.push({ name, median_ms: f.medianMs, min_ms: f.minMs, max_ms: f.maxMs, samples: FRAMES });
  ms[name] = f.medianMs;
  ms[`${name}_p95`] = f.p95Ms;
}
writeReport({
  suite: 'render',
  cases,
  ratios,
  ms,
  extra: {
    adapter: run.adapter,
    gpu_timing: run.timestamps ? 'timestamp-query (compute pass only)' : 'wall time, submit to onSubmittedWorkDone',
    visible: Object.fromEntries(run.results.map((t) => [label(t.count), t.visible])),
    frame_time:
      'wall time per frame (1280x720: sky, terrain, N prims of 7 shapes all in view), encode to onSubmittedWorkDone; ms.<case>_p95 holds p95',
  },
});
