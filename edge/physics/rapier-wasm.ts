/**
 * Rapier's WebAssembly for workerd, which may not compile code from bytes at run time: the Cloudflare plugins
 * hand us the .wasm file as a compiled module (CompiledWasm), and we instantiate it against Rapier's own glue.
 * scripts/vite-rapier-workerd.ts points Rapier's `./rapier_wasm3d` import here in the Worker's build only.
 */
import * as glue from '@dimforge/rapier3d/rapier_wasm3d_bg.js';
import rapierWasm from '@dimforge/rapier3d/rapier_wasm3d_bg.wasm';

const instance = new WebAssembly.Instance(rapierWasm, { './rapier_wasm3d_bg.js': glue });
glue.__wbg_set_wasm(instance.exports);

export * from '@dimforge/rapier3d/rapier_wasm3d_bg.js';
