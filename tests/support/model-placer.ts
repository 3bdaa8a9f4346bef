/**
 * Placing Finalverse glTF models from Node against a running dev server (`npm start`): a token with every permission
 * signed with the server's own key (.dev.vars, written by npm start), an upload, and a Storm socket that runs World
 * Tool operations. For the browser and visit tests of models.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { PERMISSION } from '../../edge/auth/permissions';
import { issueToken } from '../../edge/auth/tokens';
import {
  type Bounds,
  type ClientMessage,
  DEFAULT_BOUNDS,
  decodeServerMessage,
  encodeClientMessage,
  ModelUploadAnswer,
  type OperationResult,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../shared/protocol';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const house = new Uint8Array(readFileSync(new URL('./fixtures/models/house.glb', import.meta.url)));
/** A white box with a base colour PNG: magenta on the left half of each side, yellow on the right. */
export const crate = new Uint8Array(readFileSync(new URL('./fixtures/models/crate.glb', import.meta.url)));

/** A token for the plaza with every permission, signed with the dev server's key (.dev.vars, written by npm start). */
export async function creatorToken(): Promise<string> {
  const key = /^TOKEN_KEY=(.+)$/m.exec(readFileSync(`${root}.dev.vars`, 'utf8'))?.[1];
  if (!key) throw new Error('e2e: no TOKEN_KEY in .dev.vars');
  const all = PERMISSION.join | PERMISSION.chat | PERMISSION.edit | PERMISSION.create;
  return issueToken('plaza', all, key, Date.now());
}

/** A Storm socket in Node: sends a hello, collects frames. */
export async function stormClient(base: string, token: string) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/world/plaza`);
  ws.binaryType = 'arraybuffer';
  const frames: ServerMessage[] = [];
  let bounds: Bounds = DEFAULT_BOUNDS;
  ws.on('message', (data: ArrayBuffer) => {
    const m = decodeServerMessage(new Uint8Array(data), bounds);
    if (m.type === 'welcome') bounds = m.bounds;
    frames.push(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const send = (m: ClientMessage) => ws.send(encodeClientMessage(m));
  send({ type: 'hello', version: PROTOCOL_VERSION, token, world: 'plaza', resumeId: '', baseline: 0 });
  const until = async <T extends ServerMessage>(pred: (m: ServerMessage) => m is T): Promise<T> => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const i = frames.findIndex(pred);
      if (i >= 0) return frames.splice(i, 1)[0] as T;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`e2e: no such frame; got ${frames.map((f) => f.type).join(',')}`);
  };
  const operate = async (id: number, body: Extract<ClientMessage, { type: 'action' }>['body']): Promise<OperationResult> => {
    send({ type: 'action', id, body });
    const r = await until(
      (m): m is Extract<ServerMessage, { type: 'action_result' }> => m.type === 'action_result' && m.id === id,
    );
    return r.result;
  };
  await until((m): m is Extract<ServerMessage, { type: 'welcome' }> => m.type === 'welcome');
  return { ws, operate, frames };
}

/** Uploads `bytes` as a model with `token`; the edge's answer. */
export async function uploadModel(base: string, token: string, bytes: Uint8Array<ArrayBuffer>): Promise<ModelUploadAnswer> {
  const res = await fetch(`${base}/api/models`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'model/gltf-binary' },
    body: bytes,
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`upload: HTTP ${res.status} ${await res.text()}`);
  return ModelUploadAnswer.parse(await res.json());
}
