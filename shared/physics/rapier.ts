/**
 * Loading Rapier: the one import of the physics engine. Browsers and Node run the compat build (its wasm is
 * inlined); the edge's Worker build swaps in the module build (scripts/vite-rapier-workerd.ts), because Workers
 * may not compile wasm from bytes at run time.
 */
import RAPIER from '@dimforge/rapier3d-compat';

/** The Rapier API (the compat package's namespace). */
export type Rapier = typeof RAPIER;

let loaded: Rapier | null = null;
let pending: Promise<Rapier> | null = null;

/**
 * Rapier, initialised once per realm. Once loaded the module itself is kept, not a promise: workerd does not let
 * one Durable Object instance await a promise made by another (a new instance after hibernation would hang).
 */
export async function loadRapier(): Promise<Rapier> {
  if (loaded) return loaded;
  pending ??= RAPIER.init().then(() => {
    loaded = RAPIER;
    pending = null;
    return RAPIER;
  });
  return pending;
}
