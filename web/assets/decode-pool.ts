/**
 * A pool of texture-decode workers: requests wait in a priority queue (nearest first) until a worker is free, can be
 * re-prioritised or cancelled while they wait, and come back as RGBA8 in a transferred buffer. Workers start when
 * first needed; one that fails is replaced.
 */
import { DECODE_PROTOCOL_VERSION, type DecodeRequest, DecodeResponse, type DecodeWarm } from './decode-protocol';
import { TextureError } from './errors';
import { type DecodedTexture, MAX_TEXTURE_BYTES } from './j2k';
import { PriorityQueue, type QueueEntry } from './priority-queue';

/** A spawned decoder as the pool sees it: a browser Worker (`browserDecodeWorker`) or an adapter (Node worker_threads). */
export interface DecodeWorkerPort {
  postMessage(message: DecodeRequest | DecodeWarm, transfer: ArrayBuffer[]): void;
  /** Hands every message the worker posts to `onMessage`; `onError` when the worker failed (the pool replaces it). */
  listen(onMessage: (data: unknown) => void, onError: (reason: string) => void): void;
  terminate(): void;
}

export interface DecodePoolOptions {
  /** Workers (default: `decodePoolSize(navigator.hardwareConcurrency)`). */
  readonly size?: number;
  /** Starts worker `index` (default: `browserDecodeWorker`). */
  readonly spawn?: (index: number) => DecodeWorkerPort;
}

export interface DecodeJobOptions {
  /** Lower first (the distance to the camera, say); equal priorities in request order. Default 0. */
  readonly priority?: number;
  /** Decode the lowest resolution whose larger side is at most this (see decodeJ2k). */
  readonly maxDimension?: number;
  /** The image format (default 'j2k'); 'png' and 'jpeg' are a glTF model's images (web/assets/model-image.ts). */
  readonly format?: 'j2k' | 'png' | 'jpeg';
  /** Aborting it cancels the job. */
  readonly signal?: AbortSignal;
}

/** A decode request in the pool. */
export interface DecodeJob {
  /** The texture; rejects with TextureError (`texture_cancelled` after `cancel`). */
  readonly promise: Promise<DecodedTexture>;
  /** Moves a waiting job in the queue (no effect once a worker has it). */
  setPriority(priority: number): void;
  /** Drops the job: out of the queue if it waits, its result ignored if a worker has it. */
  cancel(): void;
}

export interface DecodePoolStats {
  /** Workers started and alive. */
  readonly workers: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly decoded: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Megapixels decoded (at the decoded resolution). */
  readonly megapixels: number;
  /** Time the workers spent decoding, in ms. */
  readonly decodeMs: number;
}

export interface DecodePool {
  /** Workers the pool may run now (see `resize`). */
  readonly size: number;
  decode(bytes: Uint8Array, options?: DecodeJobOptions): DecodeJob;
  /**
   * Starts every worker now and has each load its decoder, so the first textures do not wait for that (call it when a
   * visit that will need textures begins). Idempotent; workers already started are left alone.
   */
  warm(): void;
  stats(): DecodePoolStats;
  /**
   * Runs at most `size` workers from now on (at least 1; the live optimisation plan's decoder threads): idle workers
   * past it stop now, busy ones when their decode is done; a larger size starts workers as jobs need them.
   */
  resize(size: number): void;
  /** Stops the workers; waiting and running jobs reject with `texture_decoder_failed`. */
  close(): void;
}

/** Workers for a machine with `hardwareConcurrency` cores: two left to the page and the world/render workers, 1-4. */
export function decodePoolSize(hardwareConcurrency: number | undefined): number {
  const hc = hardwareConcurrency !== undefined && Number.isFinite(hardwareConcurrency) ? Math.floor(hardwareConcurrency) : 1;
  return Math.max(1, Math.min(4, hc - 2));
}

/** A browser module worker running web/workers/texture-decode.worker.ts. */
export function browserDecodeWorker(index: number): DecodeWorkerPort {
  const worker = new Worker(new URL('../workers/texture-decode.worker.ts', import.meta.url), {
    type: 'module',
    name: `texture-decode-${index}`,
  });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onError) {
      worker.onmessage = (event: MessageEvent<unknown>) => onMessage(event.data);
      worker.onmessageerror = () => onError('a message from the worker could not be read');
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        onError(event.message || 'the worker failed to start or threw');
      };
    },
    terminate: () => worker.terminate(),
  };
}

/** Consecutive worker failures with no answer in between after which the pool gives up (a worker that cannot load). */
const MAX_WORKER_FAILURES = 3;

interface Job {
  readonly id: number;
  readonly bytes: ArrayBuffer;
  readonly maxDimension: number | undefined;
  readonly format: 'j2k' | 'png' | 'jpeg';
  entry: QueueEntry<Job> | null;
  settled: boolean;
  resolve(texture: DecodedTexture): void;
  reject(err: TextureError): void;
}

interface Slot {
  readonly port: DecodeWorkerPort;
  job: Job | null;
}

export function createDecodePool(options: DecodePoolOptions = {}): DecodePool {
  let size = Math.max(
    1,
    Math.floor(options.size ?? decodePoolSize(typeof navigator === 'undefined' ? undefined : navigator.hardwareConcurrency)),
  );
  const spawn = options.spawn ?? browserDecodeWorker;
  const queue = new PriorityQueue<Job>();
  const slots: (Slot | null)[] = Array.from({ length: size }, () => null);
  let nextId = 0;
  let spawned = 0;
  let failuresInARow = 0;
  let broken: string | null = null;
  let closed = false;
  const totals = { decoded: 0, failed: 0, cancelled: 0, megapixels: 0, decodeMs: 0 };

  function settle(job: Job, outcome: DecodedTexture | TextureError): void {
    if (job.settled) return;
    job.settled = true;
    if (outcome instanceof TextureError) {
      if (outcome.code === 'texture_cancelled') totals.cancelled++;
      else totals.failed++;
      job.reject(outcome);
    } else {
      totals.decoded++;
      totals.megapixels += (outcome.width * outcome.height) / 1e6;
      job.resolve(outcome);
    }
  }

  function retire(index: number, reason: string): void {
    const slot = slots[index];
    if (!slot) return;
    slots[index] = null;
    slot.port.terminate();
    if (slot.job) settle(slot.job, new TextureError('texture_decoder_failed', `a decode worker failed: ${reason}`, 'internal'));
    failuresInARow++;
    if (failuresInARow >= MAX_WORKER_FAILURES) {
      broken = `the decode workers keep failing (${reason})`;
      for (const job of queue.drain()) settle(job, new TextureError('texture_decoder_failed', broken, 'internal'));
    }
    pump();
  }

  /** Stops the worker in slot `index` when the pool was made smaller than it (and it is idle). */
  function trim(index: number): void {
    const slot = slots[index];
    if (index < size || !slot || slot.job) return;
    slot.port.terminate();
    slots[index] = null;
  }

  function answer(index: number, data: unknown): void {
    const slot = slots[index];
    if (!slot) return;
    const job = slot.job;
    slot.job = null;
    // Past a smaller size: this worker stops once its answer is read (below, before the next pump).
    queueMicrotask(() => trim(index));
    const parsed = DecodeResponse.safeParse(data);
    if (!parsed.success || !job || parsed.data.id !== job.id) {
      if (job)
        settle(job, new TextureError('texture_decoder_failed', 'a decode worker answered something unreadable', 'internal'));
      pump();
      return;
    }
    failuresInARow = 0;
    const r = parsed.data;
    if (r.type === 'failed') {
      settle(job, new TextureError(r.code, r.message));
    } else if (r.rgba.byteLength !== r.width * r.height * 4) {
      settle(job, new TextureError('texture_decoder_failed', 'a decode worker answered pixels of the wrong size', 'internal'));
    } else {
      totals.decodeMs += r.ms;
      settle(job, {
        width: r.width,
        height: r.height,
        fullWidth: r.fullWidth,
        fullHeight: r.fullHeight,
        components: r.components,
        discardLevel: r.discardLevel,
        rgba: new Uint8Array(r.rgba),
      });
    }
    pump();
  }

  function freeSlot(): number {
    const idle = slots.findIndex((s, i) => i < size && s !== null && s.job === null);
    if (idle >= 0) return idle;
    const empty = slots.indexOf(null);
    if (empty < 0 || empty >= size) return -1;
    start(empty);
    return empty;
  }

  function start(index: number): Slot {
    const port = spawn(spawned++);
    const slot: Slot = { port, job: null };
    slots[index] = slot;
    port.listen(
      (data) => answer(index, data),
      (reason) => retire(index, reason),
    );
    return slot;
  }

  function pump(): void {
    while (!closed && !broken && queue.size > 0) {
      const index = freeSlot();
      const slot = index < 0 ? null : slots[index];
      if (!slot) return;
      const job = queue.pop();
      if (!job) return;
      job.entry = null;
      slot.job = job;
      const request: DecodeRequest = { type: 'decode', v: DECODE_PROTOCOL_VERSION, id: job.id, bytes: job.bytes };
      if (job.maxDimension !== undefined) request.maxDimension = job.maxDimension;
      if (job.format !== 'j2k') request.format = job.format;
      slot.port.postMessage(request, [job.bytes]);
    }
  }

  function cancel(job: Job): void {
    if (job.settled) return;
    if (job.entry) queue.remove(job.entry);
    job.entry = null;
    settle(job, new TextureError('texture_cancelled', 'the decode was cancelled'));
  }

  return {
    get size() {
      return size;
    },
    decode(bytes, opts = {}) {
      let resolve!: (texture: DecodedTexture) => void;
      let reject!: (err: TextureError) => void;
      const promise = new Promise<DecodedTexture>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const maxDimension =
        opts.maxDimension !== undefined && Number.isFinite(opts.maxDimension)
          ? Math.max(1, Math.floor(opts.maxDimension))
          : undefined;
      // A copy: the caller keeps its bytes, and the copy is transferred to the worker.
      const job: Job = {
        id: nextId++,
        bytes: bytes.slice().buffer,
        maxDimension,
        format: opts.format ?? 'j2k',
        entry: null,
        settled: false,
        resolve,
        reject,
      };
      if (closed || broken)
        settle(job, new TextureError('texture_decoder_failed', broken ?? 'the decode pool is closed', 'internal'));
      else if (bytes.byteLength > MAX_TEXTURE_BYTES)
        settle(
          job,
          new TextureError('texture_too_large', `the codestream is ${bytes.byteLength} bytes; at most ${MAX_TEXTURE_BYTES}`),
        );
      else if (opts.signal?.aborted) settle(job, new TextureError('texture_cancelled', 'the decode was cancelled'));
      else {
        job.entry = queue.push(job, opts.priority ?? 0);
        opts.signal?.addEventListener('abort', () => cancel(job), { once: true });
        pump();
      }
      return {
        promise,
        setPriority(priority) {
          if (job.entry) queue.update(job.entry, priority);
        },
        cancel: () => cancel(job),
      };
    },
    warm() {
      if (closed || broken) return;
      slots.forEach((slot, index) => {
        if (slot || index >= size) return;
        const warm: DecodeWarm = { type: 'warm', v: DECODE_PROTOCOL_VERSION };
        start(index).port.postMessage(warm, []);
      });
    },
    stats() {
      return {
        workers: slots.filter((s) => s !== null).length,
        queued: queue.size,
        inFlight: slots.filter((s) => s?.job).length,
        ...totals,
      };
    },
    resize(next) {
      if (closed || !Number.isFinite(next)) return;
      size = Math.max(1, Math.min(64, Math.floor(next)));
      while (slots.length < size) slots.push(null);
      for (let i = size; i < slots.length; i++) trim(i);
      pump();
    },
    close() {
      if (closed) return;
      closed = true;
      const failure = (): TextureError => new TextureError('texture_decoder_failed', 'the decode pool was closed', 'internal');
      for (const job of queue.drain()) settle(job, failure());
      slots.forEach((slot, i) => {
        if (!slot) return;
        if (slot.job) settle(slot.job, failure());
        slot.port.terminate();
        slots[i] = null;
      });
    },
  };
}
