/**
 * The engine side of the embed API (seed 16.2 in web form): answers parsed requests against an ECS
 * World. Pure: no DOM and no worker globals, so it runs in a worker, on the main thread, or in Node.
 * To host it in another world worker: `const api = createEmbedApi({ world, memory, emit })`, then
 * answer each `EngineRequest` with `api.handleMessage(request)` (see engine-host.ts).
 */

import {
  EMBED_PROTOCOL_VERSION,
  type EmbedEventMessage,
  type EmbedMethods,
  type EmbedResponseMessage,
  type InitResult,
  type WireError,
} from '../embed-sdk/protocol';
import { deserializeEntity, EngineCode, EngineError, type EntityId, serializeEntity, type World } from '../engine';
import { EmbedCode, EmbedError, toWireError } from './errors';
import { type EmbedRequest, parseConfig, parseRequest } from './schemas';

/** Whether the world lives in SharedArrayBuffers, or in plain buffers in one worker (no isolation). */
export type EngineMemory = InitResult['engine'];

/** Options of `createEmbedApi`. */
export interface EmbedApiOptions {
  readonly world: World;
  readonly memory: EngineMemory;
  /** Sends an event to the host (the bridge maps its id back to the requesting host). */
  readonly emit: (event: EmbedEventMessage) => void;
  /** Origins already allowed by the embed URL (reported back by configure). */
  readonly allowOrigins?: readonly string[];
}

/** The engine-side API. */
export interface EmbedApi {
  /** Answers a request that `parseRequest` accepted. Never throws: failures become error responses. */
  handle(request: EmbedRequest): EmbedResponseMessage;
  /** Parses then answers anything (what crosses the worker boundary is parsed again). Never throws. */
  handleMessage(data: unknown): EmbedResponseMessage;
  /** The last failed call's error ({code: 0, message: ''} before any). */
  readonly lastError: WireError;
}

const HEAD = 12;
const PART = 8;
/** "SCE1": the entity record format of web/engine/serialize.ts, which validates what we wrap. */
const ENTITY_MAGIC = 0x31454353;

/** Why each later capability is missing, in plain words. */
const NOT_YET: Record<'aiDispatch' | 'aiEnhance' | 'connectProtocol' | 'sendPacket' | 'generateToken', string> = {
  aiDispatch: 'aiDispatch is not available yet: the viewer has no AI tier to route requests to',
  aiEnhance: 'aiEnhance is not available yet: the viewer has no AI tier to run enhancements',
  connectProtocol:
    'connectProtocol is not available here: joining a place needs the live viewer, which could not start in this frame (no OffscreenCanvas, or no shared memory for a separate world worker); put the place in the embed URL instead',
  sendPacket:
    'sendPacket is not available here: sending into a world needs the live viewer, which could not start in this frame (no OffscreenCanvas)',
  generateToken:
    'generateToken is not available here: tokens are for the world the live viewer stands in, and it could not start in this frame (no OffscreenCanvas)',
};

function ok(id: EmbedRequest['id'], result: unknown): EmbedResponseMessage {
  return { v: EMBED_PROTOCOL_VERSION, id, ok: true, result };
}

/** Creates the API over `world`. The host must call `init` first. */
export function createEmbedApi(options: EmbedApiOptions): EmbedApi {
  const { world, memory, emit } = options;
  const layout = world.layout;
  let initialized = false;
  let maxEntities = layout.capacity;
  const allowOrigins = new Set(options.allowOrigins ?? []);
  const created = new Set<EntityId>();
  let lastError: WireError = { code: 0, message: '' };

  const component = (ref: string | number) => {
    const c = typeof ref === 'number' ? layout.components[ref] : layout.components.find((k) => k.name === ref);
    if (!c) {
      const known = layout.components.map((k) => `${k.id} ${k.name}`).join(', ');
      throw new EngineError(
        EngineCode.MissingComponent,
        `embed: no component ${JSON.stringify(ref)} in this world (known: ${known})`,
      );
    }
    return c;
  };
  const defOf = (ref: string | number) => {
    return world.componentDef(component(ref).id);
  };

  const methods: { [M in keyof EmbedMethods]: (params: EmbedMethods[M]['params']) => EmbedMethods[M]['result'] } = {
    init: () => {
      initialized = true;
      return {
        version: EMBED_PROTOCOL_VERSION,
        crossOriginIsolated: memory === 'shared-memory',
        engine: memory,
        capacity: layout.capacity,
        components: layout.components.map((c) => ({ id: c.id, name: c.name, bytes: c.bytes })),
      };
    },
    configure: ({ json }) => {
      const parsed = parseConfig(json);
      if (!parsed.ok) throw new EmbedError(parsed.error.code, parsed.error.message);
      const { config } = parsed;
      if (config.maxEntities !== undefined) {
        if (config.maxEntities > layout.capacity) {
          throw new EmbedError(
            EmbedCode.InvalidConfig,
            `configure: maxEntities ${config.maxEntities} is over the world capacity ${layout.capacity}`,
          );
        }
        maxEntities = config.maxEntities;
      }
      for (const origin of config.allowOrigins ?? []) allowOrigins.add(origin);
      return { maxEntities, allowOrigins: [...allowOrigins] };
    },
    createEntity: ({ components }) => {
      // Entities the host created that the world has since destroyed do not count (pruned only at the limit).
      if (created.size >= maxEntities) for (const id of created) if (!world.isAlive(id)) created.delete(id);
      if (created.size >= maxEntities) {
        throw new EmbedError(
          EmbedCode.WorldFull,
          `createEntity: the embed world is full (${maxEntities} entities, the configured maxEntities); raise it with configure`,
        );
      }
      const defs = (components ?? []).map(defOf);
      const id = world.create(...defs);
      created.add(id);
      return { id };
    },
    queryEntity: ({ id }) => ({ bytes: serializeEntity(world, id) }),
    updateComponent: ({ id, type, bytes }) => {
      const c = component(type);
      if (bytes.byteLength !== c.bytes) {
        throw new EngineError(
          EngineCode.BadBytes,
          `embed: updateComponent: ${c.name} takes ${c.bytes} bytes (its fields in declaration order, little-endian), got ${bytes.byteLength}`,
        );
      }
      // Wrap the component's bytes as a one-component entity record, so the engine validates them.
      const record = new Uint8Array(HEAD + PART + c.bytes);
      const dv = new DataView(record.buffer);
      dv.setUint32(0, ENTITY_MAGIC, true);
      dv.setUint32(4, layout.hash, true);
      dv.setUint16(8, 1, true);
      dv.setUint16(HEAD, c.id, true);
      dv.setUint32(HEAD + 4, c.bytes, true);
      record.set(bytes, HEAD + PART);
      deserializeEntity(world, record, id);
      return {};
    },
    aiDispatch: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.aiDispatch);
    },
    aiEnhance: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.aiEnhance);
    },
    connectProtocol: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.connectProtocol);
    },
    sendPacket: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.sendPacket);
    },
    generateToken: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.generateToken);
    },
    getLastError: () => ({ ...lastError }),
  };

  const fail = (id: EmbedRequest['id'] | null, error: WireError): EmbedResponseMessage => {
    lastError = error;
    return { v: EMBED_PROTOCOL_VERSION, id, ok: false, error };
  };

  const run = (request: EmbedRequest): EmbedResponseMessage => {
    try {
      if (!initialized && request.method !== 'init' && request.method !== 'getLastError') {
        throw new EmbedError(EmbedCode.NotInitialized, `${request.method}: call init first`);
      }
      // The union of methods is checked per method by the table's type; here it is dispatched by name.
      const fn = methods[request.method] as (params: EmbedRequest['params']) => unknown;
      return ok(request.id, fn(request.params));
    } catch (err) {
      return fail(request.id, toWireError(err));
    }
  };

  const handle = (request: EmbedRequest): EmbedResponseMessage => {
    const response = run(request);
    if (request.method === 'aiEnhance') {
      // The async half: a completion event with the same id, after the answer.
      const data = response.ok ? { id: request.id, ok: true } : { id: request.id, ok: false, error: response.error };
      setTimeout(() => emit({ v: EMBED_PROTOCOL_VERSION, event: 'aiEnhanceComplete', data }), 0);
    }
    return response;
  };

  return {
    handle,
    handleMessage: (data) => {
      const parsed = parseRequest(data);
      return parsed.ok ? handle(parsed.request) : fail(parsed.id, parsed.error);
    },
    get lastError() {
      return { ...lastError };
    },
  };
}
