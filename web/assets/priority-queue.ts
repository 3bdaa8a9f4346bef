/**
 * A min-priority queue (binary heap) whose entries can be re-prioritised or removed while queued. Lower priority
 * numbers come out first (the decode pool uses distance: nearest first); equal priorities come out in push order.
 */

/** A queued value's handle: give it to `update` or `remove`. */
export interface QueueEntry<T> {
  readonly value: T;
  readonly priority: number;
  /** False once popped or removed. */
  readonly queued: boolean;
}

class Entry<T> implements QueueEntry<T> {
  index = -1;
  constructor(
    readonly value: T,
    public priority: number,
    readonly seq: number,
  ) {}
  get queued(): boolean {
    return this.index >= 0;
  }
}

export class PriorityQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Queues `value`; NaN priorities sort last. */
  push(value: T, priority: number): QueueEntry<T> {
    const entry = new Entry(value, normalise(priority), this.seq++);
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
    return entry;
  }

  /** The value that comes out next, without taking it. */
  peek(): T | undefined {
    return this.heap[0]?.value;
  }

  /** Takes the value with the lowest priority. */
  pop(): T | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    this.removeAt(0);
    return top.value;
  }

  /** Gives a queued entry a new priority; false when it is no longer queued. */
  update(handle: QueueEntry<T>, priority: number): boolean {
    const entry = this.own(handle);
    if (!entry) return false;
    entry.priority = normalise(priority);
    this.down(entry.index);
    this.up(entry.index);
    return true;
  }

  /** Takes a queued entry out; false when it is no longer queued. */
  remove(handle: QueueEntry<T>): boolean {
    const entry = this.own(handle);
    if (!entry) return false;
    this.removeAt(entry.index);
    return true;
  }

  /** Empties the queue, returning the values in no particular order. */
  drain(): T[] {
    const values = this.heap.map((e) => {
      e.index = -1;
      return e.value;
    });
    this.heap.length = 0;
    return values;
  }

  private own(handle: QueueEntry<T>): Entry<T> | null {
    if (!(handle instanceof Entry) || handle.index < 0 || this.heap[handle.index] !== handle) return null;
    return handle;
  }

  private removeAt(index: number): void {
    const entry = this.heap[index];
    const last = this.heap.pop();
    if (!entry || !last) return;
    entry.index = -1;
    if (last === entry) return;
    this.heap[index] = last;
    last.index = index;
    this.down(index);
    this.up(last.index);
  }

  private before(a: Entry<T>, b: Entry<T>): boolean {
    return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i];
    const b = this.heap[j];
    if (!a || !b) return;
    this.heap[i] = b;
    this.heap[j] = a;
    b.index = i;
    a.index = j;
  }

  private up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const e = this.heap[i];
      const p = this.heap[parent];
      if (!e || !p || !this.before(e, p)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      let bestEntry = this.heap[i];
      const l = this.heap[left];
      const r = this.heap[right];
      if (l && bestEntry && this.before(l, bestEntry)) {
        best = left;
        bestEntry = l;
      }
      if (r && bestEntry && this.before(r, bestEntry)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}

function normalise(priority: number): number {
  return Number.isNaN(priority) ? Number.POSITIVE_INFINITY : priority;
}
