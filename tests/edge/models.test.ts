/** Finalverse glTF models at the edge, in workerd with its local R2: upload, dedupe, refusals, download, placement. */
import { describe, expect, it } from 'vitest';
import { PERMISSION } from '../../edge/auth/permissions';
import { ApiError, type Entity, ModelUploadAnswer, type OperationResult } from '../../shared/protocol';
import { boxGlb, buildGlb, glbParts, gltfJsonOf } from '../support/gltf-models';
import { call, connect, join, operate, tokenWith } from './support';

const CREATOR = PERMISSION.join | PERMISSION.chat | PERMISSION.edit | PERMISSION.create;

async function upload(bytes: Uint8Array, token?: string | null): Promise<Response> {
  const t = token === undefined ? await tokenWith('plaza', CREATOR) : token;
  return call('/api/models', {
    method: 'POST',
    headers: { 'content-type': 'model/gltf-binary', ...(t ? { authorization: `Bearer ${t}` } : {}) },
    body: bytes,
  });
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function refusal(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = ApiError.parse(await res.json());
  return { status: res.status, code: body.error.code, message: body.error.message };
}

function expectOp<T extends OperationResult['op']>(r: OperationResult, op: T): Extract<OperationResult, { op: T }> {
  if (r.op !== op) throw new Error(`expected ${op}, got ${JSON.stringify(r)}`);
  return r as Extract<OperationResult, { op: T }>;
}

describe('POST /api/models and GET /api/models/<sha256>', () => {
  it('stores a GLB under its SHA-256, dedupes a second upload, and serves the same bytes back as immutable', async () => {
    const glb = await boxGlb({ size: 2 });
    const first = await upload(glb);
    expect(first.status).toBe(201);
    const answer = ModelUploadAnswer.parse(await first.json());
    expect(answer).toMatchObject({
      hash: await sha256(glb),
      bytes: glb.byteLength,
      format: 'glb',
      created: true,
      vertices: 8,
      triangles: 12,
    });
    expect(answer.size).toEqual([2, 2, 2]);

    const again = await upload(glb);
    expect(again.status).toBe(200);
    expect(ModelUploadAnswer.parse(await again.json())).toMatchObject({ hash: answer.hash, created: false });

    const got = await call(`/api/models/${answer.hash}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('model/gltf-binary');
    expect(got.headers.get('cache-control')).toContain('immutable');
    expect(got.headers.get('etag')).toBe(`"${answer.hash}"`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(glb);
    const revalidated = await call(`/api/models/${answer.hash}`, { headers: { 'if-none-match': `"${answer.hash}"` } });
    expect(revalidated.status).toBe(304);
  });

  it('accepts glTF JSON whose buffer is an embedded data: URI', async () => {
    const json = gltfJsonOf(await boxGlb({ size: 3 }));
    const res = await upload(json);
    expect(res.status).toBe(201);
    expect(ModelUploadAnswer.parse(await res.json())).toMatchObject({ format: 'gltf', size: [3, 3, 3] });
  });

  it('refuses an upload without a token (401) and with a token lacking create (403 permission_denied)', async () => {
    const glb = await boxGlb({ size: 5 });
    expect((await refusal(await upload(glb, null))).status).toBe(401);
    const editor = await tokenWith('plaza', PERMISSION.join | PERMISSION.edit);
    expect(await refusal(await upload(glb, editor))).toMatchObject({ status: 403, code: 'permission_denied' });
    expect((await call(`/api/models/${await sha256(glb)}`)).status).toBe(404);
  });

  it('refuses each hostile model with its code, stores nothing, and keeps serving', async () => {
    const glb = await boxGlb();
    const { json, bin } = glbParts(glb);
    const truncated = glb.slice(0, glb.length - 40);
    const wrongMagic = glb.slice();
    wrongMagic[0] = 0x47;
    const version1 = glb.slice();
    version1[4] = 1;
    const accessorOut = buildGlb(
      { ...json, accessors: json.accessors?.map((a, i) => (i === 0 ? { ...a, count: a.count + 1000 } : a)) },
      bin,
    );
    const absurdCount = buildGlb({ ...json, accessors: json.accessors?.map((a) => ({ ...a, count: 0xfffffff0 })) }, bin);
    const external = buildGlb({ ...json, buffers: [{ byteLength: bin.length, uri: 'https://example.com/box.bin' }] }, bin);
    const externalImage = buildGlb({ ...json, images: [{ uri: 'texture.png' }] }, bin);
    const required = buildGlb({ ...json, extensionsRequired: ['KHR_draco_mesh_compression'] }, bin);
    const cycle = buildGlb(
      {
        ...json,
        nodes: [
          { mesh: 0, children: [1] },
          { mesh: 0, children: [0] },
        ],
        scenes: [{ nodes: [0] }],
      },
      bin,
    );
    const manyInstances = buildGlb(
      {
        ...json,
        nodes: Array.from({ length: 1100 }, () => ({ mesh: 0 })),
        scenes: [{ nodes: Array.from({ length: 1100 }, (_, i) => i) }],
      },
      bin,
    );
    const tooBig = new Uint8Array(8 * 1024 * 1024 + 1);
    tooBig.set(glb);
    const cases: [string, Uint8Array, string, number][] = [
      ['truncated', truncated, 'gltf_truncated', 400],
      ['wrong magic', wrongMagic, 'gltf_bad_container', 400],
      ['GLB version 1', version1, 'gltf_bad_container', 400],
      ['not JSON', new TextEncoder().encode('{"asset": '), 'gltf_bad_json', 400],
      ['glTF 1.0', new TextEncoder().encode('{"asset":{"version":"1.0"}}'), 'gltf_bad_json', 400],
      ['accessor past its buffer view', accessorOut, 'gltf_out_of_bounds', 400],
      ['absurd accessor count', absurdCount, 'gltf_out_of_bounds', 400],
      ['external buffer URI', external, 'gltf_external_uri', 400],
      ['external image URI', externalImage, 'gltf_external_uri', 400],
      ['required extension', required, 'gltf_unsupported', 400],
      ['node cycle', cycle, 'gltf_bad_json', 400],
      ['1100 mesh instances', manyInstances, 'gltf_too_large', 413],
      ['over 8 MiB', tooBig, 'gltf_too_large', 413],
    ];
    for (const [what, bytes, code, status] of cases) {
      const r = await refusal(await upload(bytes));
      expect({ what, ...r }).toMatchObject({ what, code, status });
      expect(r.message).toMatch(/^gltf: /);
      expect((await call(`/api/models/${await sha256(bytes)}`)).status).toBe(404);
    }
    expect((await upload(glb)).status).toBeLessThan(300);
  });

  it('answers 400 for an id that is not a SHA-256 and 404 model_not_found for one never uploaded', async () => {
    expect((await refusal(await call('/api/models/not-a-hash'))).status).toBe(400);
    expect(await refusal(await call(`/api/models/${'0'.repeat(64)}`))).toMatchObject({ status: 404, code: 'model_not_found' });
  });
});

describe('World Tool create_model', () => {
  it('places an uploaded model at its own size; another visitor receives the entity with its model hash', async () => {
    const upload1 = ModelUploadAnswer.parse(await (await upload(await boxGlb({ size: 4, copies: 2 }))).json());
    expect(upload1.size).toEqual([6, 4, 4]);
    const a = await join();
    const b = await join();
    const plan = expectOp(
      await operate(a.s, 1, {
        op: 'prepare',
        actions: [{ tool: 'create_model', model: upload1.hash, position: [120, 110, 30], name: 'Two boxes' }],
      }),
      'prepare',
    );
    expect(plan.actions[0]).toMatchObject({ tool: 'create_model', scale: [6, 4, 4] });
    const commit = expectOp(await operate(a.s, 2, { op: 'commit', planId: plan.planId }), 'commit');
    const id = commit.created[0] ?? 0;
    const seen = await b.s.until((m) => m.type === 'delta' && m.entities.some((e) => e.id === id));
    const entity = seen.type === 'delta' ? (seen.entities.find((e) => e.id === id) as Partial<Entity>) : {};
    expect(entity).toMatchObject({ kind: 'prim', model: upload1.hash, name: 'Two boxes' });
    expect(entity.scale?.map((v) => Math.round(v * 1000) / 1000)).toEqual([6, 4, 4]);
    const inspect = expectOp(await operate(b.s, 3, { op: 'inspect', center: [120, 110, 30], radius: 1 }), 'inspect');
    expect(inspect.entities[0]).toMatchObject({ id, shape: 'model' });
    a.s.ws.close(1000);
    b.s.ws.close(1000);
  });

  it('refuses a model that was never uploaded (world_model_not_found) and a token without create (world_permission_denied)', async () => {
    const a = await join();
    const missing = await operate(a.s, 1, {
      op: 'prepare',
      actions: [{ tool: 'create_model', model: 'f'.repeat(64), position: [120, 110, 30] }],
    });
    expect(missing).toMatchObject({ op: 'failed', code: 'world_model_not_found' });
    const stored = ModelUploadAnswer.parse(await (await upload(await boxGlb({ size: 1.5 }))).json());
    const editor = await connect('plaza', await tokenWith('plaza', PERMISSION.join | PERMISSION.edit));
    await editor.next('welcome');
    const denied = await operate(editor, 2, {
      op: 'prepare',
      actions: [{ tool: 'create_model', model: stored.hash, position: [120, 110, 30] }],
    });
    expect(denied).toMatchObject({ op: 'failed', code: 'world_permission_denied' });
    a.s.ws.close(1000);
    editor.ws.close(1000);
  });
});
