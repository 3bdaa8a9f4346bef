// The complete example of docs/engine.md, kept identical to it (readme-example.test.ts compares them).
import { attachWorld, createScheduler, createWorld, defineComponent, type WorldView } from '../../../web/engine';

// Components: declare each once, in a module, and import that object everywhere. The world knows a
// component by this object, not by its name.
export const Position = defineComponent('Position', { value: 'vec3' });
export const Velocity = defineComponent('Velocity', { value: 'vec3' });
export const Health = defineComponent('Health', { hp: 'f32' }, { trackChanges: true, trackRemovals: true });
export const Poisoned = defineComponent('Poisoned', {}, { trackRemovals: true });

/** A kernel: runs over sorted slot ranges [lo, hi, lo, hi, …]; columns are indexed by slot × lanes. */
export function move(view: WorldView, runs: Uint32Array, frame: { dt: number }): void {
  const pos = view.column(Position, 'value');
  const vel = view.column(Velocity, 'value');
  for (let r = 0; r < runs.length; r += 2) {
    const end = (runs[r + 1] as number) * 3;
    for (let i = (runs[r] as number) * 3; i < end; i++) pos[i] = (pos[i] as number) + (vel[i] as number) * frame.dt;
  }
}

export function runExample(): { alive: number; firstX: number; cured: number; seenByView: number } {
  const world = createWorld({ components: [Position, Velocity, Health, Poisoned], capacity: 4096, initialCapacity: 64 });

  // Entities: `create` gives an id; every structural call (add, remove, destroy, set, get) takes ids.
  const first = world.create(Position, Velocity, Health);
  world.set(first, Velocity, { value: [2, 0, 0] });
  world.set(first, Health, { hp: 10 });
  for (let i = 1; i < 100; i++) {
    const id = world.create(Position, Velocity, Health, Poisoned);
    world.set(id, Health, { hp: i % 5 });
  }

  const scheduler = createScheduler(world);
  // A kernel system: the scheduler runs it over the query's slots (on workers when given a pool).
  scheduler.add({ name: 'move', query: { all: [Position, Velocity] }, reads: [Velocity], writes: [Position], kernel: move });
  // An owner system that changes structure while it walks a query: it defers the changes with
  // queue*, and the scheduler applies them at the sync point after its stage.
  const poisoned = world.query({ all: [Health, Poisoned] });
  world.pin(poisoned);
  scheduler.add({
    name: 'poison',
    exclusive: true,
    run: ({ world: w }) => {
      const hp = w.column(Health, 'hp');
      for (const slot of poisoned.entities()) {
        if ((hp[slot] as number) <= 0) w.queueDestroy(w.idAt(slot));
        else w.queueRemove(w.idAt(slot), Poisoned);
      }
    },
  });
  // A system that reacts to removals: `removed` needs a component declared with trackRemovals.
  let cured = 0;
  scheduler.add({
    name: 'cured',
    phase: 'postUpdate',
    run: ({ world: w, since }) => {
      cured += w.read({ all: [Health], removed: [Poisoned] }, since).length;
    },
  });

  scheduler.frame(1 / 60);

  // Changing structure outside systems, over a snapshot of ids (safe whatever you change).
  for (const id of world.ids(world.query({ all: [Health] }))) world.add(id, Poisoned);

  // Another thread attaches to the same memory (here the same thread, for the example).
  const view = attachWorld(world.memory);
  const seenByView = view.column(Position, 'value')[world.indexOf(first) * 3] as number;

  return { alive: world.size, firstX: world.get(first, Position).value[0] ?? 0, cured, seenByView };
}
