/** The glTF container and structure checks: the fixture passes, hostile bytes get their codes, nothing else is thrown. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGltf, dataUriBytes, GltfError } from '../../../../shared/assets/gltf-check';
import { boxGlb, buildGlb, glbParts, gltfJsonOf } from '../../../support/gltf-models';

const house = new Uint8Array(readFileSync(new URL('../../../support/fixtures/models/house.glb', import.meta.url)));

/** Runs the check; returns 'ok' or the GltfError's code, and fails the test on anything else thrown. */
function outcome(bytes: Uint8Array): string {
  try {
    checkGltf(bytes);
    return 'ok';
  } catch (err) {
    if (err instanceof GltfError) {
      expect(err.message).toMatch(/^gltf: /);
      return err.code;
    }
    throw err;
  }
}

describe('checkGltf', () => {
  it('accepts the house fixture: its scene bounds (z up), vertices and triangles', () => {
    const r = checkGltf(house);
    expect(r.format).toBe('glb');
    expect(r.vertices).toBe(36);
    expect(r.triangles).toBe(16);
    // The body is 2 m; the roof (2.4 m, turned 45° about up) sticks out: 1.2·√2·2 = 3.39 m; 3 m high.
    expect(r.size[0]).toBeCloseTo(2.4 * Math.SQRT2, 5);
    expect(r.size[1]).toBeCloseTo(2.4 * Math.SQRT2, 5);
    expect(r.size[2]).toBeCloseTo(3, 5);
    expect(r.center[2]).toBeCloseTo(0.5, 5);
  });

  it('accepts glTF JSON with its buffer in a data: URI, and refuses the same buffer as an external file', async () => {
    const glb = await boxGlb({ size: 2 });
    expect(checkGltf(gltfJsonOf(glb))).toMatchObject({ format: 'gltf', size: [2, 2, 2] });
    const { json, bin } = glbParts(glb);
    const external = new TextEncoder().encode(JSON.stringify({ ...json, buffers: [{ byteLength: bin.length, uri: 'box.bin' }] }));
    expect(outcome(external)).toBe('gltf_external_uri');
  });

  it('refuses broken framing: trailing bytes, a BIN chunk out of place, an odd chunk length, a missing BIN chunk', async () => {
    const glb = await boxGlb();
    const { json } = glbParts(glb);
    const trailing = new Uint8Array(glb.length + 4);
    trailing.set(glb);
    expect(outcome(trailing)).toBe('gltf_bad_container');
    const noBin = buildGlb(json, new Uint8Array(0));
    expect(outcome(noBin)).toBe('gltf_truncated');
    const odd = glb.slice();
    new DataView(odd.buffer).setUint32(12, new DataView(glb.buffer).getUint32(12, true) + 1, true);
    expect(outcome(odd)).toBe('gltf_bad_container');
    expect(outcome(new Uint8Array(0))).toBe('gltf_truncated');
    expect(outcome(glb.slice(0, 16))).toBe('gltf_truncated');
  });

  it('refuses accessors that are misaligned, out of their view, or sparse, and references to missing objects', async () => {
    const { json, bin } = glbParts(await boxGlb());
    const acc = json.accessors ?? [];
    const withAccessor = (i: number, patch: Record<string, unknown>) =>
      buildGlb({ ...json, accessors: acc.map((a, k) => (k === i ? { ...a, ...patch } : a)) }, bin);
    expect(outcome(withAccessor(0, { byteOffset: 2, count: 7 }))).toBe('gltf_bad_json');
    expect(outcome(withAccessor(0, { byteOffset: 4096 }))).toBe('gltf_out_of_bounds');
    expect(outcome(withAccessor(0, { bufferView: 99 }))).toBe('gltf_out_of_bounds');
    expect(outcome(withAccessor(0, { sparse: { count: 1 } }))).toBe('gltf_unsupported');
    expect(outcome(buildGlb({ ...json, nodes: [{ mesh: 7 }] }, bin))).toBe('gltf_out_of_bounds');
    expect(outcome(buildGlb({ ...json, scene: 3 }, bin))).toBe('gltf_out_of_bounds');
    expect(outcome(buildGlb({ ...json, meshes: [], nodes: [{}] }, bin))).toBe('gltf_unsupported');
    // More nodes than the limit is a model too large, not a malformed one.
    expect(outcome(buildGlb({ ...json, nodes: Array.from({ length: 4097 }, () => ({})) }, bin))).toBe('gltf_too_large');
  });

  it('counts a base64 data: URI the way a decoder does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const uri = `data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`;
        expect(dataUriBytes(uri, 'buffer')).toBe(bytes.length);
        expect(dataUriBytes(uri, 'image')).toBeNull();
      }),
    );
    expect(dataUriBytes('data:application/octet-stream,plain', 'buffer')).toBeNull();
    expect(dataUriBytes('data:image/png;base64,@@@@', 'image')).toBeNull();
  });
});

describe('checkGltf: properties', () => {
  it('random bytes never throw anything but GltfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => void outcome(bytes)),
      { numRuns: 2000 },
    );
  });

  it('random bytes behind a valid GLB header never throw anything but GltfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (tail) => {
        const bytes = new Uint8Array(12 + tail.length);
        const view = new DataView(bytes.buffer);
        view.setUint32(0, 0x46546c67, true);
        view.setUint32(4, 2, true);
        view.setUint32(8, bytes.length, true);
        bytes.set(tail, 12);
        outcome(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('the fixture with bytes changed or cut never throws anything but GltfError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(house.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.nat(house.length),
        (flips, cut) => {
          const bytes = house.slice(0, Math.max(1, cut));
          for (const [at, v] of flips) if (at < bytes.length) bytes[at] = v;
          outcome(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the fixture JSON with any property replaced by any value never throws anything but GltfError', () => {
    const { json, bin } = glbParts(house);
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]): void => {
      if (path.length > 0) paths.push(path);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
    };
    walk(json, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        const copy = structuredClone(json) as Record<string, unknown>;
        let at: Record<string, unknown> = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
        at[path[path.length - 1] ?? ''] = value;
        outcome(buildGlb(copy, bin));
      }),
      { numRuns: 1500 },
    );
  });
});
