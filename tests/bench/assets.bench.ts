/**
 * Assets suite (issue 15): J2K texture decode throughput over all 14 StormArt textures (../shared/opensim/StormArt.oar,
 * full resolution; 4 MP per pass is not the point, megapixels per second are), in megapixels per second:
 * - ours in this thread (web/assets/j2k.ts: OpenJPEG 2.5 wasm through pdf.js's JpxImage);
 * - ours through the decode pool (web/assets/decode-pool.ts) with 1 and with N Node worker_threads (N = the cores
 *   here, at most 4), each running the workers' own code (web/assets/decode-service.ts);
 * - the peer, the pure-JavaScript `jpeg2000` package (1.1.1, pdf.js's former JS decoder), in this thread;
 * - for reference, ours at a reduced level (largest side 64, as for a far-away prim).
 * One sample decodes every texture once; medians over the samples. The ratio ours/peer compares the in-thread cases.
 * Mesh decode per MB is still to come: see "Mesh decode (hook)" below.
 *
 * This file is also the worker_threads entry of the pool cases (workerData.role === 'texture-decoder').
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { JpxImage } from 'jpeg2000';
import { createDecodePool, type DecodePool, type DecodeWorkerPort } from '../../web/assets/decode-pool';
import { answerDecodeRequest } from '../../web/assets/decode-service';
import { decodeJ2k } from '../../web/assets/j2k';
import { ART_TEXTURES, artTexture } from '../unit/web/assets/stormart-textures';
import { type CaseResult, caseNamed, measure, writeReport } from './report';

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
    void answerDecodeRequest(data).then(({ response, transfer }) => port.postMessage(response, transfer));
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

// ── Mesh decode (hook) ──────────────────────────────────────────────────────────────────────────────────────────────
// Mesh decode throughput (MB of LLMesh per second over StormArt's meshes, ours against a peer) is added here by the
// mesh work: return its cases, ratios and figures, and they join this suite's report. Nothing is measured yet.
interface SuitePart {
  cases: CaseResult[];
  ratios: Record<string, number>;
  extra: Record<string, unknown>;
}
async function meshDecodeCases(): Promise<SuitePart> {
  return {
    cases: [],
    ratios: {},
    extra: { mesh_decode: 'not measured yet (hook: meshDecodeCases in tests/bench/assets.bench.ts)' },
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

  const mps = (name: string): number => megapixels / (caseNamed(cases, name).median_ms / 1000);
  writeReport({
    suite: 'assets',
    cases: [...cases, ...mesh.cases],
    ratios: {
      j2k_ours_over_peer_speed: mps(ours) / mps(peerName),
      j2k_pool_n_over_pool_1_speed: mps(oursPoolN) / mps(oursPool1),
      ...mesh.ratios,
    },
    ms: {
      j2k_stormart_full_ours_in_thread: caseNamed(cases, ours).median_ms,
      j2k_stormart_full_peer_in_thread: caseNamed(cases, peerName).median_ms,
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
      sink,
    },
  });
  for (const [name, value] of Object.entries({ ours, peerName, oursPool1, oursPoolN }))
    console.log(`${name}: ${mps(value).toFixed(2)} MP/s`);
}
