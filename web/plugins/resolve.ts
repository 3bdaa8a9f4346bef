/**
 * Dependency resolution by semver: from the manifests at hand (loaded plugins and those being loaded), the order
 * to start them in, dependencies first. Missing, mismatched and cyclic dependencies are refused with the name and
 * the range.
 */
import semver from 'semver';
import { PluginCode, pluginError } from './errors';

/** What the resolver needs of a manifest. */
export interface ResolvableManifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

/**
 * The start order of `roots` and everything they depend on, each after its dependencies. `available` holds every
 * manifest at hand by name (one version each). Throws `plugin_missing_dependency`, `plugin_dependency_mismatch`
 * or `plugin_dependency_cycle`.
 */
export function resolveOrder(roots: readonly string[], available: ReadonlyMap<string, ResolvableManifest>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw pluginError(PluginCode.DependencyCycle, `dependency cycle: ${cycle.join(' -> ')}`);
    }
    const manifest = available.get(name);
    if (!manifest) throw pluginError(PluginCode.MissingDependency, `no plugin named ${name}`);
    state.set(name, 'visiting');
    for (const [dep, range] of Object.entries(manifest.dependencies)) {
      const target = available.get(dep);
      if (!target) throw pluginError(PluginCode.MissingDependency, `${name} needs ${dep} ${range}, which is not available`);
      if (state.get(dep) !== 'visiting' && !semver.satisfies(target.version, range))
        throw pluginError(PluginCode.DependencyMismatch, `${name} needs ${dep} ${range}, but ${dep} is ${target.version}`);
      visit(dep, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const root of roots) visit(root, []);
  return order;
}
