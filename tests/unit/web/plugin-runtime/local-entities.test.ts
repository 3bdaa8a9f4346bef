/** world:local entities: what a spec may say (property), the per-plugin count limit, ownership, removal. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorld } from '../../../../web/engine';
import { MAX_LOCAL_PER_PLUGIN, PluginLocals } from '../../../../web/plugin-runtime/local-entities';
import { PluginQueries } from '../../../../web/plugin-runtime/plugin-queries';
import { TrustedRunner } from '../../../../web/plugin-runtime/trusted-runner';
import { Faces, Local, NetId, Transform, VIEWER_COMPONENTS } from '../../../../web/scene/components';

const world = () => createWorld({ components: [...VIEWER_COMPONENTS], capacity: 4096 });

describe('local entities', () => {
  it('makes an entity from any valid spec, and refuses anything else with a plugin code (never another error)', () => {
    const w = world();
    let structural = 0;
    const locals = new PluginLocals(w, () => structural++);
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ position: fc.array(fc.double(), { maxLength: 4 }), shape: fc.string() })),
        (spec) => {
          try {
            const id = locals.create('p', spec);
            expect(w.has(id, Local)).toBe(true);
            locals.remove('p', id);
          } catch (err) {
            expect(['plugin_bad_message', 'plugin_local_limit']).toContain((err as { code?: string }).code);
          }
        },
      ),
    );
    const id = locals.create('p', { shape: 'torus', color: [0, 0.5, 1, 0.5], position: [1, 2, 3], scale: [2, 2, 2] });
    expect(w.get(id, Transform).position).toEqual([1, 2, 3]);
    expect(Array.from(w.get(id, Faces).rgba).slice(0, 4)).toEqual([0, 128, 255, 128]);
    expect(w.has(id, NetId)).toBe(false);
    expect(structural).toBeGreaterThan(0);
  });

  it('keeps each plugin to its own entities and its limit, and removes them all on unload', () => {
    const w = world();
    const locals = new PluginLocals(w, () => {});
    const mine = Array.from({ length: MAX_LOCAL_PER_PLUGIN }, (_, i) => locals.create('a', { position: [i, 0, 0] }));
    expect(() => locals.create('a', { position: [0, 0, 0] })).toThrow(expect.objectContaining({ code: 'plugin_local_limit' }));
    const theirs = locals.create('b', { position: [0, 0, 0] });
    expect(() => locals.remove('a', theirs)).toThrow(expect.objectContaining({ code: 'plugin_permission_denied' }));
    expect(() => locals.update('a', theirs, { position: [1, 1, 1] })).toThrow(/not one of its local entities/);
    locals.update('a', mine[0], { position: [9, 9, 9] });
    expect(w.get(mine[0] as number, Transform).position).toEqual([9, 9, 9]);
    expect(locals.removeAll('a')).toBe(MAX_LOCAL_PER_PLUGIN);
    expect(locals.count('a')).toBe(0);
    expect(locals.count('b')).toBe(1);
    expect(w.isAlive(theirs)).toBe(true);
  });
});

describe('the trusted runner door', () => {
  it('never throws on whatever the host channel carries', () => {
    const w = world();
    const runner = new TrustedRunner(new PluginLocals(w, () => {}), new PluginQueries(w), () => {});
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom('call', 'events', 'chat', 'reply', 'load', 'unload', 'world', 'x'), (m, t) => {
        runner.command(m);
        runner.command({ name: 'p', message: { t, ...(typeof m === 'object' && m !== null ? m : { v: m }) } });
      }),
    );
    expect(runner.names()).toEqual([]);
  });
});
