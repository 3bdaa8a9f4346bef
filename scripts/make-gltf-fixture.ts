/**
 * Writes the small glTF test models tests/support/fixtures/models/ with @gltf-transform/core:
 * - house.glb: a 2 × 2 × 2 m red box (indexed, with normals and texture coordinates) and a blue four-sided roof 1 m
 *   high on a child node (translated and turned, no normals: the decoder makes them);
 * - crate.glb: the same box, white, with a base colour texture: a 32 × 32 PNG (pngjs) in the GLB's BIN chunk, magenta
 *   on the left half of each side (u < 0.5) and yellow on the right.
 * `npx tsx scripts/make-gltf-fixture.ts`.
 */
import { writeFileSync } from 'node:fs';
import { Document, WebIO } from '@gltf-transform/core';
import { PNG } from 'pngjs';

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

// The crate: the box again, white, textured.
const image = new PNG({ width: 32, height: 32 });
for (let y = 0; y < 32; y++)
  for (let x = 0; x < 32; x++) {
    const o = (y * 32 + x) * 4;
    const [r, g, b] = x < 16 ? [200, 30, 200] : [230, 210, 20];
    image.data[o] = r;
    image.data[o + 1] = g;
    image.data[o + 2] = b;
    image.data[o + 3] = 255;
  }
const crateDoc = new Document();
const crateBuffer = crateDoc.createBuffer();
const crateAccessor = (type: 'VEC3' | 'VEC2' | 'SCALAR', array: Float32Array | Uint16Array) =>
  crateDoc.createAccessor().setType(type).setArray(array).setBuffer(crateBuffer);
const png = crateDoc
  .createTexture('halves')
  .setImage(new Uint8Array(PNG.sync.write(image)))
  .setMimeType('image/png');
const white = crateDoc.createMaterial('painted').setBaseColorFactor([1, 1, 1, 1]).setBaseColorTexture(png);
const crateBody = crateDoc
  .createPrimitive()
  .setAttribute('POSITION', crateAccessor('VEC3', new Float32Array(pos)))
  .setAttribute('NORMAL', crateAccessor('VEC3', new Float32Array(nrm)))
  .setAttribute('TEXCOORD_0', crateAccessor('VEC2', new Float32Array(uv)))
  .setIndices(crateAccessor('SCALAR', new Uint16Array(idx)))
  .setMaterial(white);
crateDoc
  .createScene('scene')
  .addChild(crateDoc.createNode('crate').setMesh(crateDoc.createMesh('crate').addPrimitive(crateBody)));
const crate = await new WebIO().writeBinary(crateDoc);
const crateOut = new URL('../tests/support/fixtures/models/crate.glb', import.meta.url);
writeFileSync(crateOut, crate);
console.log(`wrote ${crateOut.pathname} (${crate.byteLength} bytes)`);
