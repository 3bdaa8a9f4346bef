/** Kernels the worker tests and the benchmark load into pool workers (and run on the owner). */
import type { WorldView } from '../../../web/engine/layout';
import type { FrameInfo } from '../../../web/engine/worker-protocol';
import { Health, Position, Velocity } from './fixtures';

/** pos += vel * dt over the runs: the movement pass. */
export function move(view: WorldView, runs: Uint32Array, frame: FrameInfo): void {
  const pos = view.column(Position, 'value');
  const vel = view.column(Velocity, 'value');
  const dt = frame.dt;
  for (let r = 0; r < runs.length; r += 2) {
    const end = (runs[r + 1] as number) * 3;
    for (let i = (runs[r] as number) * 3; i < end; i += 3) {
      pos[i] = (pos[i] as number) + (vel[i] as number) * dt;
      pos[i + 1] = (pos[i + 1] as number) + (vel[i + 1] as number) * dt;
      pos[i + 2] = (pos[i + 2] as number) + (vel[i + 2] as number) * dt;
    }
  }
}

/** Adds 1 to Health.hp over the runs. */
export function heal(view: WorldView, runs: Uint32Array): void {
  const hp = view.column(Health, 'hp');
  for (let r = 0; r < runs.length; r += 2) {
    for (let i = runs[r] as number; i < (runs[r + 1] as number); i++) hp[i] = (hp[i] as number) + 1;
  }
}

/** Always throws (the failure-report test). */
export function explode(): void {
  throw new Error('kernel exploded on purpose');
}

/** Queues one new Position entity per job (a worker asking the owner for a structural change). */
export function spawnOne(view: WorldView, runs: Uint32Array): void {
  if (runs.length > 0) view.queueSpawn(Position);
}

/** Queues 500 spawns per job, racing the other worker on the shared ring. */
export function spawnMany(view: WorldView, runs: Uint32Array): void {
  if (runs.length > 0) for (let k = 0; k < 500; k++) view.queueSpawn(Health);
}
