/**
 * The sandbox pool (docs/plugins.md, The sandbox): one sandbox Worker kept started ahead of the next load, since
 * starting a worker (its script fetched under its policy, its module loader warmed) is most of a small plugin's load
 * time. A pool of one: the spare is handed to the next load and another is started for the load after. A sandbox
 * serves one plugin and is never handed out twice: an unloaded or failed plugin's Worker is terminated, never
 * returned here. A spare that fails before it is taken (its script did not load, say) is terminated and replaced,
 * so a load never waits on a dead worker; after `MAX_FAILED_SPARES` failures in a row the pool stops keeping one
 * (each load then starts its own, which reports its own failure) until a spare starts again.
 */

/** A sandbox Worker and whether its script has started (its one `ready` on the worker's own channel). */
export interface Sandbox {
  readonly worker: Worker;
  readonly instance: string;
  /** Resolves once started (never rejects: a failed sandbox stays unresolved and is terminated). */
  readonly ready: Promise<void>;
  started: boolean;
  /** Its worker reported an error before it was taken. */
  failed: boolean;
}

export interface SandboxPoolOptions {
  /** Where the sandbox script is served (default /plugin-sandbox.js). */
  readonly url?: string;
  /** Starts a Worker (default `new Worker(url, {name})`). */
  readonly spawn?: (url: string, name: string) => Worker;
  /** Keep a spare started ahead (default true). */
  readonly prewarm?: boolean;
  /** Unique instance ids (the memory measurement finds a sandbox by the `i=` in its URL). */
  readonly nextInstance: () => number;
}

/** Spares that failed one after the other before the pool stops keeping one. */
export const MAX_FAILED_SPARES = 3;

export class SandboxPool {
  private spare: Sandbox | null = null;
  private closed = false;
  private failedInARow = 0;
  /** Every worker this pool handed out, so that none is handed out twice. */
  private readonly handedOut = new WeakSet<object>();
  /** Spares started and spares replaced after failing (for tests and the bench). */
  readonly counts = { spawned: 0, failed: 0, taken: 0, takenStarted: 0 };

  constructor(private readonly options: SandboxPoolOptions) {
    this.refill();
  }

  /** The sandbox waiting for the next load (null when none is kept). */
  get waiting(): Sandbox | null {
    return this.spare;
  }

  /**
   * A fresh sandbox for plugin `name`: the spare when one is kept and has not failed, else one started for it now (its
   * URL names the plugin). The next spare is started by `loaded()`, once this load is done: starting a worker while
   * this one starts or imports its plugin would slow the load it serves (two cores are common).
   */
  take(name: string): Sandbox {
    const spare = this.spare;
    this.spare = null;
    let box: Sandbox;
    if (spare && !spare.failed) box = spare;
    else {
      spare?.worker.terminate();
      // One more try at keeping a spare after this load (the failures may have passed).
      this.failedInARow = Math.min(this.failedInARow, MAX_FAILED_SPARES - 1);
      const instance = `${name}-${this.options.nextInstance()}`;
      box = this.start(
        `${this.base()}?plugin=${encodeURIComponent(name)}&i=${encodeURIComponent(instance)}`,
        `plugin ${name}`,
        instance,
      );
    }
    if (this.handedOut.has(box.worker)) throw new Error(`plugins: sandbox ${box.instance} was handed out twice`);
    this.handedOut.add(box.worker);
    this.counts.taken++;
    if (box.started) this.counts.takenStarted++;
    return box;
  }

  /**
   * The load that took a sandbox is over (its plugin running, failed or refused): the next spare starts, after this
   * turn. Call it once per `take`.
   */
  loaded(): void {
    setTimeout(() => this.refill(), 0);
  }

  /** Resolves when the spare has started (at once when none is kept). */
  async warm(): Promise<void> {
    if (!this.spare) this.refill();
    // A spare that fails is replaced (its ready resolves then): wait for the replacement.
    while (this.spare && !this.spare.started) await this.spare.ready;
  }

  /** Terminates the spare; nothing more is started. */
  close(): void {
    this.closed = true;
    this.spare?.worker.terminate();
    this.spare = null;
  }

  private base(): string {
    return this.options.url ?? '/plugin-sandbox.js';
  }

  private refill(): void {
    if (this.closed || this.spare || this.options.prewarm === false || this.failedInARow >= MAX_FAILED_SPARES) return;
    const instance = `sandbox-${this.options.nextInstance()}`;
    this.spare = this.start(`${this.base()}?i=${encodeURIComponent(instance)}`, 'plugin sandbox', instance, true);
  }

  private start(url: string, name: string, instance: string, spare = false): Sandbox {
    const worker = this.options.spawn ? this.options.spawn(url, name) : new Worker(url, { name });
    this.counts.spawned++;
    let resolve = () => {};
    const box: Sandbox = { worker, instance, ready: new Promise<void>((r) => (resolve = r)), started: false, failed: false };
    worker.onmessage = (e: MessageEvent) => {
      if (!box.started && (e.data as { t?: unknown } | null)?.t === 'ready') {
        box.started = true;
        this.failedInARow = 0;
        resolve();
      }
    };
    if (spare)
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault?.();
        if (this.spare !== box) return; // taken meanwhile: its plugin's handler says why
        box.failed = true;
        this.counts.failed++;
        this.failedInARow++;
        worker.terminate();
        this.spare = null;
        this.refill();
        resolve(); // warm() waits no longer for it
      };
    return box;
  }
}
