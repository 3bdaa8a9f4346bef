/**
 * Rapier in workerd: the compat package compiles its wasm from bytes at run time, which Workers forbid. In the
 * Worker's environments this plugin resolves `@dimforge/rapier3d-compat` to edge/physics/rapier-compat.ts (the
 * module build of Rapier) and that build's `./rapier_wasm3d` to edge/physics/rapier-wasm.ts (instantiates the
 * compiled module). Browsers and Node keep the compat package.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export function rapierForWorkerd(): Plugin {
  const compat = file('../edge/physics/rapier-compat.ts');
  const wasm = file('../edge/physics/rapier-wasm.ts');
  return {
    name: 'stormcore:rapier-workerd',
    enforce: 'pre',
    applyToEnvironment: (environment) => environment.config.consumer === 'server',
    // Rapier's module build must go through this plugin, not the dependency pre-bundler.
    // (The Cloudflare plugin marks its environments as servers later than this hook sees them.)
    configEnvironment: (name, config) => {
      if (name === 'client' || config.consumer === 'client') return;
      return {
        optimizeDeps: {
          exclude: [
            '@dimforge/rapier3d',
            '@dimforge/rapier3d/exports.js',
            '@dimforge/rapier3d/rapier_wasm3d_bg.js',
            '@dimforge/rapier3d-compat',
          ],
        },
      };
    },
    resolveId(source, importer) {
      if (source === '@dimforge/rapier3d-compat') return compat;
      if ((source === './rapier_wasm3d' || source === './rapier_wasm3d.js') && importer?.includes('@dimforge/rapier3d/'))
        return wasm;
      return null;
    },
  };
}
