/** Reads OpenSim archives (OAR: a gzipped ustar file) into a map of entry name to bytes, for tests on real assets. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The art content of the real test region: textures, sculpt maps, meshes and a sound (see ../shared/opensim/README.md). */
export const STORM_ART_OAR = fileURLToPath(new URL('../../../shared/opensim/StormArt.oar', import.meta.url));

const BLOCK = 512;

function text(bytes: Uint8Array, from: number, length: number): string {
  let end = from;
  while (end < from + length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(from, end)).toString('utf8');
}

function octal(bytes: Uint8Array, from: number, length: number, what: string): number {
  const s = text(bytes, from, length).trim();
  if (!/^[0-7]*$/.test(s)) throw new Error(`oar: ${what} "${s}" is not an octal number`);
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** Entries of an uncompressed ustar archive (regular files only), by name. GNU long names are followed. */
export function readTar(tar: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let at = 0;
  let longName: string | undefined;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12, `size of the entry at byte ${at}`);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = text(header, 257, 6) === 'ustar' ? text(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const dataStart = at + BLOCK;
    if (dataStart + size > tar.length) throw new Error(`oar: entry "${name}" runs past the end of the archive`);
    const data = tar.subarray(dataStart, dataStart + size);
    longName = undefined;
    if (type === 'L') longName = text(data, 0, data.length);
    else if (type === '0' || type === '\0') out.set(name, data);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

/** Reads a gzipped OAR file. Throws, saying where the file was expected, when it is missing. */
export function readOar(path: string): Map<string, Uint8Array> {
  if (!existsSync(path)) {
    throw new Error(
      `oar: ${path} is missing; the real-asset tests need the StormArt archive there (../shared/opensim/ beside the repository)`,
    );
  }
  return readTar(new Uint8Array(gunzipSync(readFileSync(path))));
}

const cache = new Map<string, Map<string, Uint8Array>>();

/** One asset of an OAR (`assets/<uuid>_<kind>.<ext>`), read once per test process. Throws when it is missing. */
export function oarAsset(path: string, name: string): Uint8Array {
  let entries = cache.get(path);
  if (!entries) {
    entries = readOar(path);
    cache.set(path, entries);
  }
  const bytes = entries.get(name);
  if (!bytes) throw new Error(`oar: ${path} has no entry "${name}"`);
  return bytes;
}
