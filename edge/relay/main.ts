/** Relay entry point: reads the configuration, starts the relay, and stops it cleanly on SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import { loadRelayConfig } from './config.ts';
import { RelayError } from './errors.ts';
import { createLogger } from './log.ts';
import { createRelay } from './relay.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadRelayConfig>;
  try {
    config = loadRelayConfig(process.env, (path) => readFileSync(path, 'utf8'));
  } catch (err) {
    const message = err instanceof RelayError ? err.message : `relay: cannot read the configuration: ${String(err)}`;
    createLogger('error').error(message, { code: 'relay_invalid_config' });
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  const relay = await createRelay(config, { log });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('signal received', { signal });
    relay.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// A bug must not take the process down silently: log it (never to a client) and exit non-zero.
main().catch((err: unknown) => {
  createLogger('error').error('relay failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
