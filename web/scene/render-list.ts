/**
 * The render list: the slots of every entity the renderer draws, written by the world App's render-extract
 * system when the scene's structure changes, so the render worker never scans the world's slots. Shared
 * memory, read under the sync header's sequence lock: word 0 is the count, the slots follow.
 */

/** Creates the list for a world of `capacity` slots (owner side). */
export function createRenderList(capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer((capacity + 1) * 4);
}

/** The owner's side. Call inside the sync header's begin/end. */
export class RenderListWriter {
  private readonly words: Uint32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.words = new Uint32Array(buffer);
  }
  /** Most slots the list holds. */
  get capacity(): number {
    return this.words.length - 1;
  }
  /** Replaces the list; throws when it does not fit (the world cannot hold more entities than the list slots). */
  write(slots: ArrayLike<number>): void {
    if (slots.length > this.capacity) throw new RangeError(`render list: ${slots.length} slots do not fit in ${this.capacity}`);
    for (let k = 0; k < slots.length; k++) this.words[k + 1] = slots[k] ?? 0;
    Atomics.store(this.words, 0, slots.length);
  }
}

/** The reader's side. */
export class RenderListReader {
  private readonly words: Uint32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.words = new Uint32Array(buffer);
  }
  /** A copy of the current slots (read it inside SyncReader.readConsistent). */
  read(): Uint32Array {
    const n = Math.min(Atomics.load(this.words, 0), this.words.length - 1);
    return this.words.slice(1, n + 1);
  }
}
