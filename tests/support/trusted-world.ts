/**
 * The real trusted-plugin path in Node, for plugin tests: a world App running the trusted runner
 * (web/plugin-runtime/trusted-runner.ts, modules imported from data: URLs), the page's trusted runtime wired to it
 * through the world worker's command schema and events (as runWorldHost does), and the world stepping every 4 ms.
 */
import type { TrustedPlugin } from '../../shared/protocol';
import { trustedPluginsPlugin } from '../../web/plugin-runtime/trusted-runner';
import { createWorldTrustedRuntime } from '../../web/plugins/trusted';
import { createWorldApp, type WorldApp } from '../../web/world/world-app';
import { WorldCommand, type WorldEvent } from '../../web/world/world-protocol';

const importData = (code: string) =>
  import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`) as Promise<
    Record<string, unknown>
  >;

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
    plugins: [trustedPluginsPlugin({ importModule: importData })],
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
