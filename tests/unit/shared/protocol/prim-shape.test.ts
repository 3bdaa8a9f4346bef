import { describe, expect, it } from 'vitest';
import {
  decodeServerMessage,
  encodeServerMessage,
  PRIM_SHAPE_FIELDS,
  PRIM_SHAPE_KEYS,
  PRIM_SHAPE_KINDS,
  PrimShape,
  pickPrimShape,
  primShapeFromOpenSim,
  SHAPE_PRESETS,
} from '../../../../shared/protocol';

const base = SHAPE_PRESETS.box;

/** A delta carrying only one entity's shape, through the codec and back. */
function roundTrip(shape: PrimShape): unknown {
  const msg = decodeServerMessage(encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1, shape }] }));
  return msg.type === 'delta' ? msg.entities[0]?.shape : undefined;
}

describe('prim shape table', () => {
  it('lists the 18 OpenSim fields once, in wire order, with the kinds the ECS component uses', () => {
    expect(PRIM_SHAPE_KEYS).toHaveLength(18);
    expect(new Set(PRIM_SHAPE_KEYS).size).toBe(18);
    expect(Object.keys(PRIM_SHAPE_KINDS)).toEqual(PRIM_SHAPE_KEYS);
    expect(Object.keys(PrimShape.shape)).toEqual(PRIM_SHAPE_KEYS);
    for (const f of PRIM_SHAPE_FIELDS) expect(PRIM_SHAPE_KINDS[f.name]).toBe(f.kind);
  });

  it('the shape block is 1 byte per u8/i8 field and 2 per u16 field', () => {
    const bytes = PRIM_SHAPE_FIELDS.reduce((n, f) => n + (f.kind === 'u16' ? 2 : 1), 0);
    const full = encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1, shape: base }] });
    const bare = encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1 }] });
    expect(full.length - bare.length).toBe(bytes);
  });

  for (const f of PRIM_SHAPE_FIELDS) {
    it(`${f.name} (${f.kind}) round-trips its whole range and the schema rejects values outside it`, () => {
      for (const v of [f.min, f.min + 1, Math.floor((f.min + f.max) / 2), f.max - 1, f.max]) {
        const shape = { ...base, [f.name]: v };
        expect(PrimShape.safeParse(shape).success).toBe(true);
        expect(roundTrip(shape)).toEqual(shape);
      }
      expect(PrimShape.safeParse({ ...base, [f.name]: f.min - 1 }).success).toBe(false);
      expect(PrimShape.safeParse({ ...base, [f.name]: f.max + 1 }).success).toBe(false);
      expect(PrimShape.safeParse({ ...base, [f.name]: f.min + 0.5 }).success).toBe(false);
    });
  }

  it('picks the shape fields from a larger record and from OpenSim-named fields', () => {
    const shape = { ...base, pathTwist: -7, profileHollow: 40000 };
    expect(pickPrimShape({ ...shape, extra: 1 } as PrimShape)).toEqual(shape);
    const openSim = Object.fromEntries(PRIM_SHAPE_FIELDS.map((f) => [f.openSimName, shape[f.name]]));
    expect(primShapeFromOpenSim(openSim as Parameters<typeof primShapeFromOpenSim>[0])).toEqual(shape);
    expect(PRIM_SHAPE_FIELDS[0]?.openSimName).toBe('PathCurve');
  });
});
