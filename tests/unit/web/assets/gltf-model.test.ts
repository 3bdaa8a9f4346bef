/** glTF → the renderer's MeshData with @gltf-transform/core, on the committed house fixture and made models. */
import { readFileSync } from 'node:fs';
import { WebIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { GltfError } from '../../../../shared/assets/gltf-check';
import { PRIM_LOD_COUNT } from '../../../../shared/geometry/prim-mesh';
import { decodeGltfModel } from '../../../../web/assets/gltf-model';
import { boxGlb, buildGlb, glbParts, gltfJsonOf } from '../../../support/gltf-models';

const house = new Uint8Array(readFileSync(new URL('../../../support/fixtures/models/house.glb', import.meta.url)));

/** The dot product of each triangle's face normal with its first vertex's normal is positive (front faces outward). */
function windingAgrees(m: {
  positions: Float32Array;
  normals: Float32Array;
  indices: Uint16Array | Uint32Array;
  indexCount: number;
}): boolean {
  const P = m.positions;
  for (let k = 0; k < m.indexCount; k += 3) {
    const [a, b, c] = [m.indices[k] ?? 0, m.indices[k + 1] ?? 0, m.indices[k + 2] ?? 0];
    const u = [0, 1, 2].map((i) => (P[b * 3 + i] ?? 0) - (P[a * 3 + i] ?? 0));
    const w = [0, 1, 2].map((i) => (P[c * 3 + i] ?? 0) - (P[a * 3 + i] ?? 0));
    const n = [
      (u[1] ?? 0) * (w[2] ?? 0) - (u[2] ?? 0) * (w[1] ?? 0),
      (u[2] ?? 0) * (w[0] ?? 0) - (u[0] ?? 0) * (w[2] ?? 0),
      (u[0] ?? 0) * (w[1] ?? 0) - (u[1] ?? 0) * (w[0] ?? 0),
    ];
    if (
      (n[0] ?? 0) * (m.normals[a * 3] ?? 0) +
        (n[1] ?? 0) * (m.normals[a * 3 + 1] ?? 0) +
        (n[2] ?? 0) * (m.normals[a * 3 + 2] ?? 0) <=
      0
    )
      return false;
  }
  return true;
}

describe('decodeGltfModel', () => {
  it('turns the house into one mesh: every vertex, both materials as faces with sRGB colours, in the unit box, z up', async () => {
    const model = await decodeGltfModel(house);
    expect(model.lods).toHaveLength(PRIM_LOD_COUNT);
    const m = model.lods[0];
    if (!m) throw new Error('no mesh');
    expect(m.vertexCount).toBe(36);
    expect(m.indexCount).toBe(48);
    expect(m.indices).toBeInstanceOf(Uint16Array);
    expect(m.faceCount).toBe(2);
    expect([...new Set(m.faces)].sort()).toEqual([0, 1]);
    // Base colour factors 0.8 / 0.05 (linear) are 0.906 / 0.248 in sRGB.
    expect(model.colors[0]?.map((c) => Math.round(c * 1000) / 1000)).toEqual([0.906, 0.248, 0.248, 1]);
    expect(model.colors[1]?.[2]).toBeCloseTo(0.906, 3);
    for (let k = 0; k < 3; k++) {
      expect(m.bounds.min[k]).toBeCloseTo(-0.5, 5);
      expect(m.bounds.max[k]).toBeCloseTo(0.5, 5);
    }
    // The roof (face 1) is the top: its apex at z = 0.5, and every roof normal leans up.
    let apex = -1;
    for (let v = 0; v < m.vertexCount; v++) {
      if (m.faces[v] !== 1) continue;
      apex = Math.max(apex, m.positions[v * 3 + 2] ?? 0);
      expect(m.normals[v * 3 + 2]).toBeGreaterThan(0.5);
    }
    expect(apex).toBeCloseTo(0.5, 5);
    // The body's glTF +y side faces region +z; its glTF +z side region -y.
    const up = [...m.faces.keys()].filter((v) => m.faces[v] === 0 && (m.normals[v * 3 + 2] ?? 0) > 0.99);
    expect(up).toHaveLength(4);
    const south = [...m.faces.keys()].filter((v) => m.faces[v] === 0 && (m.normals[v * 3 + 1] ?? 0) < -0.99);
    expect(south.every((v) => (m.positions[v * 3 + 1] ?? 0) < 0)).toBe(true);
    for (let v = 0; v < m.vertexCount; v++)
      expect(Math.hypot(m.normals[v * 3] ?? 0, m.normals[v * 3 + 1] ?? 0, m.normals[v * 3 + 2] ?? 0)).toBeCloseTo(1, 5);
    expect(windingAgrees(m)).toBe(true);
    // Texture coordinates flip to v up: the fixture's corners (0,0)…(1,1) stay within the unit square.
    expect(Math.min(...m.uvs)).toBe(0);
    expect(Math.max(...m.uvs)).toBe(1);
  });

  it('decodes glTF JSON with an embedded buffer to the same mesh as its GLB', async () => {
    const glb = await boxGlb({ size: 2, copies: 3 });
    const a = (await decodeGltfModel(glb)).lods[0];
    const b = (await decodeGltfModel(gltfJsonOf(glb))).lods[0];
    expect(a?.vertexCount).toBe(24);
    expect(b?.positions).toEqual(a?.positions);
    expect(b?.indices).toEqual(a?.indices);
  });

  it('keeps triangles facing out under a mirroring node (negative scale)', async () => {
    const { json, bin } = glbParts(await boxGlb());
    const mirrored = buildGlb({ ...json, nodes: (json.nodes ?? []).map((n) => ({ ...n, scale: [-1, 1, 1] })) }, bin);
    const m = (await decodeGltfModel(mirrored)).lods[0];
    if (!m) throw new Error('no mesh');
    // Normals were made from the triangles (the box has none): outward means away from the centre.
    let outward = 0;
    for (let v = 0; v < m.vertexCount; v++) {
      const d =
        (m.positions[v * 3] ?? 0) * (m.normals[v * 3] ?? 0) +
        (m.positions[v * 3 + 1] ?? 0) * (m.normals[v * 3 + 1] ?? 0) +
        (m.positions[v * 3 + 2] ?? 0) * (m.normals[v * 3 + 2] ?? 0);
      if (d > 0) outward++;
    }
    expect(outward).toBe(m.vertexCount);
  });

  it('refuses an index past the vertices with gltf_out_of_bounds, and hostile bytes with the check’s codes', async () => {
    const glb = await boxGlb();
    const { json, bin } = glbParts(glb);
    const views = json.bufferViews ?? [];
    const indexView = views[json.accessors?.[1]?.bufferView ?? 0];
    const broken = bin.slice();
    new DataView(broken.buffer).setUint16(indexView?.byteOffset ?? 0, 500, true);
    await expect(decodeGltfModel(buildGlb(json, broken))).rejects.toMatchObject({ code: 'gltf_out_of_bounds' });
    await expect(decodeGltfModel(glb.slice(0, 30))).rejects.toBeInstanceOf(GltfError);
    await expect(decodeGltfModel(new TextEncoder().encode('not a model'))).rejects.toMatchObject({ code: 'gltf_bad_container' });
  });
});

describe('decodeGltfModel: base colour images', () => {
  const crate = new Uint8Array(readFileSync(new URL('../../../support/fixtures/models/crate.glb', import.meta.url)));

  it('gives the crate one face with its embedded PNG (checked, not decoded), opaque, and the UVs with v turned up', async () => {
    const model = await decodeGltfModel(crate);
    expect(model.looks).toEqual([{ image: 0, alphaMode: 2, alphaCutoff: 0 }]);
    expect(model.images).toHaveLength(1);
    expect(model.images[0]?.info).toEqual({ format: 'png', width: 32, height: 32 });
    expect(model.images[0]?.bytes.subarray(0, 4)).toEqual(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]));
    const uvs = model.lods[0]?.uvs ?? new Float32Array();
    // The fixture's side corners have v 0 and 1 (glTF, down the image): the same after turning.
    expect(new Set(uvs)).toEqual(new Set([0, 1]));
    for (const c of model.colors[0] ?? []) expect(c).toBeCloseTo(1, 6);
  });

  it('keeps an image over the limits as its reason: the face keeps its colour and the model still draws', async () => {
    const doc = await new WebIO().readBinary(crate.slice());
    const huge = new Uint8Array(33);
    huge.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(huge.buffer).setUint32(16, 8192);
    new DataView(huge.buffer).setUint32(20, 8192);
    huge.set([8, 6, 0, 0, 0], 24);
    doc.getRoot().listTextures()[0]?.setImage(huge);
    const material = doc.getRoot().listMaterials()[0];
    material?.setAlphaMode('MASK').setAlphaCutoff(0.3);
    const model = await decodeGltfModel(await new WebIO().writeBinary(doc));
    expect(model.images[0]?.info).toBeNull();
    expect(model.images[0]?.error).toMatch(/^texture: model image is 8192x8192; the limit is 2048/);
    expect(model.looks[0]).toMatchObject({ alphaMode: 1, alphaCutoff: expect.closeTo(0.3, 5) });
    expect(model.lods[0]?.indexCount).toBe(36);
  });

  it('leaves out a texture on TEXCOORD_1 and a material without one', async () => {
    const doc = await new WebIO().readBinary(crate.slice());
    doc.getRoot().listMaterials()[0]?.getBaseColorTextureInfo()?.setTexCoord(1);
    expect((await decodeGltfModel(await new WebIO().writeBinary(doc))).looks[0]?.image).toBe(-1);
    expect((await decodeGltfModel(house)).looks.map((l) => l.image)).toEqual([-1, -1]);
  });
});
