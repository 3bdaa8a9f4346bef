/** Plugin queries: equivalent specs normalize to one key (property), answers are cached per tick, hits and misses counted. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorld } from '../../../../web/engine';
import { normalizeQuery, PluginQueries, QUERYABLE } from '../../../../web/plugin-runtime/plugin-queries';
import { Avatar, Local, Shape, Transform, VIEWER_COMPONENTS } from '../../../../web/scene/components';

const names = Object.keys(QUERYABLE);
const subset = fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 4 });

describe('plugin query normalization', () => {
  it('gives one key to a query, its components in any order, and its components repeated', () => {
    fc.assert(
      fc.property(subset, fc.array(fc.constantFrom(...names), { maxLength: 3 }), fc.nat(), (all, none, seed) => {
        const shuffled = [...all].sort((a, b) => ((a.charCodeAt(0) * 31 + seed) % 7) - ((b.charCodeAt(0) * 31 + seed) % 7));
        const repeated = [...shuffled, ...all];
        const a = normalizeQuery('p', { all, none });
        const b = normalizeQuery('p', { all: repeated, none: [...none].reverse() });
        expect(b.key).toBe(a.key);
      }),
    );
  });

  it('keeps different queries apart', () => {
    expect(normalizeQuery('p', { all: ['Transform', 'Shape'] }).key).not.toBe(
      normalizeQuery('p', { any: ['Transform', 'Shape'] }).key,
    );
    expect(normalizeQuery('p', { all: ['Avatar'] }).key).not.toBe(normalizeQuery('p', { all: ['Avatar'], none: ['Local'] }).key);
  });

  it('refuses unknown components, non-lists and empty queries with plugin_bad_query', () => {
    fc.assert(
      fc.property(fc.anything(), (spec) => {
        try {
          normalizeQuery('p', spec);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('plugin_bad_query');
          expect((err as Error).message).toMatch(/^plugins: p: /);
        }
      }),
    );
    expect(() => normalizeQuery('p', { all: ['Password'] })).toThrow(/components: Transform/);
    expect(() => normalizeQuery('p', {})).toThrow(/at least one component/);
  });
});

describe('the per-tick query cache', () => {
  it('answers equivalent queries of one tick from one result, counts hits and misses per plugin, and forgets on the next tick', () => {
    const world = createWorld({ components: [...VIEWER_COMPONENTS], capacity: 64 });
    const prim = world.create(Transform, Shape);
    world.set(prim, Transform, { position: [1, 2, 3] });
    world.create(Transform, Avatar);
    world.create(Transform, Shape, Local);
    const q = new PluginQueries(world);
    q.nextTick(1);
    const a = q.run('a', { all: ['Transform', 'Shape'] });
    const b = q.run('b', { all: ['Shape', 'Transform'] });
    expect(b).toBe(a);
    expect(a.count).toBe(2);
    expect(a.rows.map((r) => r.kind).sort()).toEqual(['local', 'prim']);
    expect(a.rows.find((r) => r.id === prim)?.position).toEqual([1, 2, 3]);
    expect(Object.isFrozen(a.rows[0])).toBe(true);
    expect(q.statsOf('a')).toEqual({ hits: 0, misses: 1 });
    expect(q.statsOf('b')).toEqual({ hits: 1, misses: 0 });
    // The engine's own cache answered it too (the world's cached query, normalized the same way).
    const engineHits = world.cacheStats.hits;
    world.query({ all: [Shape, Transform] });
    expect(world.cacheStats.hits).toBe(engineHits + 1);
    q.nextTick(2);
    world.create(Transform, Shape);
    expect(q.run('a', { all: ['Transform', 'Shape'] }).count).toBe(3);
    expect(q.statsOf('a')).toEqual({ hits: 0, misses: 2 });
  });
});
