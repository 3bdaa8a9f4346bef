/**
 * The length of an Ogg Vorbis sound from its own headers (no decoding): the sample rate from the Vorbis
 * identification header on the first page, the sample count from the last page's granule position.
 */
import { AssetError } from '../../shared/assets/errors';

/** What an Ogg Vorbis stream says about itself. */
export interface OggInfo {
  sampleRate: number;
  channels: number;
  /** PCM samples per channel (the last granule position). */
  samples: number;
  seconds: number;
}

/** Most pages read (a 1 MiB sound has a few hundred). */
const MAX_PAGES = 100_000;
const PAGE_HEADER = 27;

/**
 * Reads the Vorbis identification header and the last granule position. Throws AssetError `asset_bad_format`
 * for bytes that are not Ogg Vorbis, `asset_truncated` for a page that runs past the end.
 */
export function oggInfo(bytes: Uint8Array): OggInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let pages = 0;
  let sampleRate = 0;
  let channels = 0;
  let granule = -1;
  while (at < bytes.length) {
    if (++pages > MAX_PAGES) throw new AssetError('asset_too_large', `ogg: more than ${MAX_PAGES} pages`);
    if (at + 4 > bytes.length || view.getUint32(at, false) !== 0x4f676753)
      throw new AssetError('asset_bad_format', `ogg: no "OggS" capture pattern at byte ${at} (page ${pages})`);
    if (at + PAGE_HEADER > bytes.length) throw new AssetError('asset_truncated', `ogg: page ${pages} header runs past the end`);
    const segments = bytes[at + 26] ?? 0;
    if (at + PAGE_HEADER + segments > bytes.length)
      throw new AssetError('asset_truncated', `ogg: page ${pages} segment table runs past the end`);
    let size = 0;
    for (let i = 0; i < segments; i++) size += bytes[at + PAGE_HEADER + i] ?? 0;
    const body = at + PAGE_HEADER + segments;
    if (body + size > bytes.length) throw new AssetError('asset_truncated', `ogg: page ${pages} body runs past the end`);
    if (pages === 1) {
      // Vorbis identification header: 0x01 "vorbis", version u32, channels u8, rate u32.
      const isVorbis =
        size >= 16 && bytes[body] === 1 && new TextDecoder().decode(bytes.subarray(body + 1, body + 7)) === 'vorbis';
      if (!isVorbis) throw new AssetError('asset_bad_format', 'ogg: the first page is not a Vorbis identification header');
      channels = bytes[body + 11] ?? 0;
      sampleRate = view.getUint32(body + 12, true);
    }
    // -1 (all bits set) marks a page on which no packet ends.
    const lo = view.getUint32(at + 6, true);
    const hi = view.getInt32(at + 10, true);
    if (!(hi === -1 && lo === 0xffffffff)) granule = hi * 2 ** 32 + lo;
    at = body + size;
  }
  if (pages === 0) throw new AssetError('asset_bad_format', 'ogg: no pages');
  if (sampleRate <= 0) throw new AssetError('asset_bad_format', 'ogg: the Vorbis header gives no sample rate');
  const samples = Math.max(0, granule);
  return { sampleRate, channels, samples, seconds: samples / sampleRate };
}
