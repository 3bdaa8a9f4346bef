/**
 * Finalverse glTF models in R2, content-addressed: the object `models/<sha256>` holds the bytes exactly as uploaded
 * (after shared/assets/gltf-check.ts accepted them), its custom metadata what the check found (container, size in
 * metres z up, vertices, triangles). Used by the upload/download routes and by the WorldRoom when `create_model`
 * is prepared.
 */
import { z } from 'zod';
import type { CheckedGltf } from '../../shared/assets/gltf-check';
import { MAX_PRIM_SIZE } from '../../shared/protocol';

/** The R2 key of a model. */
export const modelKey = (hash: string): string => `models/${hash}`;

/** What is kept beside a model's bytes. */
export interface ModelInfo {
  format: 'glb' | 'gltf';
  size: [number, number, number];
  vertices: number;
  triangles: number;
}

const dims = z.string().regex(/^[0-9.e+-]+,[0-9.e+-]+,[0-9.e+-]+$/);
const Metadata = z.object({
  format: z.enum(['glb', 'gltf']),
  size: dims,
  vertices: z.string().regex(/^\d{1,9}$/),
  triangles: z.string().regex(/^\d{1,9}$/),
});

/** Custom metadata for a checked model (R2 keeps strings). */
export function modelMetadata(checked: CheckedGltf): Record<string, string> {
  return {
    format: checked.format,
    size: checked.size.join(','),
    vertices: String(checked.vertices),
    triangles: String(checked.triangles),
  };
}

/** The model's info from its R2 object's metadata, or null when it is not a model we stored. */
export function parseModelInfo(meta: Record<string, string> | undefined): ModelInfo | null {
  const r = Metadata.safeParse(meta ?? {});
  if (!r.success) return null;
  const size = r.data.size.split(',').map(Number);
  if (size.length !== 3 || size.some((v) => !Number.isFinite(v) || v < 0)) return null;
  return {
    format: r.data.format,
    size: [size[0] ?? 0, size[1] ?? 0, size[2] ?? 0],
    vertices: Number(r.data.vertices),
    triangles: Number(r.data.triangles),
  };
}

/** The info of stored model `hash`, or null when there is none. */
export async function findModel(bucket: R2Bucket, hash: string): Promise<ModelInfo | null> {
  const head = await bucket.head(modelKey(hash));
  return head ? parseModelInfo(head.customMetadata) : null;
}

/** Smallest edge a placed model gets by default (metres): a flat model still has some thickness. */
const MIN_EDGE = 0.01;

/** The scale a model is placed at when `create_model` names none: its own size, shrunk to fit MAX_PRIM_SIZE. */
export function defaultModelScale(size: readonly [number, number, number]): [number, number, number] {
  const largest = Math.max(...size);
  const k = largest > MAX_PRIM_SIZE ? MAX_PRIM_SIZE / largest : 1;
  return [Math.max(MIN_EDGE, size[0] * k), Math.max(MIN_EDGE, size[1] * k), Math.max(MIN_EDGE, size[2] * k)];
}
