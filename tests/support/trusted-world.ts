/**
 * The real trusted-plugin path in Node, for plugin tests: a world App running the trusted runner
 * (web/plugin-runtime/trusted-runner.ts, importing modules as it does in the world worker), the page's trusted runtime wired to it
 * through the world worker's command schema and events (as runWorldHost does), and the world stepping every 4 ms.
 */
import type { TrustedPlugin } from '../../shared/protocol';
import { trustedPluginsPlugin } from '../../web/plugin-runtime/trusted-runner';
import { createPluginHost, type PluginHost, type PluginHostOptions } from '../../web/plugins/host';
import { createWorldTrustedRuntime } from '../../web/plugins/trusted';
import { createWorldApp, type WorldApp } from '../../web/world/world-app';
import { WorldCommand, type WorldEvent } from '../../web/world/world-protocol';
import { type Served, serve, trustedEntry } from './plugin-fixtures';

export interface TrustedWorld {
  readonly world: WorldApp;
  readonly runtime: ReturnType<typeof createWorldTrustedRuntime>;
  /** Stops the world's stepping. */
  stop(): void;
}

/**
 * A stepping world App with the trusted runner, and the runtime a plugin host takes as `trusted`. `list` is the
 * operator's list; `onCommand` sees each command sent to the world, `onEvent` each trusted-plugin event it posts.
 */
export function createTrustedWorld(
  list: () => Promise<TrustedPlugin[]>,
  watch: {
    onCommand?: (command: unknown) => void;
    onEvent?: (event: Extract<WorldEvent, { type: 'trusted-plugin' }>) => void;
  } = {},
): TrustedWorld {
  let deliver: (event: unknown) => void = () => {};
  const world = createWorldApp({
    now: () => performance.now(),
    hardwareConcurrency: 2,
    workers: 1,
    // The runner's own import (a data: URL), as in the world worker.
    plugins: [trustedPluginsPlugin()],
    post: (event: WorldEvent) => {
      if (event.type !== 'trusted-plugin') return;
      watch.onEvent?.(event);
      deliver(event);
    },
    connect: () => {
      throw new Error('trusted-world: no connection in this test');
    },
  });
  const runtime = createWorldTrustedRuntime({
    // The world worker's door: the command schema, then the world's command intake (as runWorldHost does).
    send: (command) => {
      watch.onCommand?.(command);
      world.command(WorldCommand.parse(command));
    },
    list,
  });
  deliver = (event) => runtime.deliver(event);
  const timer = setInterval(() => world.frame(1 / 60), 4);
  return { world, runtime, stop: () => clearInterval(timer) };
}

/** A plugin host on a trusted world whose operator list names every fixture served (by `serve`). */
export interface TrustedHost {
  readonly files: Awaited<ReturnType<typeof serve>>;
  readonly trusted: TrustedWorld;
  readonly host: PluginHost;
  /** Stops the world's stepping, closes the host and the fixture server. */
  close(): void;
}

/** Serves `fixtures`, lists each as trusted (its manifest URL and integrity), and starts a host on that world. */
export async function createTrustedHost(
  fixtures: ReadonlyMap<string, Served>,
  options: Omit<PluginHostOptions, 'trusted' | 'prewarm'> = {},
): Promise<TrustedHost> {
  const files = await serve(new Map(fixtures));
  const trusted = createTrustedWorld(async () => [...fixtures].map(([name, served]) => trustedEntry(files.url, name, served)));
  const host = await createPluginHost({ ...options, prewarm: false, trusted: trusted.runtime });
  return {
    files,
    trusted,
    host,
    close: () => {
      trusted.stop();
      host.close();
      files.close();
    },
  };
}
