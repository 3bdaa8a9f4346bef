/** Per-plugin storage over IndexedDB (web/plugins/storage.ts), on fake-indexeddb's implementation of IndexedDB. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexedDbStorage } from '../../../../web/plugins/storage';

const fresh = (limitBytes?: number) => {
  const factory = new IDBFactory();
  const make = () => indexedDbStorage({ factory, keyRange: IDBKeyRange, ...(limitBytes ? { limitBytes } : {}) });
  return { factory, make };
};

describe('plugin storage', () => {
  it('keeps values per plugin across storage instances on the same database (a page load)', async () => {
    const { make } = fresh();
    const a = make();
    await a.set('keeper', 'count', '1');
    await a.set('other', 'count', 'theirs');
    const b = make();
    expect(await b.get('keeper', 'count')).toBe('1');
    expect(await b.get('other', 'count')).toBe('theirs');
    expect(await b.get('nobody', 'count')).toBeNull();
    await b.set('keeper', 'count', null);
    expect(await make().get('keeper', 'count')).toBeNull();
    expect(await make().get('other', 'count')).toBe('theirs');
  });

  it('refuses a write past the limit with plugin_budget_exceeded and keeps what was there', async () => {
    const { make } = fresh(100);
    const s = make();
    await s.set('p', 'k', 'x'.repeat(90));
    await expect(s.set('p', 'j', 'y'.repeat(20))).rejects.toMatchObject({ pluginCode: 'plugin_budget_exceeded' });
    // Replacing a key counts the new value, not both.
    await s.set('p', 'k', 'z'.repeat(98));
    expect(await make().get('p', 'k')).toBe('z'.repeat(98));
    expect(await s.used('p')).toBe(99);
  });

  it('concurrent writes never exceed the limit together (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 60 })), { maxLength: 12 }),
        async (writes) => {
          const { make } = fresh(100);
          const s = make();
          await Promise.allSettled(writes.map(([k, n]) => s.set('p', k, 'v'.repeat(n))));
          expect(await make().used('p')).toBeLessThanOrEqual(100);
          expect(await make().used('p')).toBe(await s.used('p'));
        },
      ),
      { numRuns: 40 },
    );
  });
});
