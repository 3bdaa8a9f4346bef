/** The world App (web/world) connected through a fake connection, for tests that drive it with server messages. */
import type { ServerMessage } from '../../shared/protocol';
import { Commands } from '../../web/world/keys';
import { createWorldApp } from '../../web/world/world-app';
import type { WorldEvent } from '../../web/world/world-protocol';
import { fakeConnection } from './fake-connection';

export interface WorldHarnessOptions {
  /** The kind of world it connects to ("plaza"): Finalverse (default) or an OpenSim grid. */
  kind?: 'fv' | 'os';
  hardwareConcurrency?: number;
  /** Whether the connection says it is open as soon as it is made (the HUD's and Build panel's state). */
  opens?: boolean;
}

/**
 * A world App on a clock of its own (starting at 1000 ms, moved only by `step`), connected and stepped once:
 * `deliver` hands it a server message, `posts` is everything it posted to the page.
 */
export function worldHarness(options: WorldHarnessOptions = {}) {
  let t = 1000;
  const posts: WorldEvent[] = [];
  let deliver: (m: ServerMessage) => void = () => {};
  const world = createWorldApp({
    post: (e) => posts.push(e),
    now: () => t,
    hardwareConcurrency: options.hardwareConcurrency ?? 4,
    workers: 2,
    connect: (connection) => {
      deliver = (m) => connection.onMessage?.(m);
      if (options.opens) connection.onState?.('open');
      return fakeConnection();
    },
  });
  const step = (ms = 16) => {
    t += ms;
    world.frame(ms / 1000);
  };
  world.app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:5173', world: 'plaza', kind: options.kind ?? 'fv' });
  step();
  return { world, posts, deliver: (m: ServerMessage) => deliver(m), step, now: () => t };
}
