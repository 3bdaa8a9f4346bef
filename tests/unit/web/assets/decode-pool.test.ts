/**
 * The decode pool (web/assets/decode-pool.ts) over in-process workers that run the real worker side
 * (web/assets/decode-service.ts): nearest first, re-prioritising, cancelling, failures, stats.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createDecodePool, type DecodeWorkerPort, decodePoolSize } from '../../../../web/assets/decode-pool';
import type { DecodeRequest, DecodeWarm } from '../../../../web/assets/decode-protocol';
import { answerDecodeRequest, type DecodeAnswer } from '../../../../web/assets/decode-service';
import { TextureError } from '../../../../web/assets/errors';
import { artTexture, meanRgba } from './stormart-textures';

const CHECKER = artTexture('ada1326f-d5c7-414a-b86b-521f4d63498e');
const ALPHA = artTexture('8914a7ef-16d7-4be6-8f93-19199282c4b3');

/** An in-process worker. `hold`: requests wait until `release()`; otherwise they are answered at once. */
class FakeWorker implements DecodeWorkerPort {
  readonly received: (DecodeRequest | DecodeWarm)[] = [];
  private readonly held: (DecodeRequest | DecodeWarm)[] = [];
  terminated = false;
  private onMessage: (data: unknown) => void = () => {};
  onError: (reason: string) => void = () => {};

  constructor(private readonly hold: boolean) {}

  postMessage(message: DecodeRequest | DecodeWarm): void {
    this.received.push(message);
    if (this.hold) this.held.push(message);
    else void this.answer(message);
  }
  listen(onMessage: (data: unknown) => void, onError: (reason: string) => void): void {
    this.onMessage = onMessage;
    this.onError = onError;
  }
  terminate(): void {
    this.terminated = true;
  }
  /** Answers the oldest held request. */
  async release(): Promise<void> {
    const next = this.held.shift();
    if (next) await this.answer(next);
  }
  /** Answers the oldest held request with anything, as a broken worker might. */
  send(data: unknown): void {
    this.held.shift();
    this.onMessage(data);
  }
  private async answer(message: DecodeRequest | DecodeWarm): Promise<void> {
    const answer = await answerDecodeRequest(message);
    if (answer) this.onMessage(answer.response);
  }
}

function fakes(hold: boolean): { workers: FakeWorker[]; spawn: () => FakeWorker } {
  const workers: FakeWorker[] = [];
  return {
    workers,
    spawn: () => {
      const w = new FakeWorker(hold);
      workers.push(w);
      return w;
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<TextureError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TextureError) return err;
    throw err;
  }
  throw new Error('expected a TextureError');
}

describe('the decode pool', () => {
  it('sizes itself from hardwareConcurrency: two cores left to the page, 1 to 4 workers', () => {
    expect([undefined, 1, 2, 3, 4, 6, 16].map(decodePoolSize)).toEqual([1, 1, 1, 1, 2, 4, 4]);
  });

  it('decodes through its workers, starting them only when needed, and counts what it did', async () => {
    const { workers, spawn } = fakes(false);
    const pool = createDecodePool({ size: 2, spawn });
    expect(workers).toHaveLength(0);
    const [a, b] = await Promise.all([pool.decode(CHECKER).promise, pool.decode(ALPHA, { maxDimension: 64 }).promise]);
    expect([a.width, a.height, Math.round(meanRgba(a.rgba)[0])]).toEqual([256, 256, 237]);
    expect([b.width, b.height, b.discardLevel, b.components]).toEqual([64, 64, 1, 4]);
    expect(workers).toHaveLength(2);
    const s = pool.stats();
    expect(s).toMatchObject({ workers: 2, queued: 0, inFlight: 0, decoded: 2, failed: 0, cancelled: 0 });
    expect(s.megapixels).toBeCloseTo((256 * 256 + 64 * 64) / 1e6, 6);
  });

  it('starts every worker on warm() with a warm message each, once, and then decodes on them without starting more', async () => {
    const { workers, spawn } = fakes(false);
    const pool = createDecodePool({ size: 2, spawn });
    pool.warm();
    pool.warm();
    expect(workers).toHaveLength(2);
    expect(workers.map((w) => w.received.map((m) => m.type))).toEqual([['warm'], ['warm']]);
    expect(pool.stats()).toMatchObject({ workers: 2, inFlight: 0, decoded: 0 });
    await Promise.all([pool.decode(CHECKER).promise, pool.decode(ALPHA).promise]);
    expect(workers).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ workers: 2, decoded: 2, failed: 0 });
    pool.close();
    pool.warm();
    expect(workers).toHaveLength(2);
  });

  it('resizes live: idle workers past a smaller size stop at once, a busy one after its decode, and a larger size starts more', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 3, spawn });
    pool.warm();
    const busy = pool.decode(CHECKER, { maxDimension: 8 });
    // Three workers started; the decode is on worker 0 (behind its warm-up, which gets no answer).
    expect(workers).toHaveLength(3);
    pool.resize(1);
    expect(pool.size).toBe(1);
    expect(workers.map((w) => w.terminated)).toEqual([false, true, true]);
    const queued = [pool.decode(CHECKER, { maxDimension: 8 }), pool.decode(CHECKER, { maxDimension: 8 })];
    expect(pool.stats()).toMatchObject({ workers: 1, inFlight: 1, queued: 2 });
    pool.resize(2);
    // One more worker starts for the waiting jobs; never more than the size.
    expect(workers).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ workers: 2, inFlight: 2, queued: 1 });
    pool.resize(1);
    const w3 = workers[3]!;
    expect(w3.terminated).toBe(false);
    await w3.release();
    await new Promise((r) => setTimeout(r, 0));
    // Worker 3 finished its decode and stopped; the last job waits for worker 0.
    expect(w3.terminated).toBe(true);
    expect(pool.stats()).toMatchObject({ workers: 1, decoded: 1, queued: 1 });
    const w0 = workers[0]!;
    for (let i = 0; i < 4 && pool.stats().decoded < 3; i++) {
      await w0.release();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect((await busy.promise).width).toBe(8);
    await Promise.all(queued.map((q) => q.promise));
    expect(pool.stats()).toMatchObject({ workers: 1, decoded: 3, failed: 0 });
    pool.resize(0);
    expect(pool.size).toBe(1);
    pool.close();
  });

  it('sends the caller a copy: its own bytes stay usable after the request is transferred', async () => {
    const { spawn } = fakes(false);
    const pool = createDecodePool({ size: 1, spawn });
    const bytes = CHECKER.slice();
    await pool.decode(bytes).promise;
    expect(bytes.byteLength).toBe(CHECKER.byteLength);
  });

  it('serves the nearest first, honours a new priority for a waiting request, and drops a cancelled one', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    const first = pool.decode(CHECKER, { priority: 50, maxDimension: 8 });
    const far = pool.decode(CHECKER, { priority: 30, maxDimension: 16 });
    const mid = pool.decode(CHECKER, { priority: 10, maxDimension: 32 });
    const dropped = pool.decode(CHECKER, { priority: 1, maxDimension: 64 });
    far.setPriority(5);
    dropped.cancel();
    expect((await rejection(dropped.promise)).code).toBe('texture_cancelled');
    expect(pool.stats()).toMatchObject({ queued: 2, inFlight: 1, cancelled: 1 });
    const worker = workers[0]!;
    for (let i = 0; i < 3; i++) await worker.release();
    const sizes = await Promise.all([first.promise, far.promise, mid.promise].map(async (p) => (await p).width));
    expect(sizes).toEqual([8, 16, 32]);
    // The first went out at once (the worker was free); then the re-prioritised one, then the middle one.
    expect(worker.received.map((r) => (r.type === 'decode' ? r.maxDimension : r.type))).toEqual([8, 16, 32]);
  });

  it('rejects a cancelled running request at once, ignores its late answer, and goes on with the next', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    const running = pool.decode(CHECKER);
    const next = pool.decode(ALPHA);
    running.cancel();
    expect((await rejection(running.promise)).code).toBe('texture_cancelled');
    await workers[0]!.release();
    await workers[0]!.release();
    expect((await next.promise).components).toBe(4);
    expect(pool.stats()).toMatchObject({ decoded: 1, cancelled: 1, failed: 0 });
  });

  it('cancels through an AbortSignal', async () => {
    const { spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    pool.decode(CHECKER);
    const controller = new AbortController();
    const job = pool.decode(CHECKER, { signal: controller.signal });
    controller.abort();
    expect((await rejection(job.promise)).code).toBe('texture_cancelled');
    const already = pool.decode(CHECKER, { signal: controller.signal });
    expect((await rejection(already.promise)).code).toBe('texture_cancelled');
  });

  it("passes a worker's texture_corrupt on, and the same worker decodes the next request", async () => {
    const { workers, spawn } = fakes(false);
    const pool = createDecodePool({ size: 1, spawn });
    const err = await rejection(pool.decode(CHECKER.subarray(0, 1000)).promise);
    expect(err.code).toBe('texture_corrupt');
    expect(err.message).toMatch(/^texture: /);
    expect((await pool.decode(CHECKER).promise).width).toBe(256);
    expect(workers).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ decoded: 1, failed: 1 });
  });

  it('replaces a worker that fails, failing only its running request', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    const lost = pool.decode(CHECKER);
    const waiting = pool.decode(ALPHA);
    workers[0]!.onError('out of memory');
    const err = await rejection(lost.promise);
    expect(err.code).toBe('texture_decoder_failed');
    expect(err.message).toContain('out of memory');
    expect(workers[0]!.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    await workers[1]!.release();
    expect((await waiting.promise).components).toBe(4);
  });

  it('gives up after three worker failures in a row, failing what waits and what comes', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    const jobs = [0, 1, 2, 3].map(() => pool.decode(CHECKER));
    for (let i = 0; i < 3; i++) workers[i]!.onError('the module did not load');
    for (const job of jobs) expect((await rejection(job.promise)).code).toBe('texture_decoder_failed');
    expect((await rejection(pool.decode(CHECKER).promise)).message).toMatch(/keep failing/);
    expect(workers).toHaveLength(3);
  });

  it('fails a request whose answer is unreadable (texture_decoder_failed), not the pool', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    const job = pool.decode(CHECKER);
    workers[0]!.send({ type: 'decoded', id: 0, width: 1, height: 1, rgba: 'pixels' });
    expect((await rejection(job.promise)).code).toBe('texture_decoder_failed');
    const next = pool.decode(CHECKER);
    await workers[0]!.release();
    expect((await next.promise).width).toBe(256);
  });

  it('refuses more than 16 MiB without bothering a worker', async () => {
    const { workers, spawn } = fakes(false);
    const pool = createDecodePool({ size: 1, spawn });
    expect((await rejection(pool.decode(new Uint8Array(16 * 1024 * 1024 + 1)).promise)).code).toBe('texture_too_large');
    expect(workers).toHaveLength(0);
  });

  it('rejects waiting and running requests when closed, and stops its workers', async () => {
    const { workers, spawn } = fakes(true);
    const pool = createDecodePool({ size: 1, spawn });
    const jobs = [pool.decode(CHECKER), pool.decode(CHECKER)];
    pool.close();
    for (const job of jobs) expect((await rejection(job.promise)).code).toBe('texture_decoder_failed');
    expect(workers[0]!.terminated).toBe(true);
    expect((await rejection(pool.decode(CHECKER).promise)).message).toMatch(/closed/);
  });
});

/** The answer to a request that must have one. */
async function answered(data: unknown): Promise<DecodeAnswer> {
  const answer = await answerDecodeRequest(data);
  if (!answer) throw new Error('expected an answer');
  return answer;
}

describe('the worker side (decode-service)', () => {
  it('loads the decoder on a warm message and answers nothing; a decode after it is answered as usual', async () => {
    expect(await answerDecodeRequest({ type: 'warm', v: 1 })).toBeNull();
    const { response } = await answered({ type: 'decode', v: 1, id: 4, bytes: CHECKER.slice().buffer, maxDimension: 16 });
    expect(response).toMatchObject({ type: 'decoded', id: 4, width: 16, height: 16 });
  });

  it('answers a malformed request with a failure under id -1 (or its id), never by throwing', async () => {
    expect((await answered('hello')).response).toMatchObject({
      type: 'failed',
      id: -1,
      code: 'texture_decoder_failed',
    });
    expect((await answered({ type: 'decode', v: 1, id: 7, bytes: 'no' })).response).toMatchObject({
      type: 'failed',
      id: 7,
    });
  });

  it('transfers the pixels: the answer names its rgba buffer in the transfer list', async () => {
    const bytes = CHECKER.slice().buffer;
    const { response, transfer } = await answered({ type: 'decode', v: 1, id: 3, bytes, maxDimension: 32 });
    expect(response.type).toBe('decoded');
    if (response.type !== 'decoded') return;
    expect(transfer).toEqual([response.rgba]);
    expect(response.rgba.byteLength).toBe(32 * 32 * 4);
  });

  it('routes a png request to the model-image decoder: in Node, texture_unsupported; a J2K codestream sent as png is refused', async () => {
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(128);
    const bytes = new Uint8Array(PNG.sync.write(png));
    expect((await answered({ type: 'decode', v: 1, id: 5, bytes: bytes.slice().buffer, format: 'png' })).response).toMatchObject({
      type: 'failed',
      id: 5,
      code: 'texture_unsupported',
      message: expect.stringMatching(/^texture: model image: this runtime has no createImageBitmap/),
    });
    expect(
      (await answered({ type: 'decode', v: 1, id: 6, bytes: CHECKER.slice().buffer, format: 'png' })).response,
    ).toMatchObject({
      type: 'failed',
      id: 6,
      code: 'texture_unsupported',
    });
    expect(
      (await answered({ type: 'decode', v: 1, id: 8, bytes: CHECKER.slice().buffer, format: 'gif' })).response,
    ).toMatchObject({
      type: 'failed',
      id: 8,
      code: 'texture_decoder_failed',
    });
  });
});
