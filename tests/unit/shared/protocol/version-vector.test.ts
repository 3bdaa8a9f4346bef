import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, incrementVersion, mergeVersions } from '../../../../shared/protocol';

describe('version vectors', () => {
  it('orders equal, before, after and concurrent vectors', () => {
    expect(compareVersions({ a: 1 }, { a: 1 })).toBe('equal');
    expect(compareVersions({}, { a: 0 })).toBe('equal');
    expect(compareVersions({ a: 1 }, { a: 2 })).toBe('before');
    expect(compareVersions({ a: 2, b: 1 }, { a: 2 })).toBe('after');
    expect(compareVersions({ a: 1 }, { b: 1 })).toBe('concurrent');
  });

  it('stamping after incrementing makes the new vector strictly after the old one', () => {
    const v = { a: 3, b: 1 };
    expect(compareVersions(incrementVersion(v, 'b'), v)).toBe('after');
  });

  it('merge is the element-wise maximum and dominates both inputs', () => {
    const vec = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.nat(5));
    fc.assert(
      fc.property(vec, vec, (x, y) => {
        const m = mergeVersions(x, y);
        expect(['after', 'equal']).toContain(compareVersions(m, x));
        expect(['after', 'equal']).toContain(compareVersions(m, y));
        expect(mergeVersions(y, x)).toEqual(m);
      }),
    );
  });
});
