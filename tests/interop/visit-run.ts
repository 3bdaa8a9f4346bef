/** Runs `scripts/visit.ts` (what `npm run -s visit` runs) as a child process and parses its one JSON document. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

export interface VisitRun {
  code: number | null;
  json: Record<string, unknown>;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `npm run -s visit -- ...args` with `env` added; rejects if stdout is not exactly one JSON document. */
export function runVisitCli(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<VisitRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [tsx, 'scripts/visit.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      if (lines.length !== 1) {
        reject(new Error(`visit printed ${lines.length} stdout lines (want one JSON document); stderr:\n${stderr}`));
        return;
      }
      try {
        resolve({ code, json: JSON.parse(lines[0] ?? ''), stdout, stderr, ms: performance.now() - t0 });
      } catch {
        reject(new Error(`visit's stdout is not JSON: ${stdout.slice(0, 200)}; stderr:\n${stderr}`));
      }
    });
  });
}
