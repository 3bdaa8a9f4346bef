/**
 * The world worker's command intake (WorldApp.command): a burst larger than a frame's Commands is kept in order for
 * the next frames, never dropped; only a backlog past MAX_COMMAND_BACKLOG is refused, said once with its code.
 */
import { describe, expect, it } from 'vitest';
import type { Plugin } from '../../../../web/engine';
import { Commands } from '../../../../web/world/keys';
import { createWorldApp, MAX_COMMAND_BACKLOG } from '../../../../web/world/world-app';
import type { WorldEvent } from '../../../../web/world/world-protocol';

/** A world App whose extra system lists the `render-stats` commands it reads, in the order read. */
function world() {
  const seen: number[] = [];
  const posts: WorldEvent[] = [];
  const counter: Plugin = {
    name: 'command-counter',
    build(app) {
      const commands = app.reader(Commands);
      app.addSystem({
        name: 'command-counter',
        phase: 'update',
        run: () => {
          for (const c of commands.read()) if (c.type === 'render-stats') seen.push(c.frameMs);
        },
      });
    },
  };
  const w = createWorldApp({
    post: (e) => posts.push(e),
    now: () => 0,
    hardwareConcurrency: 2,
    workers: 1,
    plugins: [counter],
    connect: () => {
      throw new Error('command-backlog: no connection in this test');
    },
  });
  const send = (n: number, from = 0) => {
    for (let i = 0; i < n; i++) w.command({ type: 'render-stats', frameMs: (from + i) % 10_000 });
  };
  return { w, seen, posts, send };
}

describe('the world command intake', () => {
  it('keeps a burst larger than a frame holds and delivers all of it, in order, over the next frames', () => {
    const { w, seen, posts, send } = world();
    const capacity = Commands.capacity;
    send(capacity * 3 + 17);
    expect(w.backlog()).toBe(capacity * 2 + 17);
    w.frame(1 / 60);
    expect(seen).toHaveLength(capacity);
    // A command sent while older ones wait goes behind them, not ahead into the frame's free room.
    send(1, capacity * 3 + 17);
    for (let f = 0; f < 4; f++) w.frame(1 / 60);
    expect(w.backlog()).toBe(0);
    expect(seen).toEqual(Array.from({ length: capacity * 3 + 18 }, (_, i) => i % 10_000));
    expect(w.app.droppedEvents(Commands)).toBe(0);
    expect(posts.filter((p) => p.type === 'error')).toEqual([]);
  });

  it('refuses what comes past the backlog limit with world_commands_overflow, once, and takes commands again once drained', () => {
    const { w, seen, posts, send } = world();
    const capacity = Commands.capacity;
    send(capacity + MAX_COMMAND_BACKLOG + 50);
    expect(w.backlog()).toBe(MAX_COMMAND_BACKLOG);
    const errors = () => posts.flatMap((p) => (p.type === 'error' ? [p.code] : []));
    expect(errors()).toEqual(['world_commands_overflow']);
    while (w.backlog() > 0) w.frame(1 / 60);
    w.frame(1 / 60);
    expect(seen).toHaveLength(capacity + MAX_COMMAND_BACKLOG);
    send(1);
    w.frame(1 / 60);
    expect(seen).toHaveLength(capacity + MAX_COMMAND_BACKLOG + 1);
    expect(errors()).toEqual(['world_commands_overflow']);
  });
});
