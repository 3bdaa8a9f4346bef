/** zlib (RFC 1950) inflation with an output limit, through the platform's DecompressionStream. */
import { type ByteChunkReader, readAtMost } from '../bytes/read-limited';
import { AssetError } from './errors';

/**
 * Inflates zlib data, throwing {@link AssetError} (`asset_too_large` past `maxBytes` of output, `asset_bad_format`
 * for corrupt or truncated data) and nothing else.
 */
export type Inflate = (data: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

// shared/ is typed with lib ES2023 only: the few members of the Streams API used here, typed locally.
interface ChunkWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
interface DecompressionStreamLike {
  readonly readable: { getReader(): ByteChunkReader };
  readonly writable: { getWriter(): ChunkWriter };
}
type DecompressionStreamConstructor = new (format: 'deflate') => DecompressionStreamLike;

function isConstructor(value: unknown): value is DecompressionStreamConstructor {
  return typeof value === 'function';
}

function ignore(): void {}

/**
 * The default {@link Inflate}: `new DecompressionStream('deflate')` (Node 18+, browsers, workerd), read chunk by
 * chunk and cancelled as soon as the output passes `maxBytes`.
 */
export async function inflateZlib(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const ctor: unknown = Reflect.get(globalThis, 'DecompressionStream');
  if (!isConstructor(ctor)) {
    throw new AssetError('asset_bad_format', 'inflate: this platform has no DecompressionStream; pass an inflate function');
  }
  const stream = new ctor('deflate');
  const writer = stream.writable.getWriter();
  // Failures surface on the readable side; the writer's own promises only need a handler.
  writer.write(data).catch(ignore);
  writer.close().catch(ignore);
  return readAtMost(stream.readable.getReader(), maxBytes, {
    tooLarge: () => new AssetError('asset_too_large', `inflate: the data inflates to more than ${maxBytes} bytes`),
    notBytes: () => new AssetError('asset_bad_format', 'inflate: the stream gave a chunk that is not bytes'),
    failed: (e) =>
      new AssetError(
        'asset_bad_format',
        `inflate: the zlib data is corrupt or truncated (${e instanceof Error ? e.message : String(e)})`,
      ),
  });
}
