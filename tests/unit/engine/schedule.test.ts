import { describe, expect, it } from 'vitest';
import { createAllocationPlan } from '../../../web/engine/allocation';
import { EngineCode, EngineError } from '../../../web/engine/errors';
import { createScheduler, type Phase, splitRuns } from '../../../web/engine/schedule';
import { createWorld } from '../../../web/engine/world';
import { ALL, Health, Position, Tag, Velocity } from './fixtures';
import { explode, heal, move } from './kernels';

describe('scheduler', () => {
  it('runs phases in order, startup once, and fixed update at a fixed dt', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const log: string[] = [];
    const s = createScheduler(w, { fixedDt: 0.01 });
    const phases: Phase[] = ['renderExtract', 'postUpdate', 'update', 'fixedUpdate', 'startup'];
    for (const phase of phases) s.add({ name: phase, phase, run: (ctx) => log.push(`${phase}:${ctx.dt}`) });
    s.frame(0.025);
    s.frame(0.005);
    expect(log).toEqual([
      'startup:0.025',
      'fixedUpdate:0.01',
      'fixedUpdate:0.01',
      'update:0.025',
      'postUpdate:0.025',
      'renderExtract:0.025',
      'fixedUpdate:0.01',
      'update:0.005',
      'postUpdate:0.005',
      'renderExtract:0.005',
    ]);
  });

  it('groups systems whose reads and writes do not conflict into one stage, in declared order', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const s = createScheduler(w);
    const noop = () => {};
    s.add({ name: 'move', reads: [Velocity], writes: [Position], run: noop });
    s.add({ name: 'heal', writes: [Health], run: noop });
    s.add({ name: 'readPos', reads: [Position], run: noop });
    s.add({ name: 'readVel', reads: [Velocity], run: noop });
    s.add({ name: 'spawner', exclusive: true, run: noop });
    s.add({ name: 'tagger', writes: [Tag], run: noop });
    expect(s.stages('update')).toEqual([['move', 'heal'], ['readPos', 'readVel'], ['spawner'], ['tagger']]);
  });

  it('reports a throwing system with its name and phase and keeps the loop running', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const seen: string[] = [];
    const s = createScheduler(w, { onError: (f) => seen.push(`${f.system}@${f.phase}`) });
    let after = 0;
    s.add({
      name: 'boom',
      phase: 'fixedUpdate',
      run: () => {
        throw new Error('nope');
      },
    });
    s.add({ name: 'kernelBoom', query: { all: [Position] }, kernel: explode, reads: [Position] });
    s.add({
      name: 'after',
      phase: 'postUpdate',
      run: () => {
        after++;
      },
    });
    w.create(Position);
    for (let f = 0; f < 3; f++) s.frame(1 / 60);
    expect(after).toBe(3);
    expect(seen.slice(0, 2)).toEqual(['boom@fixedUpdate', 'kernelBoom@update']);
    expect(s.failures).toHaveLength(6);
    expect(s.failures[0]?.error.numericCode).toBe(EngineCode.SystemFailed);
    expect(s.failures[0]?.message).toBe('ecs: system boom failed in fixedUpdate: nope');
  });

  it('runs owner kernels over the query runs, and filtered systems over what changed since they last ran', () => {
    const w = createWorld({ components: ALL, capacity: 16 });
    const e = w.create(Position, Velocity);
    w.set(e, Velocity, { value: [1, 2, 3] });
    const seen: number[][] = [];
    const s = createScheduler(w);
    s.add({ name: 'move', query: { all: [Position, Velocity] }, reads: [Velocity], writes: [Position], kernel: move });
    s.add({ name: 'newcomers', query: { all: [Position], added: [Health] }, kernel: (_v, runs) => seen.push(Array.from(runs)) });
    s.add({
      name: 'spawn',
      exclusive: true,
      run: (ctx) => {
        if (ctx.tick < 4) ctx.world.create(Position, Health);
      },
    });
    s.frame(0.5);
    expect(w.get(e, Position).value).toEqual([0.5, 1, 1.5]);
    s.frame(0.5);
    s.frame(0.5);
    expect(seen).toEqual([[], [1, 2], []]);
  });

  it('marks the tracked components a kernel writes as changed, for changed filters downstream', () => {
    const w = createWorld({ components: ALL, capacity: 16 });
    const a = w.create(Health, Position);
    w.create(Health);
    const seen: number[][] = [];
    const s = createScheduler(w);
    s.add({ name: 'healPositioned', query: { all: [Health, Position] }, writes: [Health], kernel: heal });
    s.add({
      name: 'watch',
      phase: 'postUpdate',
      query: { changed: [Health] },
      kernel: (_v, runs) => seen.push(Array.from(runs)),
    });
    s.frame(0.1);
    s.frame(0.1);
    const i = w.indexOf(a);
    // First frame: both were just added (added counts as changed); then only the healed one.
    expect(seen).toEqual([
      [0, 2],
      [i, i + 1],
    ]);
    expect(w.get(a, Health).hp).toBe(2);
  });

  it('splits runs into parts of about equal entity counts', () => {
    const parts = splitRuns(Uint32Array.from([0, 5, 10, 13]), 2);
    expect(parts.map((p) => Array.from(p))).toEqual([
      [0, 4],
      [4, 5, 10, 13],
    ]);
    expect(splitRuns(new Uint32Array(0), 3).map((p) => p.length)).toEqual([0, 0, 0]);
  });
});

describe('allocation plan', () => {
  it('splits spare threads 60/40 between ECS and AI and sizes the world from the memory budget', () => {
    const plan = createAllocationPlan({ hardwareConcurrency: 12, memoryBudgetBytes: 100 * 1024 * 1024, bytesPerEntity: 50 });
    expect(plan).toEqual({
      hardwareConcurrency: 12,
      workerThreads: 10,
      ecsWorkers: 6,
      aiWorkers: 4,
      memoryBudgetBytes: 104857600,
      ecsMemoryBytes: 62914560,
      aiMemoryBytes: 41943040,
      entityCapacity: 1258291,
    });
  });

  it('always gives the ECS one worker, even on one core or at low forecast load', () => {
    expect(createAllocationPlan({ hardwareConcurrency: 1 })).toMatchObject({ workerThreads: 1, ecsWorkers: 1, aiWorkers: 0 });
    expect(createAllocationPlan({ hardwareConcurrency: 16, cpuLoad: 0.25 })).toMatchObject({
      workerThreads: 4,
      ecsWorkers: 2,
      aiWorkers: 2,
    });
  });

  it('rejects inputs out of range with InvalidConfig', () => {
    expect(() => createAllocationPlan({ hardwareConcurrency: 0 })).toThrow(EngineError);
    expect(() => createAllocationPlan({ hardwareConcurrency: 4, aiShare: 2 })).toThrow(/aiShare/);
  });
});
