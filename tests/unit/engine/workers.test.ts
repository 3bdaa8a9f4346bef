import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../web/engine/app';
import { createScheduler, type SystemDef } from '../../../web/engine/schedule';
import { createWorkerPool, type WorkerPool } from '../../../web/engine/worker-pool';
import { createWorld, type World } from '../../../web/engine/world';
import { ALL, Health, Position, Velocity } from './fixtures';
import { explode, heal, move, spawnMany, spawnOne } from './kernels';
import { KERNELS, spawnNodeWorker } from './node-pool';

/** Position += Velocity·dt, as a kernel the pool's workers load. */
const MOVE: SystemDef = {
  name: 'move',
  query: { all: [Position, Velocity] },
  reads: [Velocity],
  writes: [Position],
  kernel: move,
  worker: { module: KERNELS, export: 'move' },
};

describe('worker_threads pool on shared columns', () => {
  let world: World;
  let pool: WorkerPool;
  const N = 10_000;

  beforeAll(async () => {
    world = createWorld({ components: ALL, capacity: N + 20_000, initialCapacity: 1024 });
    pool = await createWorkerPool({
      world: world.memory,
      size: 2,
      spawn: spawnNodeWorker,
      kernels: [
        { module: KERNELS, export: 'move' },
        { module: KERNELS, export: 'heal' },
        { module: KERNELS, export: 'explode' },
        { module: KERNELS, export: 'spawnOne' },
      ],
    });
  }, 60_000);
  afterAll(() => pool?.close());

  it('lets two workers see and update the same SAB columns, split by range', () => {
    const ids: number[] = [];
    for (let i = 0; i < N; i++) {
      const e = world.create(Position, Velocity);
      world.set(e, Velocity, { value: [1, i, -1] });
      ids.push(e);
    }
    const s = createScheduler(world, { pool });
    s.add(MOVE);
    s.frame(0.5);
    s.frame(0.5);
    expect(s.failures).toEqual([]);
    // Both halves moved: the first entity (worker 0's range) and the last (worker 1's).
    expect(world.get(ids[0] ?? 0, Position).value).toEqual([1, 0, -1]);
    expect(world.get(ids[N - 1] ?? 0, Position).value).toEqual([1, N - 1, -1]);
    let wrong = 0;
    const pos = world.column(Position, 'value');
    for (let i = 0; i < N; i++) if (pos[i * 3] !== 1) wrong++;
    expect(wrong).toBe(0);
  });

  it('gives jobs only to the workers the plan keeps active, and every entity still moves', () => {
    const s = createScheduler(world, { pool });
    s.add(MOVE);
    const pos = world.column(Position, 'value');
    const before = Array.from(pos.subarray(0, 3 * 100));
    expect(pool.setActive(1)).toBe(1);
    s.frame(1);
    expect(s.failures).toEqual([]);
    expect(pool.lastJobs).toEqual([1, 0]);
    expect(Array.from(pos.subarray(0, 3 * 100)).filter((v, i) => i % 3 === 0 && v !== (before[i] ?? 0) + 1)).toEqual([]);
    expect(pool.setActive(0)).toBe(1);
    expect(pool.setActive(99)).toBe(2);
    s.frame(1);
    expect(pool.lastJobs).toEqual([1, 1]);
  });

  it('runs non-conflicting systems on different workers in one stage and reports a failing kernel by name', () => {
    const e = world.create(Health);
    const s = createScheduler(world, { pool });
    s.add({
      name: 'heal',
      query: { all: [Health] },
      writes: [Health],
      kernel: heal,
      worker: { module: KERNELS, export: 'heal' },
    });
    s.add({
      name: 'explode',
      query: { all: [Position] },
      reads: [Position],
      kernel: explode,
      worker: { module: KERNELS, export: 'explode' },
    });
    expect(s.stages('update')).toEqual([['heal', 'explode']]);
    s.frame(0.1);
    s.frame(0.1);
    expect(world.get(e, Health).hp).toBe(2);
    expect(s.failures.map((f) => `${f.system}@${f.phase}: ${f.message}`)).toEqual([
      'explode@update: ecs: system explode failed in update (worker 1): kernel exploded on purpose',
      'explode@update: ecs: system explode failed in update (worker 1): kernel exploded on purpose',
    ]);
  });

  it('applies spawns queued by worker kernels at the sync point after their stage', () => {
    const before = world.size;
    let duringStage = -1;
    const s = createScheduler(world, { pool });
    s.add({ name: 'spawnOne', query: { all: [Position] }, kernel: spawnOne, worker: { module: KERNELS, export: 'spawnOne' } });
    s.add({
      name: 'count',
      exclusive: true,
      run: (ctx) => {
        duringStage = ctx.world.size;
      },
    });
    s.frame(0.1);
    // One spawn per worker (the range was split in two), visible to the next stage.
    expect(duringStage).toBe(before + 2);
    expect(world.size).toBe(before + 2);
  });

  it('keeps every record when two workers write the command ring at the same time (kernel loaded later)', async () => {
    await pool.load([{ module: KERNELS, export: 'spawnMany' }]);
    const before = world.size;
    const s = createScheduler(world, { pool });
    s.add({ name: 'spawnMany', query: { all: [Position] }, kernel: spawnMany, worker: { module: KERNELS, export: 'spawnMany' } });
    for (let f = 0; f < 4; f++) s.frame(0.1);
    expect(s.failures).toEqual([]);
    expect(s.commandErrors).toEqual([]);
    expect(world.size).toBe(before + 4 * 2 * 500);
  });
});

describe('an App whose plugin declares a kernel', () => {
  it('runs the kernel on the worker pool through the schedule, timed as a pool system and traced', async () => {
    const world = createWorld({ components: ALL, capacity: 4096, initialCapacity: 4096 });
    const pool = await createWorkerPool({
      world: world.memory,
      size: 2,
      spawn: spawnNodeWorker,
      kernels: [{ module: KERNELS, export: 'move' }],
    });
    try {
      const app = createApp({ world, pool });
      app.addPlugin({
        name: 'movement',
        build: (a) => a.addSystem(MOVE),
      });
      const ids = Array.from({ length: 1000 }, (_, i) => {
        const e = world.create(Position, Velocity);
        world.set(e, Velocity, { value: [2, i, 0] });
        return e;
      });
      expect(app.update(0.5)).toEqual([]);
      expect(world.get(ids[999] ?? 0, Position).value).toEqual([1, 499.5, 0]);
      const [timing] = app.systems();
      expect(timing).toMatchObject({ system: 'move', plugin: 'movement', on: 'pool', runs: 1 });
      expect(app.exportTrace().traceEvents.some((e) => e.ph === 'X' && e.name === 'move')).toBe(true);
    } finally {
      pool.close();
    }
  }, 60_000);
});
