/**
 * The sandbox pool (web/plugins/sandbox-pool.ts): one sandbox started ahead of the next load, refilled after each
 * take, a spare that fails replaced, and no worker ever handed to a second plugin. The workers here stand in for the
 * browser's Worker (Node has none): each says `ready` or fails when the test says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FAILED_SPARES, SandboxPool } from '../../../../web/plugins/sandbox-pool';

class TestWorker {
  onmessage: ((e: MessageEvent) => unknown) | null = null;
  onerror: ((e: ErrorEvent) => unknown) | null = null;
  terminated = false;
  constructor(readonly url: string) {}
  postMessage(): void {}
  terminate(): void {
    this.terminated = true;
  }
  /** The sandbox script ran: its one `ready`. */
  start(): void {
    this.onmessage?.({ data: { t: 'ready' } } as MessageEvent);
  }
  /** The script did not load (a 404, a policy error). */
  fail(): void {
    this.onerror?.({ message: 'failed to load', preventDefault() {} } as unknown as ErrorEvent);
  }
}

const nextTurn = () => new Promise((r) => setTimeout(r, 0));

describe('the sandbox pool', () => {
  let pool: SandboxPool | null = null;
  let n = 0;
  const workers: TestWorker[] = [];
  const make = (options: { prewarm?: boolean } = {}) => {
    workers.length = 0;
    pool = new SandboxPool({
      url: '/plugin-sandbox.js',
      spawn: (url) => {
        const w = new TestWorker(url);
        workers.push(w);
        return w as unknown as Worker;
      },
      nextInstance: () => ++n,
      ...options,
    });
    return pool;
  };
  afterEach(() => pool?.close());

  it('starts a spare at once and hands it to the next load, then starts another once that load is done', async () => {
    const p = make();
    expect(workers).toHaveLength(1);
    expect(workers[0]?.url).toMatch(/^\/plugin-sandbox\.js\?i=sandbox-\d+$/);
    workers[0]?.start();
    await p.warm();
    const box = p.take('chat-log');
    expect(box.worker).toBe(workers[0]);
    expect(box.started).toBe(true);
    await nextTurn();
    expect(p.waiting).toBeNull(); // not while the load runs: a second worker starting would slow it
    p.loaded();
    expect(p.waiting).toBeNull(); // nor in the turn that ends it
    await nextTurn();
    expect(workers).toHaveLength(2);
    expect(p.waiting?.worker).toBe(workers[1]);
    expect(p.counts).toMatchObject({ taken: 1, takenStarted: 1 });
  });

  it('hands a spare that has not started yet rather than starting a second worker for the load', async () => {
    const p = make();
    const box = p.take('small');
    expect(box.worker).toBe(workers[0]);
    expect(box.started).toBe(false);
    expect(workers).toHaveLength(1);
  });

  it('replaces a spare that fails before it is taken, and never hands out the failed one', async () => {
    const p = make();
    const first = workers[0] as TestWorker;
    first.fail();
    expect(first.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(p.waiting?.worker).toBe(workers[1]);
    workers[1]?.start();
    await p.warm();
    const box = p.take('small');
    expect(box.worker).toBe(workers[1]);
    expect(box.worker).not.toBe(first);
    expect(p.counts.failed).toBe(1);
  });

  it('stops keeping a spare after repeated failures; a load then starts its own sandbox named for its plugin', async () => {
    const p = make();
    for (let i = 0; i < MAX_FAILED_SPARES; i++) workers.at(-1)?.fail();
    expect(p.waiting).toBeNull();
    await p.warm(); // resolves: nothing to wait for
    const spawned = workers.length;
    const box = p.take('small');
    expect(workers).toHaveLength(spawned + 1);
    expect((box.worker as unknown as TestWorker).url).toMatch(/\?plugin=small&i=small-\d+$/);
    // One more try at a spare after that load.
    p.loaded();
    await nextTurn();
    expect(p.waiting).not.toBeNull();
  });

  it('never hands one worker to two plugins: each take after an unload gets a new worker', async () => {
    const p = make();
    const seen = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      workers.at(-1)?.start();
      await p.warm();
      const box = p.take(`plugin-${i}`);
      expect(seen.has(box.worker)).toBe(false);
      seen.add(box.worker);
      // The plugin runs, then is unloaded: its host terminates the worker; nothing goes back to the pool.
      p.loaded();
      box.worker.terminate();
      await nextTurn();
      expect(p.waiting?.worker).not.toBe(box.worker);
    }
    expect(seen.size).toBe(5);
    expect(workers.filter((w) => w.terminated)).toHaveLength(5);
  });

  it('starts a sandbox per load and keeps none when prewarm is off', async () => {
    const p = make({ prewarm: false });
    expect(workers).toHaveLength(0);
    const a = p.take('a');
    p.loaded();
    await nextTurn();
    expect(p.waiting).toBeNull();
    const b = p.take('b');
    expect(a.worker).not.toBe(b.worker);
    expect(workers).toHaveLength(2);
  });

  it('terminates the spare on close and starts nothing after', async () => {
    const p = make();
    p.close();
    expect(workers[0]?.terminated).toBe(true);
    await p.warm();
    expect(workers).toHaveLength(1);
  });
});
