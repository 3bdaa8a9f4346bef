/**
 * Bundles the relay (with ws and zod) into one CommonJS file that runs on plain Node 22: the container
 * ships that file and no node_modules. Usage: `tsx edge/relay/build.ts [outfile]` (default dist/relay/relay.cjs).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The relay's entry point. */
export const RELAY_ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Writes the bundle to `outfile`. */
export async function buildRelay(outfile: string): Promise<void> {
  await build({
    entryPoints: [RELAY_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    // CommonJS, because ws is CommonJS and requires Node built-ins, which an ESM bundle cannot do.
    format: 'cjs',
    target: 'node22',
    // ws loads these optional native speed-ups inside try/catch; without them it uses plain JavaScript.
    external: ['bufferutil', 'utf-8-validate'],
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outfile = process.argv[2] ?? 'dist/relay/relay.cjs';
  buildRelay(outfile).then(
    () => process.stderr.write(`relay: bundled into ${outfile}\n`),
    (err: unknown) => {
      process.stderr.write(`relay: bundle failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
