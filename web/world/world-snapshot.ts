/** What the UI shows of the world: a throttled snapshot the world worker posts a few times a second. */

export type ConnectionState =
  | { state: 'idle' }
  | { state: 'connecting' }
  | { state: 'in-world' }
  | { state: 'reconnecting'; reason: string; attempt: number }
  | { state: 'failed'; reason: string };

export interface PersonView {
  id: number;
  name: string;
  position: [number, number, number];
  self: boolean;
}

/** Floating text above an object (SL's hover text), placed just above it. */
export interface HoverTextView {
  /** The object's server id. */
  id: number;
  /** The text; lines split at \n. */
  text: string;
  /** sRGB with alpha, 0–255 each (alpha above 0: fully transparent texts are left out). */
  color: [number, number, number, number];
  /** World point (region metres) the text's bottom centre sits on. */
  position: [number, number, number];
}

export interface ChatLine {
  id: number;
  from: string;
  text: string;
  /** ms since epoch. */
  at: number;
}

/** One engine system as the performance overlay lists it (phase order). */
export interface SystemView {
  name: string;
  phase: string;
  plugin: string;
  /** Recent mean and last run, in ms. */
  meanMs: number;
  lastMs: number;
}

/** The allocation plan the world App runs under (seed 12.1). */
export interface PlanView {
  hardwareConcurrency: number;
  workerThreads: number;
  ecsWorkers: number;
  aiWorkers: number;
  memoryBudgetMB: number;
  entityCapacity: number;
}

export interface PerfView {
  fps: number;
  frameMsP50: number;
  frameMsP95: number;
  entities: number;
  netInKBs: number;
  netOutKBs: number;
  workers: number;
  /** The world App's own frame time (p50, ms). */
  worldFrameMsP50: number;
  /** The render worker's time per frame until the GPU finished it (p50, ms; not the interval: render_frame_ms), once it has said. */
  renderWorkMsP50?: number;
  /** Dynamic resolution: the share of each canvas side the renderer draws (1: full), and whether it follows frame times. */
  renderScale?: number;
  renderScaleMode?: 'auto' | 'full';
  systems: SystemView[];
  plan: PlanView | null;
}

export interface WorldView {
  connection: ConnectionState;
  /**
   * The place you are in: a grid session's region you are in now, with its origin in the session frame (positions
   * in this view are in that frame: subtract the origin for region coordinates) and the neighbours shown.
   */
  world: {
    kind: 'fv' | 'os';
    name: string;
    size: [number, number];
    origin: [number, number];
    regions: { name: string; origin: [number, number]; size: [number, number] }[];
  } | null;
  /**
   * What your token lets you do in the Finalverse world you are in: the welcome's permission bits (join 1, chat 2,
   * edit 4, create 8; PERMISSION_BITS); 0 before the welcome and on a grid.
   */
  permissions: number;
  self: PersonView | null;
  people: PersonView[];
  /** Hover texts near you (nearest first, capped). */
  hoverTexts: HoverTextView[];
  /** Minimap points: x, y per prim (region metres), capped. */
  mapPoints: number[];
  perf: PerfView;
}

/** The permission bits of a Finalverse token (edge/auth/permissions.ts PERMISSION; the welcome carries them). */
export const PERMISSION_BITS = { join: 1, chat: 2, edit: 4, create: 8 } as const;

export const EMPTY_WORLD_VIEW: WorldView = {
  connection: { state: 'idle' },
  world: null,
  permissions: 0,
  self: null,
  people: [],
  hoverTexts: [],
  mapPoints: [],
  perf: {
    fps: 0,
    frameMsP50: 0,
    frameMsP95: 0,
    entities: 0,
    netInKBs: 0,
    netOutKBs: 0,
    workers: 0,
    worldFrameMsP50: 0,
    systems: [],
    plan: null,
  },
};

/** A world worker's error as the view shows it: the connection failed, unless you already stand in the world. */
export function withWorldError(view: WorldView, message: string): WorldView {
  return view.connection.state === 'in-world' ? view : { ...view, connection: { state: 'failed', reason: message } };
}

/** Plain words for the connection badge. */
export function connectionLabel(c: ConnectionState): string {
  switch (c.state) {
    case 'idle':
      return 'Not connected';
    case 'connecting':
      return 'Connecting…';
    case 'in-world':
      return 'In world';
    case 'reconnecting':
      return `Reconnecting (attempt ${c.attempt}): ${c.reason}`;
    case 'failed':
      return `Could not connect: ${c.reason}`;
  }
}
