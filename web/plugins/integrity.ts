/** Subresource Integrity for a plugin's entry module, with WebCrypto (crypto.subtle, in pages, workers and Node). */
import { PluginCode, pluginError } from './errors';

const ALGORITHMS = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;

/** base64 of bytes (btoa over a binary string: available in every runtime we use). */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The SRI string (`sha384-…`) of `bytes`. */
export async function sriOf(bytes: Uint8Array, algorithm: keyof typeof ALGORITHMS = 'sha384'): Promise<string> {
  const digest = await crypto.subtle.digest(ALGORITHMS[algorithm], bytes as Uint8Array<ArrayBuffer>);
  return `${algorithm}-${base64(new Uint8Array(digest))}`;
}

/** Throws `plugin_integrity_mismatch` unless `bytes` hash to `integrity` (one `sha256|384|512-<base64>`). */
export async function checkIntegrity(bytes: Uint8Array, integrity: string, source = 'entry'): Promise<void> {
  const dash = integrity.indexOf('-');
  const algorithm = integrity.slice(0, dash);
  if (!(algorithm in ALGORITHMS))
    throw pluginError(PluginCode.IntegrityMismatch, `${source}: integrity ${integrity.slice(0, 16)}… is not sha256/384/512`);
  const actual = await sriOf(bytes, algorithm as keyof typeof ALGORITHMS);
  if (actual !== integrity)
    throw pluginError(
      PluginCode.IntegrityMismatch,
      `${source} does not match its integrity: the manifest says ${integrity}, the file hashes to ${actual}`,
    );
}
