import { describe, expect, it } from 'vitest';
import { shapeName } from '../../../../shared/geometry/prim-shape-name';
import { SHAPE_PRESETS } from '../../../../shared/protocol';

describe('shapeName', () => {
  it('names each of the build menu presets by the shape it makes', () => {
    for (const [name, shape] of Object.entries(SHAPE_PRESETS)) expect(shapeName(shape)).toBe(name);
  });

  it('calls a straight half-circle profile a half-cylinder', () => {
    expect(shapeName({ ...SHAPE_PRESETS.box, profileCurve: 5 })).toBe('half-cylinder');
  });
});
