/**
 * The structural command buffer: a multi-producer ring on a SharedArrayBuffer. Any thread appends
 * spawn/destroy/add/remove records; only the owner drains them, at a sync point, into the world.
 */
import { EngineCode, ecsError } from './errors';

/** Record kinds (the top byte of a record's first word). */
export const CommandOp = { spawn: 1, destroy: 2, add: 3, remove: 4, pad: 15 } as const;
export type CommandOp = (typeof CommandOp)[keyof typeof CommandOp];

/** Shared memory of a ring: `header` holds [reserved, read]; `data` the records (power-of-two words). */
export interface CommandMemory {
  readonly header: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

const RESERVED = 0;
const READ = 1;
const LEN_MASK = 0xffffff;

/** Allocates a ring of at least `words` 32-bit words (rounded up to a power of two). */
export function allocateCommands(words = 65_536): CommandMemory {
  let size = 64;
  while (size < words) size *= 2;
  return { header: new SharedArrayBuffer(16), data: new SharedArrayBuffer(size * 4) };
}

/** A view of a ring. Writing is safe from any number of threads at once; draining is the owner's. */
export class CommandBuffer {
  private readonly head: Int32Array;
  private readonly data: Int32Array;
  private readonly mask: number;

  constructor(memory: CommandMemory) {
    this.head = new Int32Array(memory.header);
    this.data = new Int32Array(memory.data);
    this.mask = this.data.length - 1;
  }

  /** Records waiting to be applied (in words). */
  get pendingWords(): number {
    return (Atomics.load(this.head, RESERVED) - Atomics.load(this.head, READ)) | 0;
  }

  /** Queues "create an entity with these component ids". */
  spawn(componentIds: readonly number[]): void {
    this.write(CommandOp.spawn, componentIds);
  }
  /** Queues "destroy entity `id`". */
  destroy(id: number): void {
    this.write(CommandOp.destroy, [id | 0]);
  }
  /** Queues "add component `componentId` to `id`". */
  add(id: number, componentId: number): void {
    this.write(CommandOp.add, [id | 0, componentId]);
  }
  /** Queues "remove component `componentId` from `id`". */
  remove(id: number, componentId: number): void {
    this.write(CommandOp.remove, [id | 0, componentId]);
  }

  private write(op: CommandOp, payload: readonly number[]): void {
    const size = this.mask + 1;
    const len = payload.length + 1;
    for (;;) {
      const w = Atomics.load(this.head, RESERVED);
      const r = Atomics.load(this.head, READ);
      const at = w & this.mask;
      const pad = at + len > size ? size - at : 0;
      if (((w - r) | 0) + pad + len > size) {
        throw ecsError(
          EngineCode.CommandBufferFull,
          `command buffer full (${size} words); apply commands more often or create the world with a larger commandWords`,
        );
      }
      if (Atomics.compareExchange(this.head, RESERVED, w, (w + pad + len) | 0) !== w) continue;
      if (pad > 0) Atomics.store(this.data, at, (CommandOp.pad << 24) | pad);
      const start = (w + pad) & this.mask;
      for (let i = 0; i < payload.length; i++) this.data[start + 1 + i] = payload[i] ?? 0;
      // Publishing the first word last commits the record for the reader.
      Atomics.store(this.data, start, (op << 24) | len);
      return;
    }
  }

  /**
   * Drains committed records in order, calling `apply(op, words, offset, length)` for each payload.
   * Stops at a record still being written (it is picked up by the next drain). `apply` must not throw.
   * Returns the records applied.
   */
  drain(apply: (op: CommandOp, words: Int32Array, offset: number, length: number) => void): number {
    let r = Atomics.load(this.head, READ);
    const end = Atomics.load(this.head, RESERVED);
    let applied = 0;
    while (((end - r) | 0) > 0) {
      const at = r & this.mask;
      const word = Atomics.load(this.data, at);
      if (word === 0) break;
      const op = (word >>> 24) as CommandOp;
      const len = word & LEN_MASK;
      if (op !== CommandOp.pad) {
        apply(op, this.data, at + 1, len - 1);
        applied += 1;
      }
      this.data.fill(0, at, at + len);
      r = (r + len) | 0;
      Atomics.store(this.head, READ, r);
    }
    return applied;
  }
}
