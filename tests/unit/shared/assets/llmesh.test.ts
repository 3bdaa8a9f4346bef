import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetError, type AssetErrorCode } from '../../../../shared/assets/errors';
import { decodeLlmesh, decodeLlmeshLod, type LlmeshLod, parseLlmeshHeader } from '../../../../shared/assets/llmesh';
import { encodeLlsdBinary, type LlsdValue } from '../../../../shared/assets/llsd-binary';
import { llmeshAsset, lodBlock, NO_GEOMETRY, submeshLlsd, type TestSubmesh, TRIANGLE } from './llmesh-fixture';

/** The AssetError code `promise` rejects with (fails when it resolves or rejects with anything else). */
async function code(promise: Promise<unknown>): Promise<AssetErrorCode> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AssetError) return e.code;
    throw e;
  }
  throw new Error('expected an AssetError, decoding succeeded');
}

const oneLod = (submeshes: LlsdValue[]): Uint8Array => llmeshAsset({ high_lod: lodBlock(submeshes) });

describe('LLMesh header', () => {
  it('lists the LODs present with offsets from the end of the header', () => {
    const a = lodBlock([submeshLlsd(TRIANGLE)]);
    const b = lodBlock([submeshLlsd(TRIANGLE), submeshLlsd(TRIANGLE)]);
    const bytes = llmeshAsset({ high_lod: a, low_lod: b, physics_convex: a }, [['creator', 'someone']]);
    const h = parseLlmeshHeader(bytes);
    expect(h.version).toBe(1);
    expect(h.lods).toEqual({ high: { offset: 0, size: a.length }, low: { offset: a.length, size: b.length } });
    expect(h.physicsConvex).toEqual({ offset: a.length + b.length, size: a.length });
    expect(h.headerEnd).toBe(bytes.length - 2 * a.length - b.length);
  });

  it('a LOD of size 0 counts as absent', () => {
    const bytes = llmeshAsset({ high_lod: lodBlock([submeshLlsd(TRIANGLE)]), medium_lod: new Uint8Array(0) });
    expect(Object.keys(parseLlmeshHeader(bytes).lods)).toEqual(['high']);
  });

  it('a header that is not a map, or has a bad block entry, is asset_bad_format', () => {
    expect(() => parseLlmeshHeader(encodeLlsdBinary([1, 2]))).toThrow(/header is not an LLSD map/);
    const bad = encodeLlsdBinary(new Map<string, LlsdValue>([['high_lod', new Map<string, LlsdValue>([['offset', -1]])]]));
    expect(() => parseLlmeshHeader(bad)).toThrow(AssetError);
    expect(() => parseLlmeshHeader(encodeLlsdBinary(new Map([['version', 1000]])))).toThrow(/version 1000/);
  });

  it('a truncated header is asset_truncated', () => {
    const bytes = oneLod([submeshLlsd(TRIANGLE)]);
    expect(() => parseLlmeshHeader(bytes.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'asset_truncated' }));
  });
});

describe('LLMesh LOD decoding', () => {
  it('dequantises positions, uvs and normals within their domains', async () => {
    const s: TestSubmesh = {
      positions: [-0.25, 0, 0.1, 0.25, 0, 0.1, 0, 0.4, 0.3],
      triangles: [0, 1, 2],
      normals: [0, 0, 2, 0, 0, 1, 0, 0.6, 0.8],
      uvs: [0.5, 0.5, 1, 0.5, 0.75, 1],
      domain: { min: [-0.25, 0, 0.1], max: [0.25, 0.4, 0.3] },
      uvDomain: { min: [0.5, 0.5], max: [1, 1] },
    };
    const bytes = oneLod([submeshLlsd(s)]);
    const m = await decodeLlmeshLod(bytes, parseLlmeshHeader(bytes), 'high');
    expect(m.vertexCount).toBe(3);
    expect(m.indexCount).toBe(3);
    expect(m.faceCount).toBe(1);
    expect(m.indices).toBeInstanceOf(Uint16Array);
    expect([...m.indices]).toEqual([0, 1, 2]);
    for (let i = 0; i < 9; i++) expect(m.positions[i]).toBeCloseTo(s.positions[i] ?? 0, 5);
    for (let i = 0; i < 6; i++) expect(m.uvs[i]).toBeCloseTo(s.uvs?.[i] ?? 0, 4);
    expect([...m.normals].map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0, 1, 0, 0, 1, 0, 0.6, 0.8]);
    expect(m.bounds.min[0]).toBeCloseTo(-0.25, 5);
    expect(m.bounds.max[1]).toBeCloseTo(0.4, 5);
  });

  it('default domains are -0.5..0.5 for positions and 0..1 for uvs', async () => {
    const bytes = oneLod([submeshLlsd({ ...TRIANGLE, uvs: [0, 0, 1, 0, 0.5, 1] })]);
    const m = await decodeLlmeshLod(bytes, parseLlmeshHeader(bytes), 'high');
    expect(m.positions[0]).toBeCloseTo(-0.5, 6);
    expect(m.positions[7]).toBeCloseTo(0.5, 6);
    [0, 0, 1, 0, 0.5, 1].forEach((uv, i) => {
      expect(m.uvs[i]).toBeCloseTo(uv, 4);
    });
  });

  it('computes normals from the triangles when the submesh has none', async () => {
    const bytes = oneLod([submeshLlsd(TRIANGLE)]);
    const m = await decodeLlmeshLod(bytes, parseLlmeshHeader(bytes), 'high');
    for (let v = 0; v < 3; v++) expect([...m.normals.subarray(v * 3, v * 3 + 3)]).toEqual([0, 0, 1]);
  });

  it('a NoGeometry submesh keeps its face index and adds no vertices', async () => {
    const bytes = oneLod([submeshLlsd(TRIANGLE), NO_GEOMETRY, submeshLlsd(TRIANGLE)]);
    const m = await decodeLlmeshLod(bytes, parseLlmeshHeader(bytes), 'high');
    expect(m.faceCount).toBe(3);
    expect([...m.faces]).toEqual([0, 0, 0, 2, 2, 2]);
    expect([...m.indices]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a LOD the header does not list is asset_bad_mesh', async () => {
    const bytes = oneLod([submeshLlsd(TRIANGLE)]);
    expect(await code(decodeLlmeshLod(bytes, parseLlmeshHeader(bytes), 'low'))).toBe('asset_bad_mesh');
  });
});

describe('LLMesh LOD fallback', () => {
  const block = lodBlock([submeshLlsd(TRIANGLE)]);
  const cases: [Record<string, Uint8Array>, LlmeshLod[]][] = [
    [{ high_lod: block, medium_lod: block }, ['high', 'medium', 'medium', 'medium']],
    [{ high_lod: block, low_lod: block }, ['high', 'high', 'low', 'low']],
    [{ low_lod: block }, ['low', 'low', 'low', 'low']],
    [{ medium_lod: block, lowest_lod: block }, ['medium', 'medium', 'medium', 'lowest']],
  ];
  for (const [blocks, sources] of cases) {
    it(`with ${Object.keys(blocks).join(' + ')} the LODs come from ${sources.join(', ')}`, async () => {
      const d = await decodeLlmesh(llmeshAsset(blocks));
      expect(d.sources).toEqual(sources);
      expect(d.lods).toHaveLength(4);
      expect(d.submeshes).toBe(1);
      // A fallback is the very LOD it falls back to.
      for (let i = 0; i < 4; i++) expect(d.lods[i]).toBe(d.lods[sources.indexOf(sources[i] ?? 'high')]);
    });
  }

  it('an asset without any visual LOD is asset_bad_mesh', async () => {
    expect(await code(decodeLlmesh(llmeshAsset({ physics_mesh: block })))).toBe('asset_bad_mesh');
  });
});

describe('LLMesh rejects bad assets with a clear AssetError', () => {
  it('a truncated LOD block is rejected with asset_truncated', async () => {
    const bytes = oneLod([submeshLlsd(TRIANGLE)]);
    const e = await decodeLlmesh(bytes.subarray(0, bytes.length - 5)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AssetError);
    expect(e).toMatchObject({ code: 'asset_truncated' });
    expect(String((e as Error).message)).toMatch(/^assets: llmesh high_lod: the block \(bytes \d+\.\.\d+\) runs past the end/);
  });

  it('corrupt zlib data is rejected with asset_bad_format', async () => {
    const block = lodBlock([submeshLlsd(TRIANGLE)]);
    const corrupt = block.map((b, i) => (i < 2 ? b : b ^ 0x5a));
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: corrupt })))).toBe('asset_bad_format');
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: Uint8Array.from([1, 2, 3, 4]) })))).toBe('asset_bad_format');
    // A zlib stream cut short inside a block whose size says so.
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: block.subarray(0, block.length - 6) })))).toBe('asset_bad_format');
  });

  it('a block that inflates past 16 MiB is rejected with asset_too_large', async () => {
    const bomb = new Uint8Array(deflateSync(new Uint8Array(17 * 1024 * 1024)));
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: bomb })))).toBe('asset_too_large');
  });

  it('a block over 4 MiB compressed is rejected with asset_too_large before inflating', async () => {
    const header = encodeLlsdBinary(
      new Map<string, LlsdValue>([
        [
          'high_lod',
          new Map<string, LlsdValue>([
            ['offset', 0],
            ['size', 5 * 1024 * 1024],
          ]),
        ],
      ]),
    );
    let inflated = false;
    const inflate = async (): Promise<Uint8Array> => {
      inflated = true;
      return new Uint8Array(0);
    };
    expect(await code(decodeLlmesh(header, inflate))).toBe('asset_too_large');
    expect(inflated).toBe(false);
  });

  it('oversize counts are rejected before allocating', async () => {
    // An LLSD array announcing 2^32 - 1 submeshes in a few bytes.
    const huge = Uint8Array.from([0x5b, 0xff, 0xff, 0xff, 0xff, 0x21, 0x5d]);
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: new Uint8Array(deflateSync(huge)) })))).toBe('asset_truncated');
    // More vertices than a submesh may have.
    const big = new Map<string, LlsdValue>([
      ['Position', new Uint8Array(65_537 * 6)],
      ['TriangleList', new Uint8Array(6)],
    ]);
    expect(await code(decodeLlmesh(oneLod([big])))).toBe('asset_too_large');
    // More submeshes than SL's 8 faces.
    expect(await code(decodeLlmesh(oneLod(Array.from({ length: 9 }, () => submeshLlsd(TRIANGLE)))))).toBe('asset_bad_mesh');
  });

  it('malformed submeshes are rejected with asset_bad_mesh', async () => {
    const tri = submeshLlsd(TRIANGLE);
    const variants: [string, LlsdValue][] = [
      ['index out of range', new Map([...tri, ['TriangleList', Uint8Array.from([0, 0, 1, 0, 3, 0])]])],
      ['Position not a multiple of 6', new Map([...tri, ['Position', new Uint8Array(20)]])],
      ['TriangleList not a multiple of 6', new Map([...tri, ['TriangleList', new Uint8Array(4)]])],
      ['Normal length differs', new Map([...tri, ['Normal', new Uint8Array(12)]])],
      ['TexCoord0 length differs', new Map([...tri, ['TexCoord0', new Uint8Array(18)]])],
      ['Position not binary', new Map([...tri, ['Position', 'abc']])],
      ['no TriangleList', new Map([...tri].filter(([k]) => k !== 'TriangleList'))],
      ['bad domain', new Map([...tri, ['PositionDomain', new Map<string, LlsdValue>([['Min', [0, 0]]])]])],
      ['not a map', 7],
    ];
    for (const [why, sub] of variants) {
      expect(await code(decodeLlmesh(oneLod([sub]))), why).toBe('asset_bad_mesh');
    }
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: lodBlock([]) })))).toBe('asset_bad_mesh');
    expect(await code(decodeLlmesh(llmeshAsset({ high_lod: new Uint8Array(deflateSync(encodeLlsdBinary('x'))) })))).toBe(
      'asset_bad_mesh',
    );
  });

  it('an inflate function that throws anything is reported as an AssetError', async () => {
    const bytes = oneLod([submeshLlsd(TRIANGLE)]);
    const inflate = async (): Promise<Uint8Array> => {
      throw new TypeError('boom');
    };
    const e = await decodeLlmesh(bytes, inflate).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AssetError);
    expect(e).toMatchObject({ code: 'asset_bad_format', message: 'assets: llmesh high_lod: inflating failed (boom)' });
  });
});

/** A random submesh: vertices within a random domain and triangles over them. */
const submeshArb: fc.Arbitrary<TestSubmesh> = fc
  .record({
    lo: fc.tuple(
      fc.double({ min: -0.5, max: 0, noNaN: true }),
      fc.double({ min: -0.5, max: 0, noNaN: true }),
      fc.double({ min: -0.5, max: 0, noNaN: true }),
    ),
    span: fc.tuple(
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
    ),
    vertices: fc.integer({ min: 3, max: 40 }),
    withNormals: fc.boolean(),
    withUvs: fc.boolean(),
    seed: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40 * 3, maxLength: 40 * 3 }),
    triangles: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 30 }),
  })
  .map(({ lo, span, vertices, withNormals, withUvs, seed, triangles }) => {
    const min: [number, number, number] = [lo[0], lo[1], lo[2]];
    const max: [number, number, number] = [lo[0] + span[0], lo[1] + span[1], lo[2] + span[2]];
    const positions = Array.from({ length: vertices * 3 }, (_, i) => {
      const k = i % 3;
      return (min[k] ?? 0) + (seed[i] ?? 0) * ((max[k] ?? 0) - (min[k] ?? 0));
    });
    const s: TestSubmesh = { positions, triangles: triangles.flatMap((t) => t.map((k) => k % vertices)), domain: { min, max } };
    if (withNormals) s.normals = Array.from({ length: vertices * 3 }, (_, i) => (i % 3 === 2 ? 1 : (seed[i] ?? 0) - 0.5));
    if (withUvs) s.uvs = Array.from({ length: vertices * 2 }, (_, i) => seed[i] ?? 0);
    return s;
  });

describe('LLMesh properties', () => {
  it('random valid meshes decode to the same triangles and positions within quantisation error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(submeshArb, { freq: 5 }), { minLength: 1, maxLength: 8 }), async (subs) => {
        const bytes = oneLod(subs.map((s) => (s ? submeshLlsd(s) : NO_GEOMETRY)));
        const m = (await decodeLlmesh(bytes)).lods[0];
        if (!m) throw new Error('no LOD');
        expect(m.faceCount).toBe(subs.length);
        let base = 0;
        let at = 0;
        subs.forEach((s, f) => {
          if (!s) return;
          const n = s.positions.length / 3;
          const dom = s.domain ?? { min: [-0.5, -0.5, -0.5], max: [0.5, 0.5, 0.5] };
          for (let i = 0; i < n * 3; i++) {
            const step = ((dom.max[i % 3] ?? 0) - (dom.min[i % 3] ?? 0)) / 65535;
            expect(Math.abs((m.positions[base * 3 + i] ?? 0) - (s.positions[i] ?? 0))).toBeLessThanOrEqual(step / 2 + 1e-6);
          }
          for (let i = 0; i < n; i++) expect(m.faces[base + i]).toBe(f);
          for (const k of s.triangles) expect(m.indices[at++]).toBe(base + k);
          base += n;
        });
        expect(m.vertexCount).toBe(base);
        expect(m.indexCount).toBe(at);
        for (let v = 0; v < m.vertexCount; v++) {
          expect(Math.hypot(m.normals[v * 3] ?? 0, m.normals[v * 3 + 1] ?? 0, m.normals[v * 3 + 2] ?? 0)).toBeCloseTo(1, 5);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes never throw anything but AssetError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        await decodeLlmesh(bytes).catch((e: unknown) => expect(e).toBeInstanceOf(AssetError));
      }),
      { numRuns: 500 },
    );
  });

  it('damaged assets (cut, bytes changed, random blocks) never throw anything but AssetError', async () => {
    const good = llmeshAsset({
      high_lod: lodBlock([
        submeshLlsd({ ...TRIANGLE, normals: [0, 0, 1, 0, 0, 1, 0, 0, 1], uvs: [0, 0, 1, 0, 0, 1] }),
        NO_GEOMETRY,
      ]),
      medium_lod: lodBlock([submeshLlsd(TRIANGLE)]),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        async (cut, edits) => {
          const bytes = good.slice(0, cut);
          for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
          await decodeLlmesh(bytes).catch((e: unknown) => expect(e).toBeInstanceOf(AssetError));
        },
      ),
      { numRuns: 500 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (inner) => {
        const bytes = llmeshAsset({ high_lod: new Uint8Array(deflateSync(inner)) });
        await decodeLlmesh(bytes).catch((e: unknown) => expect(e).toBeInstanceOf(AssetError));
      }),
      { numRuns: 300 },
    );
  });
});
