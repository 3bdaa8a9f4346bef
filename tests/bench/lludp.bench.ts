/** LLUDP decode throughput: ObjectUpdateCompressed and LayerData packets per second (recorded from OpenSim), ours against node-metaverse. */
import { createRequire } from 'node:module';
import {
  createMessageRegistry,
  decodeCompressedObject,
  decodeLayerData,
  decodePacket,
  decodeTextureEntry,
  getMessageRegistry,
  isMessage,
} from '../../shared/lludp';
import { TEMPLATE_SOURCE } from '../../shared/lludp/template-source';
import { type Entity, encodeServerMessage, SHAPE_PRESETS } from '../../shared/protocol';
import { rawSessionDatagrams, sessionDatagrams } from '../unit/shared/lludp/session-fixture';
import { caseNamed, measure, writeReport } from './report';

// Start-up cost: the first call parses the embedded template (cold JIT), later parses show the warm cost.
const t0 = performance.now();
getMessageRegistry();
const firstParseMs = performance.now() - t0;

const require = createRequire(import.meta.url);
const nmv = '@caspertech/node-metaverse/dist/lib/classes/';
const { Packet } = require(`${nmv}Packet`);
const { BitPack } = require(`${nmv}BitPack`);
const { Region } = require(`${nmv}Region`);
if (!Region.setup) Region.InitialSetup();

// LayerData: the terrain (land) packets of a recorded OpenSim session (fixtures/opensim-session.hex).
const layerPackets = sessionDatagrams.filter((d) => {
  const m = decodePacket(d).message;
  return isMessage(m, 'LayerData') && m.blocks.LayerID.Type === 0x4c;
});

// ObjectUpdateCompressed: the zero-coded packets OpenSim sent our own client (66 prims, fixtures/capture-raw.ts).
const compressedPackets = rawSessionDatagrams.filter((d) => isMessage(decodePacket(d).message, 'ObjectUpdateCompressed'));
const objectCount = compressedPackets.reduce((n, d) => {
  const m = decodePacket(d).message;
  return n + (isMessage(m, 'ObjectUpdateCompressed') ? m.blocks.ObjectData.length : 0);
}, 0);

let sink = 0;
const nmvDecode = (d: Uint8Array) => {
  const p = new Packet();
  p.readFromBuffer(
    Buffer.from(d.buffer, d.byteOffset, d.byteLength),
    0,
    () => {},
    () => {},
  );
  return p;
};

/** node-metaverse's LayerData land decoding (the body of its Region handler, which is not callable on its own). */
function nmvTerrain(data: Buffer): number {
  const nibbler = new BitPack(data, 0);
  nibbler.UnpackBits(16);
  const patchSize = nibbler.UnpackBits(8);
  nibbler.UnpackBits(8);
  let total = 0;
  const patches: number[] = new Array(32 * 32).fill(0);
  for (;;) {
    const quantWBits = nibbler.UnpackBits(8);
    if (quantWBits === 97) break;
    const dcOffset = nibbler.UnpackFloat();
    const range = nibbler.UnpackBits(16);
    nibbler.UnpackBits(10);
    const wordBits = (quantWBits & 0x0f) + 2;
    for (let n = 0; n < patchSize * patchSize; n++) {
      if (nibbler.UnpackBits(1) === 0) {
        patches[n] = 0;
        continue;
      }
      if (nibbler.UnpackBits(1) === 0) {
        for (let o = n; o < patchSize * patchSize; o++) patches[o] = 0;
        break;
      }
      const negative = nibbler.UnpackBits(1) !== 0;
      const v = nibbler.UnpackBits(wordBits);
      patches[n] = negative ? -v : v;
    }
    const prequant = (quantWBits >> 4) + 2;
    const mult = (1 / (1 << prequant)) * range;
    const addVal = mult * (1 << (prequant - 1)) + dcOffset;
    const block: number[] = [];
    for (let n = 0; n < 256; n++) block.push((patches[Region.CopyMatrix16[n]] ?? 0) * Region.DequantizeTable16[n]);
    const ftemp: number[] = Array.from({ length: 256 }, (_, o) => o);
    for (let o = 0; o < 16; o++) Region.IDCTColumn16(block, ftemp, o);
    for (let o = 0; o < 16; o++) Region.IDCTLine16(ftemp, block, o);
    for (const bl of block) total += bl * mult + addVal;
  }
  return total;
}

const cases = await measure([
  {
    name: 'ours_decode_object_update_compressed_packets',
    fn: () => {
      for (const d of compressedPackets) sink += decodePacket(d).acks.length;
    },
  },
  {
    name: 'nmv_decode_object_update_compressed_packets',
    fn: () => {
      for (const d of compressedPackets) sink += nmvDecode(d).sequenceNumber;
    },
  },
  {
    name: 'ours_decode_object_update_compressed_packets_with_objects_and_texture_entries',
    fn: () => {
      for (const d of compressedPackets) {
        const m = decodePacket(d).message;
        if (!isMessage(m, 'ObjectUpdateCompressed')) continue;
        for (const o of m.blocks.ObjectData) {
          const obj = decodeCompressedObject(o.Data);
          sink += decodeTextureEntry(obj.textureEntry).overrides.size + obj.localId;
        }
      }
    },
  },
  {
    name: 'ours_decode_layer_data_packets_to_heights',
    fn: () => {
      for (const d of layerPackets) {
        const m = decodePacket(d).message;
        if (isMessage(m, 'LayerData')) sink += decodeLayerData(m.blocks.LayerID.Type, m.blocks.LayerData.Data).patches.length;
      }
    },
  },
  {
    name: 'nmv_decode_layer_data_packets_to_heights',
    fn: () => {
      for (const d of layerPackets) sink += nmvTerrain(nmvDecode(d).message.LayerData.Data);
    },
  },
  {
    name: 'template_parse_warm',
    fn: () => {
      sink += createMessageRegistry(TEMPLATE_SOURCE).messages.length;
    },
  },
]);

const perSecond = (name: string, packets: number) => Math.round(packets / (caseNamed(cases, name).median_ms / 1000));
const oucOurs = perSecond('ours_decode_object_update_compressed_packets', compressedPackets.length);
const oucPeer = perSecond('nmv_decode_object_update_compressed_packets', compressedPackets.length);
const ldOurs = perSecond('ours_decode_layer_data_packets_to_heights', layerPackets.length);
const ldPeer = perSecond('nmv_decode_layer_data_packets_to_heights', layerPackets.length);
// Browser-side bytes for a region of 2,000 prims: the Storm snapshot a visitor receives once (static prims send
// nothing afterwards; the interop bench measures 0 B/s idle in the real region). Prims shaped and sized like
// StormTest's: the seven basic shapes, a uuid, a name, one to three face colours.
const presets = Object.values(SHAPE_PRESETS);
const regionPrims: Entity[] = Array.from({ length: 2000 }, (_, i) => ({
  id: 1000 + i,
  uuid: `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
  kind: 'prim',
  parent: i % 10 === 9 ? 1000 + i - 1 : 0,
  name: `prim ${i}`,
  description: '',
  position: [(i % 45) * 5.6 + 3, Math.floor(i / 45) * 5.6 + 3, 22 + (i % 7)],
  rotation: [0, 0, Math.sin(i / 2), Math.cos(i / 2)],
  scale: [1 + (i % 3) * 0.5, 1.5, 2],
  velocity: [0, 0, 0],
  shape: presets[i % presets.length] ?? SHAPE_PRESETS.box,
  colors: Array.from(
    { length: 1 + (i % 3) },
    (_, f) => [(i * 37 + f * 50) % 256, (i * 91) % 256, (i * 13) % 256, 255] as [number, number, number, number],
  ),
}));
const snapshotBytes = encodeServerMessage({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities: regionPrims }).byteLength;

writeReport({
  suite: 'lludp',
  cases,
  ratios: {
    object_update_compressed_ours_over_nmv_speed: oucOurs / oucPeer,
    layer_data_ours_over_nmv_speed: ldOurs / ldPeer,
  },
  ms: {
    template_parse_first_call: firstParseMs,
    template_parse_warm: caseNamed(cases, 'template_parse_warm').median_ms,
  },
  extra: {
    region_2000_prims: {
      snapshot_bytes: snapshotBytes,
      bytes_per_prim: snapshotBytes / regionPrims.length,
      idle_bytes_per_s: 'static prims send nothing after the snapshot; see bench/results/interop.json idle_bytes_per_s',
    },
    packets_per_second: {
      object_update_compressed_ours: oucOurs,
      object_update_compressed_nmv: oucPeer,
      object_update_compressed_ours_with_objects_and_texture_entries: perSecond(
        'ours_decode_object_update_compressed_packets_with_objects_and_texture_entries',
        compressedPackets.length,
      ),
      layer_data_ours: ldOurs,
      layer_data_nmv: ldPeer,
    },
    workload: {
      object_update_compressed_packets: compressedPackets.length,
      objects: objectCount,
      mean_packet_bytes: Math.round(compressedPackets.reduce((s, p) => s + p.length, 0) / compressedPackets.length),
      layer_data_packets: layerPackets.length,
      layer_data_patches: layerPackets.length ? 256 : 0,
    },
    sink,
  },
});
console.log('packets/s', {
  object_update_compressed: { ours: oucOurs, nmv: oucPeer },
  layer_data: { ours: ldOurs, nmv: ldPeer },
  template_parse_first_call_ms: firstParseMs,
});
