/** Browser entry of a texture-decode worker (web/assets/decode-pool.ts starts it); the logic is web/assets/decode-service.ts. */
import openJpegWasmUrl from 'pdfjs-dist/wasm/openjpeg.wasm?url';
import { answerDecodeRequest } from '../assets/decode-service';
import { setOpenJpegWasm } from '../assets/j2k';

declare const self: DedicatedWorkerGlobalScope;

setOpenJpegWasm(async () => {
  const res = await fetch(openJpegWasmUrl);
  if (!res.ok) throw new Error(`${openJpegWasmUrl} answered HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
});

self.onmessage = (event: MessageEvent<unknown>) => {
  void answerDecodeRequest(event.data).then((answer) => {
    if (answer) self.postMessage(answer.response, answer.transfer);
  });
};
