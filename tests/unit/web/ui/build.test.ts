import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorldAction } from '../../../../shared/protocol';
import {
  buildAccess,
  createOperator,
  describeAction,
  modelPlacement,
  readUploadAnswer,
  uploadModel,
} from '../../../../web/ui/build';
import type { WorldCommand } from '../../../../web/world/world-protocol';

const HASH = 'ab'.repeat(32);
const answer = {
  hash: HASH,
  bytes: 1234,
  format: 'glb',
  size: [6, 6, 5.3],
  vertices: 100,
  triangles: 50,
  created: true,
};

describe('the Build panel logic', () => {
  it('offers the sentence box for edit and uploads for create, nothing without either', () => {
    expect(buildAccess(1 | 2)).toEqual({ edit: false, create: false });
    expect(buildAccess(1 | 2 | 4)).toEqual({ edit: true, create: false });
    expect(buildAccess(1 | 2 | 4 | 8)).toEqual({ edit: true, create: true });
    expect(buildAccess(8)).toEqual({ edit: false, create: true });
  });

  it('says every tool of a plan in words', () => {
    const actions: WorldAction[] = [
      {
        tool: 'create_primitive',
        shape: 'box',
        position: [1, 2.25, 3],
        scale: [0.5, 0.5, 3],
        color: [200, 30, 30, 255],
        name: 'Pillar',
      },
      { tool: 'create_model', model: HASH, position: [0, 0, 0], name: 'House' },
      { tool: 'create_structure', structure: 'wall', position: [0, 0, 0], size: 5 },
      { tool: 'clone_entity', entity: 7 },
      { tool: 'move_entity', entity: 7, position: [1, 1, 1] },
      { tool: 'rotate_entity', entity: 7, rotation: [0, 0, 0, 1] },
      { tool: 'scale_entity', entity: 7, scale: [2, 2, 2] },
      { tool: 'set_color', entity: 7, color: [1, 2, 3, 255], face: 2 },
      { tool: 'set_name', entity: 7, name: 'Bench' },
      { tool: 'set_description', entity: 7, description: 'x' },
      { tool: 'delete_entity', entity: 9 },
    ];
    expect(actions.map(describeAction)).toEqual([
      'Create a rgb 200 30 30 box “Pillar” at (1, 2.3, 3), 0.5 × 0.5 × 3 m',
      `Place model ${HASH.slice(0, 12)}… “House” at (0, 0, 0)`,
      'Build a wall of 5 blocks at (0, 0, 0)',
      'Copy entity 7',
      'Move entity 7 to (1, 1, 1)',
      'Turn entity 7',
      'Resize entity 7 to 2 × 2 × 2 m',
      'Colour entity 7 (face 2) rgb 1 2 3',
      'Name entity 7 “Bench”',
      'Describe entity 7',
      'Delete entity 9',
    ]);
  });

  it('places a model in front of you, beyond its half-depth, standing on the ground', () => {
    const [x, y, z] = modelPlacement([100, 100, 25.9], Math.PI / 2, [6, 4, 5]);
    expect(x).toBeCloseTo(100);
    expect(y).toBeCloseTo(106);
    expect(z).toBeCloseTo(27.5);
    const [ex, ey] = modelPlacement([0, 0, 0.9], 0, [1, 1, 1], 2);
    expect([ex, ey]).toEqual([2.5, 0]);
  });

  it('reads the upload answer: the model, the edge refusal by its code, or a clear failure', () => {
    expect(readUploadAnswer(201, answer)).toEqual({ ok: true, model: answer });
    expect(readUploadAnswer(400, { error: { code: 'gltf_bad_container', message: 'gltf: not a GLB' } })).toEqual({
      ok: false,
      code: 'gltf_bad_container',
      message: 'gltf: not a GLB',
    });
    expect(readUploadAnswer(502, null)).toMatchObject({ ok: false, code: 'build_upload_failed' });
    expect(readUploadAnswer(200, { hash: 'nope' })).toMatchObject({ ok: false, code: 'build_upload_failed' });
  });

  it('reads any answer without throwing, and accepts only a 2xx with a valid model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.jsonValue(), (status, body) => {
        const r = readUploadAnswer(status, body);
        if (r.ok) expect(status === 200 || status === 201).toBe(true);
        else {
          expect(r.code.length).toBeGreaterThan(0);
          expect(typeof r.message).toBe('string');
        }
      }),
    );
  });

  it('uploads with the token as bearer and the model type from the name; refuses over 8 MiB without sending', async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetchFn = (async (url: string, init?: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify(answer), { status: 201 });
    }) as typeof fetch;
    const r = await uploadModel(new ArrayBuffer(8), 'House.GLTF', 'tok', fetchFn);
    expect(r).toEqual({ ok: true, model: answer });
    expect(seen[0]?.url).toBe('/api/models');
    expect(seen[0]?.init?.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'model/gltf+json' });
    const big = await uploadModel(new ArrayBuffer(8 * 1024 * 1024 + 1), 'big.glb', 'tok', fetchFn);
    expect(big).toMatchObject({ ok: false, code: 'gltf_too_large' });
    expect(seen).toHaveLength(1);
    const down = await uploadModel(new ArrayBuffer(8), 'a.glb', 'tok', (async () => {
      throw new TypeError('failed to fetch');
    }) as typeof fetch);
    expect(down).toMatchObject({ ok: false, code: 'build_upload_failed' });
  });

  it('answers each operation with the operated event of its own id, and times out clearly', async () => {
    const sent: WorldCommand[] = [];
    const op = createOperator((c) => sent.push(c), 50);
    const a = op.operate({ op: 'commit', planId: 'p-1' });
    const b = op.operate({ op: 'commit', planId: 'p-2' });
    expect(sent.map((c) => (c.type === 'operate' ? c.id : -1))).toEqual([1, 2]);
    op.deliver({ type: 'operated', id: 2, result: { op: 'failed', code: 'x', message: 'two' } });
    op.deliver({ type: 'operated', id: 1, result: { op: 'failed', code: 'x', message: 'one' } });
    expect(await a).toMatchObject({ message: 'one' });
    expect(await b).toMatchObject({ message: 'two' });
    expect(await op.operate({ op: 'commit', planId: 'p-3' })).toMatchObject({ op: 'failed', code: 'build_timeout' });
  });
});
