/** LayerData terrain: OpenSim's land patches match node-metaverse's heights; var-region layers and bad streams. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, LludpError } from '../../../../shared/lludp';
import { decodeLayerData, LayerType } from '../../../../shared/lludp/layer-data';
import { BitWriter, toExtendedLand } from '../../../support/layer-bits';
import { sessionDatagrams, sessionExpected } from './session-fixture';

const layers = sessionDatagrams
  .map((d) => decodePacket(d).message)
  .flatMap((m) => (m.name === 'LayerData' ? [{ type: m.blocks.LayerID.Type, data: m.blocks.LayerData.Data }] : []));
const land = layers.filter((l) => l.type === LayerType.land);

describe('LayerData terrain', () => {
  it('OpenSim land patches decode to the heights node-metaverse computed, covering the whole 256 m region', () => {
    const heights = new Map<string, number>();
    for (const l of land) {
      const d = decodeLayerData(l.type, l.data);
      expect(d.patchSize).toBe(16);
      for (const p of d.patches) {
        for (let j = 0; j < 16; j++)
          for (let i = 0; i < 16; i++) heights.set(`${p.x * 16 + i},${p.y * 16 + j}`, p.values[j * 16 + i] ?? 0);
      }
    }
    expect(heights.size).toBe(256 * 256);
    for (const [x, y, h] of sessionExpected.terrain) expect(heights.get(`${x},${y}`)).toBeCloseTo(h, 4);
  });

  it('var-region land (0x4D) carries 32-bit patch ids and decodes the same heights at patch coordinates beyond 31', () => {
    for (const l of land) {
      const normal = decodeLayerData(l.type, l.data);
      const extended = decodeLayerData(LayerType.landExtended, toExtendedLand(l.data, 40, 100));
      expect(extended.patches.map((p) => [p.x, p.y])).toEqual(normal.patches.map((p) => [p.x + 40, p.y + 100]));
      expect(extended.patches.map((p) => p.values)).toEqual(normal.patches.map((p) => p.values));
    }
  });

  it('a patch with no coefficients is flat at dcOffset + range / 2', () => {
    const data = new BitWriter().bits(16, 16).bits(16, 8).bits(LayerType.land, 8);
    data
      .bits(0x28, 8)
      .float(20)
      .bits(10, 16)
      .bits((3 << 5) | 4, 10)
      .bits(1, 1)
      .bits(0, 1);
    data.bits(97, 8);
    const d = decodeLayerData(LayerType.land, data.bytes());
    expect(d.patches).toHaveLength(1);
    expect(d.patches[0]).toMatchObject({ x: 3, y: 4 });
    for (const v of d.patches[0]?.values ?? []) expect(v).toBeCloseTo(25, 5);
  });

  it('rejects an unknown layer type and a patch size other than 16', () => {
    expect(() => decodeLayerData(0x42, new Uint8Array(8))).toThrowError(/layer type 0x42 is unknown/);
    const big = new BitWriter().bits(32, 16).bits(32, 8).bits(LayerType.land, 8).bits(97, 8).bytes();
    expect(() => decodeLayerData(LayerType.land, big)).toThrowError(/patch size 32 is not supported/);
  });

  it('truncated, mutated and random streams fail only with LludpError', () => {
    const sample = land[0]?.data ?? new Uint8Array(0);
    fc.assert(
      fc.property(
        fc.nat(sample.length),
        fc.nat(sample.length),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 600 }),
        (cut, at, value, junk) => {
          const mutated = sample.slice();
          mutated[at] = value;
          for (const [type, data] of [
            [LayerType.land, sample.subarray(0, cut)],
            [LayerType.land, mutated],
            [LayerType.landExtended, mutated],
            [LayerType.land, junk],
          ] as const) {
            try {
              decodeLayerData(type, data);
            } catch (e) {
              expect(e).toBeInstanceOf(LludpError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
