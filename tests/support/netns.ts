/**
 * Runs a Node script inside a private network namespace made for it: loopback plus one veth pair (10.250.0.1/24)
 * with a default route, so WebRTC finds a host candidate and every packet stays inside the namespace
 * (../shared/NOTES-browser.md, WebRTC). Needs root (unshare, ip). The script's stdout and stderr come back.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const NAMESPACE_SETUP = [
  'set -e',
  'ip link set lo up',
  'ip link add veth0 type veth peer name veth1',
  'ip addr add 10.250.0.1/24 dev veth0',
  'ip addr add 10.250.0.2/24 dev veth1',
  'ip link set veth0 up',
  'ip link set veth1 up',
  'ip route add default via 10.250.0.2 dev veth0',
].join('; ');

export interface NetnsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx <script> ...args` in a fresh namespace; killed after `timeoutMs`. */
export function runInNetns(script: string, args: string[], timeoutMs: number): Promise<NetnsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'unshare',
      ['-n', 'bash', '-c', `${NAMESPACE_SETUP}; exec "${process.execPath}" --import tsx "$@"`, 'netns', script, ...args],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`netns: could not run unshare (root and util-linux are needed): ${err.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The one JSON result line (`RESULT <json>`) a scenario printed, or an error with what it printed instead. */
export function resultOf<T>(run: NetnsRun): T {
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line)
    throw new Error(
      `netns: the scenario printed no result (exit ${run.code}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`,
    );
  return JSON.parse(line.slice('RESULT '.length)) as T;
}
