/**
 * A sequence lock and version counters in a SharedArrayBuffer: the world worker marks its writes so the render
 * worker never draws a half-written frame, and tells it when entities or their looks changed.
 */

/** Int32 slots of the sync header. */
const SEQ = 0;
const STRUCTURE = 1;
const SELF_INDEX = 2;
const WORDS = 4;

/** Creates the shared header (owner side). */
export function createSyncBuffer(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(WORDS * 4);
  new Int32Array(buffer)[SELF_INDEX] = -1;
  return buffer;
}

/** The owner's side: brackets writes and bumps versions. */
export class SyncWriter {
  private readonly words: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }
  /** Starts a write: readers that see an odd sequence wait for the next frame. */
  begin(): void {
    Atomics.add(this.words, SEQ, 1);
  }
  end(): void {
    Atomics.add(this.words, SEQ, 1);
  }
  /** Entities were created, destroyed, or changed shape or colour. */
  structureChanged(): void {
    Atomics.add(this.words, STRUCTURE, 1);
  }
  /** The slot of your own avatar (-1 for none), for the follow camera. */
  setSelf(index: number): void {
    Atomics.store(this.words, SELF_INDEX, index);
  }
}

/** The reader's side. */
export class SyncReader {
  private readonly words: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }
  /** The current sequence; odd while a write is in progress. */
  sequence(): number {
    return Atomics.load(this.words, SEQ);
  }
  structure(): number {
    return Atomics.load(this.words, STRUCTURE);
  }
  self(): number {
    return Atomics.load(this.words, SELF_INDEX);
  }
  /**
   * Runs `read` between two sequence checks and retries (at most `tries` times) when a write overlapped it.
   * Returns false when every try overlapped a write: the caller keeps last frame's data.
   */
  readConsistent(read: () => void, tries = 3): boolean {
    for (let t = 0; t < tries; t++) {
      const before = this.sequence();
      if ((before & 1) === 1) continue;
      read();
      if (this.sequence() === before) return true;
    }
    return false;
  }
}
