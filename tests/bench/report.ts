/** Bench harness: runs cases with tinybench, writes bench/results/<suite>.json, compares with a saved baseline. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench, type Fn } from 'tinybench';
import { findRegressions } from './regression';

const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));

/** One measured case: times in milliseconds. */
export interface CaseResult {
  name: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  samples: number;
  /** Median absolute deviation of the samples (the regression flag's noise), where measured. */
  mad_ms?: number;
}

/** What a suite writes. `ratios` and `ms` hold the figures an issue asks for by name. */
export interface SuiteReport {
  suite: string;
  date: string;
  node: string;
  cases: CaseResult[];
  ratios: Record<string, number>;
  ms: Record<string, number>;
  extra?: Record<string, unknown>;
  regressions?: string[];
}

/** A case to measure; `setup` runs before each sample batch, outside the timing. */
export interface BenchCase {
  name: string;
  fn: Fn;
  beforeEach?: () => void | Promise<void>;
}

/** Runs the cases, each for about `timeMs` (at least `iterations` samples), and returns their statistics. */
export async function measure(cases: BenchCase[], options: { timeMs?: number; iterations?: number } = {}): Promise<CaseResult[]> {
  const bench = new Bench({ time: options.timeMs ?? 500, iterations: options.iterations ?? 10, warmupTime: 50 });
  for (const c of cases) bench.add(c.name, c.fn, c.beforeEach ? { beforeEach: c.beforeEach } : {});
  await bench.run();
  return bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`bench: case ${task.name} did not complete (${r.state})`);
    return {
      name: task.name,
      median_ms: r.latency.p50,
      min_ms: r.latency.min,
      max_ms: r.latency.max,
      samples: r.latency.samplesCount,
      mad_ms: r.latency.mad,
    };
  });
}

/** Finds a case by name or throws (a ratio must never silently use a missing case). */
export function caseNamed(results: CaseResult[], name: string): CaseResult {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`bench: no case named ${name}`);
  return found;
}

/**
 * Writes bench/results/<suite>.json. Cases slower than the baseline (bench/results/baseline/<suite>.json)
 * by more than 5 % at the median, and by more than the runs' noise (tests/bench/regression.ts), are listed under
 * `regressions` and printed.
 */
export function writeReport(
  report: Omit<SuiteReport, 'date' | 'node' | 'regressions'>,
  /** Top-level sections an issue asks for by name (the ai suite's `forecast`), written beside the rest. */
  sections: Record<string, unknown> = {},
): SuiteReport {
  const full: SuiteReport = { ...sections, ...report, date: new Date().toISOString(), node: process.version };
  const baselinePath = `${resultsDir}baseline/${report.suite}.json`;
  if (existsSync(baselinePath)) {
    const baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as SuiteReport;
    full.regressions = findRegressions(report.cases, baseline.cases);
    for (const r of full.regressions) console.error(`bench: REGRESSION ${report.suite} ${r}`);
  }
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}${report.suite}.json`, `${JSON.stringify(full, null, 2)}\n`);
  console.table(
    report.cases.map((c) => ({
      case: c.name,
      'median ms': c.median_ms.toFixed(4),
      'min ms': c.min_ms.toFixed(4),
      'max ms': c.max_ms.toFixed(4),
    })),
  );
  if (Object.keys(report.ratios).length) console.log('ratios', report.ratios);
  return full;
}
