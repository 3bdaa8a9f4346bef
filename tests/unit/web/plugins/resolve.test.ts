/** Dependency resolution by semver (web/plugins/resolve.ts): order, and refusals naming the plugin and the range. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PluginError } from '../../../../web/plugins/errors';
import { type ResolvableManifest, resolveOrder } from '../../../../web/plugins/resolve';

const m = (name: string, version: string, dependencies: Record<string, string> = {}): ResolvableManifest => ({
  name,
  version,
  dependencies,
});
const graph = (...ms: ResolvableManifest[]) => new Map(ms.map((x) => [x.name, x]));

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof PluginError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('plugin dependency resolution', () => {
  it('orders dependencies before their dependents', () => {
    const g = graph(m('app', '1.0.0', { ui: '^2.0.0', log: '~1.1.0' }), m('ui', '2.3.1', { log: '>=1.0.0' }), m('log', '1.1.4'));
    expect(resolveOrder(['app'], g)).toEqual(['log', 'ui', 'app']);
  });

  it('refuses a missing dependency with its name and range', () => {
    const f = failure(() => resolveOrder(['app'], graph(m('app', '1.0.0', { ui: '^2.0.0' }))));
    expect(f.code).toBe('plugin_missing_dependency');
    expect(f.message).toBe('plugins: app needs ui ^2.0.0, which is not available');
  });

  it('refuses a version outside the range with both named', () => {
    const f = failure(() => resolveOrder(['app'], graph(m('app', '1.0.0', { ui: '^2.0.0' }), m('ui', '3.0.0'))));
    expect(f.code).toBe('plugin_dependency_mismatch');
    expect(f.message).toBe('plugins: app needs ui ^2.0.0, but ui is 3.0.0');
  });

  it('refuses a cycle and spells it out', () => {
    const f = failure(() =>
      resolveOrder(['a'], graph(m('a', '1.0.0', { b: '1' }), m('b', '1.0.0', { c: '1' }), m('c', '1.0.0', { a: '1' }))),
    );
    expect(f.code).toBe('plugin_dependency_cycle');
    expect(f.message).toBe('plugins: dependency cycle: a -> b -> c -> a');
  });

  // Random DAGs: plugin i may depend only on plugins j < i, so there is never a cycle.
  const dag = fc
    .integer({ min: 1, max: 12 })
    .chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
        fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { minLength: n, maxLength: n }),
      ),
    )
    .map(([n, edges, versions]) => {
      const ms: ResolvableManifest[] = [];
      for (let i = 0; i < n; i++) {
        const deps: Record<string, string> = {};
        for (let j = 0; j < i; j++) if (edges[i]?.[j]) deps[`p${j}`] = `${versions[j]?.[0]}.x`;
        ms.push(m(`p${i}`, `${versions[i]?.[0]}.${versions[i]?.[1]}.0`, deps));
      }
      return ms;
    });

  it('resolves every DAG with each plugin after all its dependencies (property)', () => {
    fc.assert(
      fc.property(dag, (ms) => {
        const g = graph(...ms);
        const root = ms[ms.length - 1] as ResolvableManifest;
        const order = resolveOrder([root.name], g);
        expect(new Set(order).size).toBe(order.length);
        expect(order[order.length - 1]).toBe(root.name);
        for (const name of order)
          for (const dep of Object.keys(g.get(name)?.dependencies ?? {}))
            expect(order.indexOf(dep)).toBeLessThan(order.indexOf(name));
      }),
    );
  });

  it('refuses any back edge as a cycle, and any removed plugin as missing, naming it (property)', () => {
    fc.assert(
      fc.property(
        dag.filter((ms) => ms.length >= 2),
        fc.nat(),
        (ms, pick) => {
          const last = ms[ms.length - 1] as ResolvableManifest;
          const dep = Object.keys(last.dependencies)[0];
          if (dep === undefined) return;
          // Missing: drop a dependency of the root.
          const without = graph(...ms.filter((x) => x.name !== dep));
          const missing = failure(() => resolveOrder([last.name], without));
          expect(missing.code).toBe('plugin_missing_dependency');
          expect(missing.message).toContain(dep);
          // Cycle: make the dependency (or something it reaches) depend back on the root.
          const target = ms.find((x) => x.name === dep) as ResolvableManifest;
          const cyclic = graph(...ms.filter((x) => x !== target), {
            ...target,
            dependencies: { ...target.dependencies, [last.name]: '*' },
          });
          const cycle = failure(() => resolveOrder([last.name], cyclic));
          expect(cycle.code).toBe('plugin_dependency_cycle');
          expect(cycle.message).toContain(`${last.name} -> `);
          void pick;
        },
      ),
    );
  });

  it('refuses a version bumped out of its range as a mismatch (property)', () => {
    fc.assert(
      fc.property(
        dag.filter((ms) => ms.length >= 2),
        (ms) => {
          const last = ms[ms.length - 1] as ResolvableManifest;
          const [dep, range] = Object.entries(last.dependencies)[0] ?? [];
          if (dep === undefined || range === undefined) return;
          const major = Number(range.split('.')[0]) + 1;
          const g = graph(...ms.map((x) => (x.name === dep ? { ...x, version: `${major}.0.0` } : x)));
          const f = failure(() => resolveOrder([last.name], g));
          expect(f.code).toBe('plugin_dependency_mismatch');
          expect(f.message).toContain(`needs ${dep} ${range}`);
        },
      ),
    );
  });
});
