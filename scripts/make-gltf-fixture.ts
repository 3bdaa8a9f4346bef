/**
 * Writes the small glTF test model tests/support/fixtures/models/house.glb with @gltf-transform/core:
 * a 2 × 2 × 2 m red box (indexed, with normals and texture coordinates) and a blue four-sided roof 1 m high on a
 * child node (translated and turned, no normals: the decoder makes them). `npx tsx scripts/make-gltf-fixture.ts`.
 */
import { writeFileSync } from 'node:fs';
import { Document, WebIO } from '@gltf-transform/core';

const doc = new Document();
const buffer = doc.createBuffer();

// The box: 24 vertices (4 a side, so each side has its own normal), 12 triangles; glTF is y up.
const pos: number[] = [];
const nrm: number[] = [];
const uv: number[] = [];
const idx: number[] = [];
const sides: [number[], number[], number[]][] = [
  [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  [
    [-1, 0, 0],
    [0, 1, 0],
    [0, 0, -1],
  ],
  [
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
  ],
  [
    [0, -1, 0],
    [0, 0, -1],
    [1, 0, 0],
  ],
  [
    [0, 0, 1],
    [0, 1, 0],
    [-1, 0, 0],
  ],
  [
    [0, 0, -1],
    [0, 1, 0],
    [1, 0, 0],
  ],
];
for (const [n, u, v] of sides) {
  const base = pos.length / 3;
  for (const [a, b] of [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ] as const) {
    for (let k = 0; k < 3; k++) pos.push((n[k] ?? 0) + a * (u[k] ?? 0) + b * (v[k] ?? 0));
    nrm.push(...n);
    uv.push((a + 1) / 2, (1 - b) / 2);
  }
  // Counter-clockwise seen from outside: u × v = n.
  idx.push(base, base + 1, base + 2, base, base + 2, base + 3);
}
const accessor = (type: 'VEC3' | 'VEC2' | 'SCALAR', array: Float32Array | Uint16Array) =>
  doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
const red = doc.createMaterial('red').setBaseColorFactor([0.8, 0.05, 0.05, 1]);
const blue = doc.createMaterial('blue').setBaseColorFactor([0.05, 0.1, 0.8, 1]);
const body = doc
  .createPrimitive()
  .setAttribute('POSITION', accessor('VEC3', new Float32Array(pos)))
  .setAttribute('NORMAL', accessor('VEC3', new Float32Array(nrm)))
  .setAttribute('TEXCOORD_0', accessor('VEC2', new Float32Array(uv)))
  .setIndices(accessor('SCALAR', new Uint16Array(idx)))
  .setMaterial(red);

// The roof: a pyramid over y = 0, 1 m high, base 2.4 m, not indexed.
const apex = [0, 1, 0];
const corners = [
  [-1.2, 0, -1.2],
  [1.2, 0, -1.2],
  [1.2, 0, 1.2],
  [-1.2, 0, 1.2],
];
const roof: number[] = [];
for (let i = 0; i < 4; i++) {
  const a = corners[i] ?? [0, 0, 0];
  const b = corners[(i + 1) % 4] ?? [0, 0, 0];
  roof.push(...b, ...a, ...apex);
}
const roofPrim = doc
  .createPrimitive()
  .setAttribute('POSITION', accessor('VEC3', new Float32Array(roof)))
  .setMaterial(blue);

const house = doc.createNode('house').setMesh(doc.createMesh('body').addPrimitive(body));
const s = Math.sin(Math.PI / 8);
house.addChild(
  doc
    .createNode('roof')
    .setMesh(doc.createMesh('roof').addPrimitive(roofPrim))
    .setTranslation([0, 1, 0])
    .setRotation([0, s, 0, Math.cos(Math.PI / 8)]),
);
doc.createScene('scene').addChild(house);

const glb = await new WebIO().writeBinary(doc);
const out = new URL('../tests/support/fixtures/models/house.glb', import.meta.url);
writeFileSync(out, glb);
console.log(`wrote ${out.pathname} (${glb.byteLength} bytes)`);
