import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelay } from '../../../../edge/relay/build.ts';
import { realWs } from './real-ws.ts';
import { closed, nextMessage, startFakeSim, until } from './relay-harness.ts';

// The container runs this bundle with plain `node`; so does this test.
const dir = mkdtempSync(join(tmpdir(), 'relay-bundle-'));
const bundle = join(dir, 'relay.cjs');

beforeAll(() => buildRelay(bundle), 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  lines: string[];
  exit: Promise<number | null>;
}

function run(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [bundle], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let rest = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exit };
}

function logged(r: Running, msg: string): Record<string, unknown> | undefined {
  return r.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
}

describe('the bundled relay process', () => {
  it('serves circuits, logs JSON lines to stderr, and exits 0 on SIGTERM after closing circuits with 1001', async () => {
    const sim = await startFakeSim();
    const r = run({ RELAY_PORT: '0', RELAY_ALLOW: `127.0.0.1:${sim.port}` });
    try {
      await until(() => logged(r, 'relay listening') !== undefined, 10_000);
      const port = Number(logged(r, 'relay listening')?.port);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const { WebSocket } = realWs();
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/circuit?sim=127.0.0.1:${sim.port}`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const reply = nextMessage(ws);
      ws.send(Buffer.from('ping'));
      expect((await reply).toString()).toBe('ping');
      const done = closed(ws);
      r.child.kill('SIGTERM');
      expect(await done).toEqual({ code: 1001, reason: 'relay: shutting down' });
      expect(await r.exit).toBe(0);
      expect(logged(r, 'relay stopped')).toBeDefined();
    } finally {
      r.child.kill('SIGKILL');
      await sim.close();
    }
  }, 20_000);

  it('exits 2 with a plain message when the configuration is invalid', async () => {
    const r = run({ RELAY_HOST: '0.0.0.0' });
    expect(await r.exit).toBe(2);
    const line = r.lines.map((l) => JSON.parse(l) as { level: string; msg: string; code: string })[0];
    expect(line?.level).toBe('error');
    expect(line?.code).toBe('relay_invalid_config');
    expect(line?.msg).toMatch(/^relay: listening on 0.0.0.0 \(not loopback\) needs a token/);
  }, 20_000);
});
