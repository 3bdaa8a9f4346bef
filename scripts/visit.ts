/**
 * `npm run -s visit -- <target> [options]`: the headless visitor (web/visit) with Node's pieces: `ws` sockets,
 * fetch, performance.now, progress on stderr, ONE JSON document on stdout, and the exit code.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { SocketLike } from '../web/net/storm-connection';
import { parseVisitArgs, USAGE, VisitUsageError } from '../web/visit/options';
import { EXIT_CODES, runVisit } from '../web/visit/visit';

/** A `ws` WebSocket as the viewer's SocketLike (binary frames as ArrayBuffer). */
export function nodeSocket(url: string): SocketLike {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const like: SocketLike = {
    send: (data) => ws.send(data),
    close: (code, reason) => {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.on('open', () => like.onopen?.({}));
  ws.on('message', (data) => like.onmessage?.({ data }));
  ws.on('close', (code, reason) => like.onclose?.({ code, reason: reason.toString() }));
  ws.on('error', (err) => like.onerror?.(err));
  return like;
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseVisitArgs>;
  try {
    options = parseVisitArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof VisitUsageError)) throw err;
    const help = err.message === USAGE;
    process.stderr.write(`${err.message}\n`);
    if (help) return 0;
    const line = `${JSON.stringify({ error: { code: err.code, message: err.message.split('\n')[0] } })}\n`;
    await new Promise<void>((resolve) => process.stdout.write(line, () => resolve()));
    return EXIT_CODES.visit_usage ?? 2;
  }
  const outcome = await runVisit(options, {
    fetch: (input, init) => fetch(input, init),
    createSocket: nodeSocket,
    now: () => performance.now(),
    log: (line) => process.stderr.write(`${line}\n`),
    heapBytes: () => process.memoryUsage().heapUsed,
  });
  if (options.trace && outcome.trace) {
    writeFileSync(options.trace, JSON.stringify(outcome.trace));
    process.stderr.write(`visit: wrote the engine trace to ${options.trace} (open it in Perfetto)\n`);
  }
  if (options.metrics && outcome.metrics !== undefined) {
    writeFileSync(options.metrics, outcome.metrics);
    process.stderr.write(`visit: wrote the engine's metric snapshots to ${options.metrics} (JSONL, one a second)\n`);
  }
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(outcome.json)}\n`, () => resolve()));
  return outcome.exitCode;
}

/** True when this file is the program (not imported, e.g. by the interop bench for `nodeSocket`). */
function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry())
  main().then(
    // Sockets and timers of a finished visit must not hold the process open; stdout is flushed by now.
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`visit: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.stdout.write(
        `${JSON.stringify({ error: { code: 'visit_internal', message: 'visit: unexpected failure (see stderr)' } })}\n`,
      );
      process.exitCode = 1;
    },
  );
