import { describe, expect, it } from 'vitest';
import { EngineCode, EngineError } from '../../../web/engine/errors';
import { attachWorld } from '../../../web/engine/layout';
import { createWorld } from '../../../web/engine/world';
import { ALL, Position, Tag, Velocity } from './fixtures';

describe('command buffer', () => {
  it('applies commands queued through an attached view only at the sync point', () => {
    const w = createWorld({ components: ALL, capacity: 64 });
    const keep = w.create(Position);
    const gone = w.create(Position);
    const view = attachWorld(w.memory);
    view.queueSpawn(Position, Velocity);
    view.queueDestroy(gone);
    view.queueAdd(keep, Tag);
    view.queueRemove(keep, Position);
    expect(w.size).toBe(2);
    const r = w.applyCommands();
    expect(r).toEqual({ applied: 4, errors: [] });
    expect(w.size).toBe(2);
    expect(w.isAlive(gone)).toBe(false);
    expect(w.has(keep, Tag)).toBe(true);
    expect(w.has(keep, Position)).toBe(false);
    expect(w.query({ all: [Position, Velocity] }).count).toBe(1);
  });

  it('reports a stale id in a queued command instead of throwing', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const e = w.create();
    w.destroy(e);
    w.commands.destroy(e);
    const r = w.applyCommands();
    expect(r.applied).toBe(1);
    expect(r.errors[0]?.numericCode).toBe(EngineCode.StaleEntity);
  });

  it('wraps around the ring and refuses a write when full with CommandBufferFull', () => {
    const w = createWorld({ components: ALL, capacity: 8, commandWords: 64 });
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 7; k++) w.commands.add(0, 0);
      w.applyCommands();
    }
    let err: unknown;
    try {
      for (let k = 0; k < 100; k++) w.commands.remove(0, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).numericCode).toBe(EngineCode.CommandBufferFull);
  });
});
