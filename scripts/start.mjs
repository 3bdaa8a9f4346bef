#!/usr/bin/env node
// npm start: one process tree, one port. Vite serves the viewer; the Cloudflare Vite plugin runs the
// edge Worker (and its Durable Objects) inside workerd on the same port; beside them the UDP relay
// (edge/relay, loopback only) lets you log into an OpenSim grid on this machine. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
process.env.WRANGLER_SEND_METRICS ??= 'false';
// Wrangler's local trace collector (on by default) streams a trace of every event to a collector in the
// same workerd and stores it in SQLite: with 200 walking visitors that took the world room from 0.31 to
// 0.88 of a core (npm run bench:edge). Off unless you ask for it (X_LOCAL_OBSERVABILITY=true).
process.env.X_LOCAL_OBSERVABILITY ??= 'false';

// The edge signs access tokens with TOKEN_KEY; locally it comes from .dev.vars, made once here.
const devVars = `${root}.dev.vars`;
if (!existsSync(devVars) || !/^TOKEN_KEY=/m.test(readFileSync(devVars, 'utf8'))) {
  writeFileSync(devVars, `TOKEN_KEY=${randomBytes(32).toString('base64url')}\n`, { flag: 'a', mode: 0o600 });
  console.error('stormcore: wrote a development signing key to .dev.vars');
}

const port = Number(process.env.PORT ?? 5173);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`stormcore: PORT must be a TCP port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}

// The relay is optional for the viewer: when it cannot start (its port is taken, say), OpenSim logins fail
// with a clear message and everything else works. STORM_NO_RELAY=1 skips it.
let closing = false;
let relay = null;
if (process.env.STORM_NO_RELAY !== '1') {
  relay = spawn(process.execPath, ['--import', 'tsx', 'edge/relay/main.ts'], {
    cwd: root,
    env: { ...process.env, RELAY_LOG_LEVEL: process.env.RELAY_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  relay.on('exit', (code, signal) => {
    if (!closing && code !== 0)
      console.error(`stormcore: the UDP relay stopped (${signal ?? `exit ${code}`}); OpenSim visits need it`);
    relay = null;
  });
}

const server = await createServer({ configFile: `${root}vite.config.ts`, server: { port } });
await server.listen();
console.error(`stormcore: viewer and edge on http://localhost:${port}/ (Ctrl-C stops)`);

const stop = async () => {
  if (closing) return;
  closing = true;
  relay?.kill('SIGTERM');
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
