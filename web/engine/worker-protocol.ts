/**
 * What the owner and its pool workers share: messages (setup only) and the control block (every frame,
 * through Atomics). Control block, Int32 slots: EPOCH, PENDING, COMMAND, TICK, then per worker
 * [jobCount, failedJob, errorLength, 0, jobs × (kernel, runsOffset, runsWords, since)]; dt is a Float64
 * at byte DT_BYTE.
 */
import type { WorldMemory, WorldView } from './layout';

/** A kernel: the body of a system over sorted slot runs [lo, hi, lo, hi, …] of its query. */
export type Kernel = (view: WorldView, runs: Uint32Array, frame: FrameInfo) => void;

/** Per-run data a system gets. */
export interface FrameInfo {
  /** Seconds this step covers (fixed dt in the fixed-update phase). */
  readonly dt: number;
  /** The world tick of this frame. */
  readonly tick: number;
  /** The tick at which this system last ran (for added/changed filters). */
  readonly since: number;
  /** Pool worker index running this job; -1 on the owner thread. */
  readonly worker: number;
}

/** Where a worker finds a kernel: a module URL and the export name. */
export interface KernelRef {
  readonly module: string;
  readonly export: string;
}

export const CTL = { epoch: 0, pending: 1, command: 2, tick: 3, header: 8 } as const;
export const CMD = { run: 0, yield: 1, quit: 2 } as const;
export const DT_BYTE = 16;
export const MAX_JOBS = 64;
export const JOB_INTS = 4;
export const WORKER_INTS = 4 + MAX_JOBS * JOB_INTS;
export const ERROR_CHARS = 512;

/** Int32 index of worker `w`'s block. */
export function workerBase(w: number): number {
  return CTL.header + w * WORKER_INTS;
}

/** The shared memory of a pool. */
export interface PoolMemory {
  readonly control: SharedArrayBuffer;
  readonly runs: SharedArrayBuffer;
  readonly errors: SharedArrayBuffer;
}

/** Owner → worker. */
export type ToWorker =
  | { type: 'init'; index: number; world: WorldMemory; pool: PoolMemory; kernels: readonly KernelRef[] }
  | { type: 'load'; kernels: readonly KernelRef[] };

/** Worker → owner. */
export type FromWorker = { type: 'ready'; index: number } | { type: 'failed'; index: number; message: string };

/** Writes a message into a worker's error slot (UTF-16 units, truncated). */
export function writeError(errors: Uint16Array, worker: number, message: string): number {
  const n = Math.min(ERROR_CHARS, message.length);
  for (let i = 0; i < n; i++) errors[worker * ERROR_CHARS + i] = message.charCodeAt(i);
  return n;
}

/** Reads a worker's error slot. */
export function readError(errors: Uint16Array, worker: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(errors[worker * ERROR_CHARS + i] ?? 32);
  return s;
}
