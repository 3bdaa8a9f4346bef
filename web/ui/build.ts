/**
 * The Build panel's logic (web/ui/components/BuildPanel.tsx draws it): who may use it, what a plan's actions say in
 * words, where an uploaded model goes (in front of you), the model upload (POST /api/models) with its answer parsed,
 * and World Tool operations over the world worker's `operate` command.
 */
import {
  ApiError,
  MAX_MODEL_BYTES,
  ModelUploadAnswer,
  type OperationResult,
  type WorldAction,
  type WorldOperation,
} from '../../shared/protocol';
import type { WorldCommand, WorldEvent } from '../world/world-protocol';
import { PERMISSION_BITS } from '../world/world-snapshot';

/** The panel's own error codes (docs/errors.md); the language tier's are the cascade's `ai_*`, uploads' `gltf_*`. */
export type BuildErrorCode = 'build_upload_failed' | 'build_not_in_world' | 'build_timeout';

/** A refusal the panel shows: a stable code and a sentence. */
export interface BuildFailure {
  code: string;
  message: string;
}

/** The panel is for visitors whose token grants edit (the sentence box) or create (model uploads). */
export function buildAccess(permissions: number): { edit: boolean; create: boolean } {
  return { edit: (permissions & PERMISSION_BITS.edit) !== 0, create: (permissions & PERMISSION_BITS.create) !== 0 };
}

const round = (n: number): string => (Math.round(n * 10) / 10).toString();
const at = (p: readonly number[]): string => `(${p.map(round).join(', ')})`;
const rgb = (c: readonly number[]): string => `rgb ${c.slice(0, 3).join(' ')}`;

/** One action in words, for the panel's list (entities by their server id). */
export function describeAction(a: WorldAction): string {
  switch (a.tool) {
    case 'create_primitive':
      return `Create a ${a.color ? `${rgb(a.color)} ` : ''}${a.shape}${a.name ? ` “${a.name}”` : ''} at ${at(a.position)}${a.scale ? `, ${a.scale.map(round).join(' × ')} m` : ''}`;
    case 'create_model':
      return `Place model ${a.model.slice(0, 12)}…${a.name ? ` “${a.name}”` : ''} at ${at(a.position)}`;
    case 'create_structure':
      return `Build a ${a.structure} of ${a.size ?? 4} blocks at ${at(a.position)}`;
    case 'clone_entity':
      return `Copy entity ${a.entity}${a.position ? ` to ${at(a.position)}` : ''}`;
    case 'move_entity':
      return `Move entity ${a.entity} to ${at(a.position)}`;
    case 'rotate_entity':
      return `Turn entity ${a.entity}`;
    case 'scale_entity':
      return `Resize entity ${a.entity} to ${a.scale.map(round).join(' × ')} m`;
    case 'set_color':
      return `Colour entity ${a.entity}${a.face === undefined ? '' : ` (face ${a.face})`} ${rgb(a.color)}`;
    case 'set_name':
      return `Name entity ${a.entity} “${a.name}”`;
    case 'set_description':
      return `Describe entity ${a.entity}`;
    case 'delete_entity':
      return `Delete entity ${a.entity}`;
  }
}

/**
 * Where a model of `size` (metres) goes: its centre `gap` metres beyond its own half-depth in front of you (facing
 * `yaw`, radians from +x), standing on the ground under your avatar (a 1.8 m capsule: its centre is 0.9 m up).
 */
export function modelPlacement(
  self: readonly [number, number, number],
  yaw: number,
  size: readonly [number, number, number],
  gap = 3,
): [number, number, number] {
  const d = gap + Math.max(size[0], size[1]) / 2;
  return [self[0] + Math.cos(yaw) * d, self[1] + Math.sin(yaw) * d, self[2] - 0.9 + size[2] / 2];
}

/** The result of an upload: the edge's answer, or its refusal (`gltf_*`, permission) or a failure to reach it. */
export type UploadResult = { ok: true; model: ModelUploadAnswer } | ({ ok: false } & BuildFailure);

/** Reads POST /api/models' answer: HTTP status and the body as JSON (null when it was not JSON). Never throws. */
export function readUploadAnswer(status: number, body: unknown): UploadResult {
  if (status === 200 || status === 201) {
    const model = ModelUploadAnswer.safeParse(body);
    if (model.success) return { ok: true, model: model.data };
    return { ok: false, code: 'build_upload_failed', message: 'build: the edge accepted the model but its answer is not one' };
  }
  const refusal = ApiError.safeParse(body);
  if (refusal.success) return { ok: false, code: refusal.data.error.code, message: refusal.data.error.message };
  return { ok: false, code: 'build_upload_failed', message: `build: the upload was answered with HTTP ${status}` };
}

/** Uploads a model file's bytes with the world socket's token (it needs the create permission). */
export async function uploadModel(
  bytes: ArrayBuffer,
  name: string,
  token: string,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): Promise<UploadResult> {
  if (bytes.byteLength > MAX_MODEL_BYTES)
    return { ok: false, code: 'gltf_too_large', message: `${name} is ${bytes.byteLength} bytes; the limit is 8 MiB` };
  let res: Response;
  try {
    res = await fetchFn('/api/models', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': name.toLowerCase().endsWith('.gltf') ? 'model/gltf+json' : 'model/gltf-binary',
      },
      body: bytes,
      signal: AbortSignal.timeout(60_000),
    });
  } catch {
    return { ok: false, code: 'build_upload_failed', message: 'build: the edge did not answer the upload' };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return readUploadAnswer(res.status, body);
}

/** World Tool operations through the world worker (its `operate` command), answered by its `operated` events. */
export interface Operator {
  operate(body: WorldOperation): Promise<OperationResult>;
  /** Feed the world's events here. */
  deliver(event: WorldEvent): void;
}

/** How long an operation may wait for the world's answer. */
export const OPERATE_TIMEOUT_MS = 20_000;

export function createOperator(send: (command: WorldCommand) => void, timeoutMs = OPERATE_TIMEOUT_MS): Operator {
  let next = 1;
  const waiting = new Map<number, (r: OperationResult) => void>();
  return {
    operate(body) {
      const id = next++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve({ op: 'failed', code: 'build_timeout', message: 'build: the world did not answer in time; try again' });
        }, timeoutMs);
        waiting.set(id, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        send({ type: 'operate', id, body });
      });
    },
    deliver(event) {
      if (event.type !== 'operated') return;
      const settle = waiting.get(event.id);
      waiting.delete(event.id);
      settle?.(event.result);
    },
  };
}
