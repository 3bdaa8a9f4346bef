/**
 * `@dimforge/rapier3d-compat` as workerd sees it: the same API from the module build of Rapier (whose wasm
 * edge/physics/rapier-wasm.ts instantiates at import), with an `init` that has nothing left to do. Browsers and
 * Node use the compat package itself; scripts/vite-rapier-workerd.ts swaps this in for the Worker's build.
 */
import * as rapier from '@dimforge/rapier3d/exports.js';

export * from '@dimforge/rapier3d/exports.js';

/** Nothing to wait for: the module is instantiated when it is imported. */
export async function init(): Promise<void> {}

export default { ...rapier, init };
