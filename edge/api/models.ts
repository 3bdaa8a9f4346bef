/**
 * Finalverse model routes: POST /api/models (a glTF 2.0 model, bearer token with `create`: checked, stored in R2
 * under its SHA-256) and GET /api/models/<sha256> (the bytes, immutable).
 */
import { Hono } from 'hono';
import { checkGltf, GltfError } from '../../shared/assets/gltf-check';
import { readAtMost } from '../../shared/bytes/read-limited';
import { type ApiError, MAX_MODEL_BYTES, ModelHash, type ModelUploadAnswer } from '../../shared/protocol';
import { EdgeError } from '../errors';
import { findModel, modelKey, modelMetadata } from '../world/models';
import { bearer, requireToken } from './access';

/** Models never change (their id is their hash): caches may keep them for a year. */
export const MODEL_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const CONTENT_TYPES = { glb: 'model/gltf-binary', gltf: 'model/gltf+json' } as const;

function refused(err: GltfError): Response {
  return Response.json({ error: { code: err.code, message: err.message } } satisfies ApiError, {
    status: err.code === 'gltf_too_large' ? 413 : 400,
  });
}

async function readUpload(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_MODEL_BYTES)
    throw new GltfError('gltf_too_large', `the model is ${declared} bytes; the limit is ${MAX_MODEL_BYTES} (8 MiB)`);
  const reader = req.body?.getReader();
  if (!reader) throw new GltfError('gltf_truncated', 'POST /api/models expects the model as the request body');
  return readAtMost(reader, MAX_MODEL_BYTES, {
    tooLarge: () => new GltfError('gltf_too_large', `the model is more than ${MAX_MODEL_BYTES} bytes (8 MiB)`),
  });
}

const hex = (bytes: ArrayBuffer): string => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The model routes, mounted by the router. */
export const modelRoutes = new Hono<{ Bindings: Env }>();

modelRoutes.post('/api/models', async (c) => {
  await requireToken(c.env, bearer(c.req.header('authorization')), 'create');
  let bytes: Uint8Array;
  let checked: ReturnType<typeof checkGltf>;
  try {
    bytes = await readUpload(c.req.raw);
    checked = checkGltf(bytes);
  } catch (err) {
    if (err instanceof GltfError) return refused(err);
    throw err;
  }
  const hash = hex(await crypto.subtle.digest('SHA-256', bytes));
  const answer = (created: boolean): ModelUploadAnswer => ({
    hash,
    bytes: bytes.byteLength,
    format: checked.format,
    size: checked.size,
    vertices: checked.vertices,
    triangles: checked.triangles,
    created,
  });
  // The same bytes are the same model: a second upload stores nothing.
  if (await findModel(c.env.MODELS, hash)) return c.json(answer(false), 200);
  await c.env.MODELS.put(modelKey(hash), bytes, {
    httpMetadata: { contentType: CONTENT_TYPES[checked.format], cacheControl: MODEL_CACHE_CONTROL },
    customMetadata: modelMetadata(checked),
    sha256: hash,
  });
  return c.json(answer(true), 201);
});

modelRoutes.get('/api/models/:hash', async (c) => {
  const hash = c.req.param('hash');
  if (!ModelHash.safeParse(hash).success)
    throw new EdgeError(400, 'bad_request', 'edge: a model id is its SHA-256: 64 lower-case hex digits');
  if (c.req.header('if-none-match') === `"${hash}"`)
    return new Response(null, { status: 304, headers: { etag: `"${hash}"`, 'cache-control': MODEL_CACHE_CONTROL } });
  const object = await c.env.MODELS.get(modelKey(hash));
  if (!object) throw new EdgeError(404, 'model_not_found', `edge: no model ${hash}; upload it with POST /api/models`);
  return new Response(object.body, {
    headers: {
      'content-type': object.httpMetadata?.contentType ?? CONTENT_TYPES.glb,
      'content-length': String(object.size),
      'cache-control': MODEL_CACHE_CONTROL,
      etag: `"${hash}"`,
    },
  });
});
