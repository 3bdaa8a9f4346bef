/** The committed load-forecast model (web/ai/model/) as Node reads it: its description and ONNX bytes. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LoadModelSpec } from '../../web/ai/load-model-spec';

const dir = fileURLToPath(new URL('../../web/ai/model/', import.meta.url));

export function readLoadModel(): { spec: LoadModelSpec; bytes: Uint8Array } {
  const spec = LoadModelSpec.parse(JSON.parse(readFileSync(`${dir}load-forecast.json`, 'utf8')));
  return { spec, bytes: new Uint8Array(readFileSync(`${dir}${spec.onnx.file}`)) };
}
