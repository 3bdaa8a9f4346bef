/**
 * Assets suite (issue 15): J2K texture decode throughput over all 14 StormArt textures (../shared/opensim/StormArt.oar,
 * full resolution; 4 MP per pass is not the point, megapixels per second are), in megapixels per second:
 * - ours in this thread (web/assets/j2k.ts: OpenJPEG 2.5 wasm through pdf.js's JpxImage);
 * - ours through the decode pool (web/assets/decode-pool.ts) with 1 and with N Node worker_threads (N = the cores
 *   here, at most 4), each running the workers' own code (web/assets/decode-service.ts);
 * - the peer, the pure-JavaScript `jpeg2000` package (1.1.1, pdf.js's former JS decoder), in this thread;
 * - for reference, ours at a reduced level (largest side 64, as for a far-away prim).
 * One sample decodes every texture once; medians over the samples. The ratio ours/peer compares the in-thread cases.
 * Mesh decode: ms per MB and triangles/s over StormArt's 3 LLMesh assets, all LODs, ours against node-metaverse's
 * LLMesh (see "Mesh decode" below). In the browser: login → first textured frame → every asset resident on the art
 * region, and bytes from the grid on a first visit and a revisit (./assets-visit.ts; no peer applies).
 *
 * This file is also the worker_threads entry of the pool cases (workerData.role === 'texture-decoder').
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { LLMesh } from '@caspertech/node-metaverse/dist/lib/classes/public/LLMesh';
import { JpxImage } from 'jpeg2000';
import { decodeLlmesh } from '../../shared/assets/llmesh';
import { createDecodePool, type DecodePool, type DecodeWorkerPort } from '../../web/assets/decode-pool';
import { answerDecodeRequest } from '../../web/assets/decode-service';
import { decodeJ2k } from '../../web/assets/j2k';
import { oarAsset, STORM_ART_OAR } from '../support/oar';
import { ART_TEXTURES, artTexture } from '../unit/web/assets/stormart-textures';
import type { SuitePart } from './assets-part';
import { artVisitCases } from './assets-visit';
import { caseNamed, measure, writeReport } from './report';

const ROLE = 'texture-decoder';

if (!isMainThread && isDecoderWorker(workerData)) serveDecoder();
else if (isMainThread) await main();

function isDecoderWorker(data: unknown): boolean {
  return typeof data === 'object' && data !== null && Reflect.get(data, 'role') === ROLE;
}

/** Worker side: the browser worker entry's job (web/workers/texture-decode.worker.ts), over worker_threads. */
function serveDecoder(): void {
  const port = parentPort;
  if (!port) throw new Error('bench: the decoder worker has no parent port');
  port.on('message', (data: unknown) => {
    void answerDecodeRequest(data).then((answer) => {
      if (answer) port.postMessage(answer.response, answer.transfer);
    });
  });
}

/**
 * A decode worker on Node's worker_threads, seen by the pool like a browser Worker. `execArgv: ['--import', 'tsx']`
 * does not reach a worker's entry module on Node 20, so a one-line bootstrap registers tsx and imports this file.
 */
function nodeDecodeWorker(): DecodeWorkerPort {
  const entry = JSON.stringify(import.meta.url);
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { role: ROLE } });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onError) {
      worker.on('message', onMessage);
      worker.on('error', (err) => onError(err.message));
      worker.on('exit', (code) => {
        if (code !== 0) onError(`the worker exited with code ${code}`);
      });
    },
    terminate: () => void worker.terminate(),
  };
}

// ── Mesh decode ─────────────────────────────────────────────────────────────────────────────────────────────────────
// LLMesh decode throughput over StormArt's three meshes (all their LODs), ours (shared/assets/llmesh.ts) against the
// peer, node-metaverse's LLMesh.from (the maintained JavaScript LLMesh codec on npm), on the same bytes in this run.
// One sample decodes every mesh once; medians. ms per MB counts the assets' bytes (MB = 10^6 bytes).
async function meshDecodeCases(): Promise<SuitePart> {
  // The art region's meshes: the gem, the house (high and medium LODs only) and the blob.
  const uuids = [
    '20009cd8-5313-4566-b91a-479fad4d36dc',
    '55a97283-cfcf-43fe-98c6-b009f4332a46',
    '430457ac-0d21-43b3-88bc-9603e74104fd',
  ];
  const meshes = uuids.map((uuid) => oarAsset(STORM_ART_OAR, `assets/${uuid}_mesh.llmesh`));
  const peerInput = meshes.map((m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength));
  const bytes = meshes.reduce((n, m) => n + m.byteLength, 0);

  // Triangles per pass: every LOD the assets hold, once (ours reuses a LOD's MeshData where the asset lacks one).
  let oursTriangles = 0;
  for (const m of meshes) for (const lod of new Set((await decodeLlmesh(m)).lods)) oursTriangles += lod.indexCount / 3;
  let peerTriangles = 0;
  for (const input of peerInput)
    for (const submeshes of Object.values((await LLMesh.from(input)).lodLevels))
      for (const s of submeshes) peerTriangles += (s.triangleList?.length ?? 0) / 3;
  if (oursTriangles !== peerTriangles)
    throw new Error(`bench: mesh decode: ours decodes ${oursTriangles} triangles per pass, the peer ${peerTriangles}`);

  let sink = 0;
  const ours = async (): Promise<void> => {
    for (const m of meshes) sink += (await decodeLlmesh(m)).submeshes;
  };
  const peer = async (): Promise<void> => {
    for (const input of peerInput) sink += Object.keys((await LLMesh.from(input)).lodLevels).length;
  };
  const oursName = `llmesh_decode_stormart_${meshes.length}_all_lods_ours`;
  const peerName = `llmesh_decode_stormart_${meshes.length}_all_lods_peer_node_metaverse`;
  const cases = await measure(
    [
      { name: oursName, fn: ours },
      { name: peerName, fn: peer },
    ],
    { timeMs: 3000, iterations: 200 },
  );
  const msPerMb = (name: string): number => caseNamed(cases, name).median_ms / (bytes / 1e6);
  const trianglesPerS = (name: string): number => oursTriangles / (caseNamed(cases, name).median_ms / 1000);
  console.log(`${oursName}: ${msPerMb(oursName).toFixed(2)} ms/MB; ${peerName}: ${msPerMb(peerName).toFixed(2)} ms/MB`);
  return {
    cases,
    ratios: { llmesh_ours_over_peer_speed: msPerMb(peerName) / msPerMb(oursName) },
    ms: { llmesh_ms_per_mb_ours: msPerMb(oursName), llmesh_ms_per_mb_peer: msPerMb(peerName) },
    extra: {
      mesh_decode: {
        ms_per_mb_median: { ours: msPerMb(oursName), peer_node_metaverse: msPerMb(peerName) },
        triangles_per_s_median: { ours: trianglesPerS(oursName), peer_node_metaverse: trianglesPerS(peerName) },
        workload: {
          meshes: meshes.length,
          asset_bytes_per_pass: bytes,
          triangles_per_pass: oursTriangles,
          lods: 'every visual LOD each asset holds (10 in all); the assets have no physics or skin blocks',
          ours: 'decodeLlmesh (shared/assets/llmesh.ts): LLSD, zlib through DecompressionStream, to MeshData typed arrays',
          peer: '@caspertech/node-metaverse 0.8.16 LLMesh.from: LLSD, zlib through node:zlib, to Vector3/Vector2 objects',
        },
        sink,
      },
    },
  };
}

async function main(): Promise<void> {
  const textures = ART_TEXTURES.map((t) => ({ ...t, bytes: artTexture(t.uuid) }));
  const megapixels = textures.reduce((n, t) => n + t.width * t.height, 0) / 1e6;
  const bytes = textures.reduce((n, t) => n + t.bytes.byteLength, 0);
  const peerInput = textures.map((t) => Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength));
  const poolWorkers = Math.max(2, Math.min(4, availableParallelism()));

  let sink = 0;
  const oursInThread = async (maxDimension?: number): Promise<void> => {
    for (const t of textures) sink += (await decodeJ2k(t.bytes, maxDimension === undefined ? {} : { maxDimension })).width;
  };
  const peer = (): void => {
    for (const input of peerInput) {
      const image = new JpxImage();
      image.parse(input);
      sink += image.width;
    }
  };
  const throughPool = async (pool: DecodePool): Promise<void> => {
    const decoded = await Promise.all(textures.map((t, i) => pool.decode(t.bytes, { priority: i }).promise));
    for (const d of decoded) sink += d.width;
  };

  // Start the pools' workers and their wasm before anything is timed; check every decode agrees with the table.
  const pool1 = createDecodePool({ size: 1, spawn: nodeDecodeWorker });
  const poolN = createDecodePool({ size: poolWorkers, spawn: nodeDecodeWorker });
  await oursInThread();
  peer();
  await throughPool(pool1);
  for (let i = 0; i < poolWorkers; i++) await throughPool(poolN);

  const ours = `j2k_decode_stormart_${textures.length}_full_ours_in_thread`;
  const oursPool1 = `j2k_decode_stormart_${textures.length}_full_ours_pool_1_worker`;
  const oursPoolN = `j2k_decode_stormart_${textures.length}_full_ours_pool_${poolWorkers}_workers`;
  const peerName = `j2k_decode_stormart_${textures.length}_full_peer_jpeg2000_in_thread`;
  const reduced = `j2k_decode_stormart_${textures.length}_max64_ours_in_thread`;
  const cases = await measure(
    [
      { name: ours, fn: () => oursInThread() },
      { name: peerName, fn: peer },
      { name: oursPool1, fn: () => throughPool(pool1) },
      { name: oursPoolN, fn: () => throughPool(poolN) },
      { name: reduced, fn: () => oursInThread(64) },
    ],
    { timeMs: 2000, iterations: 20 },
  );
  pool1.close();
  poolN.close();
  const mesh = await meshDecodeCases();
  const visit = await artVisitCases();

  const mps = (name: string): number => megapixels / (caseNamed(cases, name).median_ms / 1000);
  writeReport({
    suite: 'assets',
    cases: [...cases, ...mesh.cases, ...visit.cases],
    ratios: {
      j2k_ours_over_peer_speed: mps(ours) / mps(peerName),
      j2k_pool_n_over_pool_1_speed: mps(oursPoolN) / mps(oursPool1),
      ...mesh.ratios,
      ...visit.ratios,
    },
    ms: {
      j2k_stormart_full_ours_in_thread: caseNamed(cases, ours).median_ms,
      j2k_stormart_full_peer_in_thread: caseNamed(cases, peerName).median_ms,
      ...mesh.ms,
      ...visit.ms,
    },
    extra: {
      j2k_megapixels_per_s: {
        ours_in_thread: mps(ours),
        ours_pool_1_worker: mps(oursPool1),
        [`ours_pool_${poolWorkers}_workers`]: mps(oursPoolN),
        peer_jpeg2000_in_thread: mps(peerName),
        ours_max64_in_thread_full_size_equivalent: mps(reduced),
      },
      workload: {
        textures: textures.length,
        megapixels_per_pass: megapixels,
        codestream_bytes_per_pass: bytes,
        cores: availableParallelism(),
        pool_workers: poolWorkers,
        decoder: 'pdfjs-dist 6.5.438 JpxImage (OpenJPEG 2.5 wasm), legacy build',
        peer: 'jpeg2000 1.1.1 (pure JavaScript)',
      },
      ...mesh.extra,
      ...visit.extra,
      sink,
    },
  });
  for (const [name, value] of Object.entries({ ours, peerName, oursPool1, oursPoolN }))
    console.log(`${name}: ${mps(value).toFixed(2)} MP/s`);
}
