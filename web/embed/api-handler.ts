/**
 * The engine side of the embed API (seed 16.2 in web form): answers parsed requests against an ECS
 * World. Pure: no DOM and no worker globals, so it runs in a worker, on the main thread, or in Node.
 * The viewer hosts it in the live world's App (web/embed/embed-plugin.ts), whose `access` keeps the
 * host to the entities it made; a frame without a live world answers over no world at all.
 */

import {
  EMBED_PROTOCOL_VERSION,
  type EmbedEventMessage,
  type EmbedMethods,
  type EmbedResponseMessage,
  type InitResult,
  type WireError,
} from '../embed-sdk/protocol';
import {
  type ComponentDef,
  deserializeEntity,
  EngineCode,
  EngineError,
  type EntityId,
  serializeEntity,
  type World,
} from '../engine';
import { EmbedCode, EmbedError, toWireError } from './errors';
import { type EmbedRequest, parseConfig, parseRequest } from './schemas';

/** Whether the world lives in SharedArrayBuffers, or in plain buffers in one worker (no isolation). */
export type EngineMemory = InitResult['engine'];

/** How the host reaches the world's entities (the embed plugin keeps it to its own, marked Local). */
export interface EmbedWorldAccess {
  /** Creates an entity with these components for the host. Default: `world.create(...defs)`. */
  create(defs: readonly ComponentDef[]): EntityId;
  /** Whether a live entity is one the host may query and update. Default: every live entity. */
  owns(id: EntityId): boolean;
  /** After the host wrote a component of `id`; `added` when the entity did not have it before. */
  written(id: EntityId, def: ComponentDef, added: boolean): void;
  /** Whether the host may name this component (init lists only these). Default: all. */
  open(def: ComponentDef): boolean;
}

/** Options of `createEmbedApi`. */
export interface EmbedApiOptions {
  /** The world the host's entities live in; null when the frame has none (entity methods answer -27). */
  readonly world: World | null;
  readonly memory: EngineMemory;
  /** Sends an event to the host (the bridge maps its id back to the requesting host). */
  readonly emit: (event: EmbedEventMessage) => void;
  /** Origins already allowed by the embed URL (reported back by configure). */
  readonly allowOrigins?: readonly string[];
  /** Most entities the host may create (init's `capacity`, configure's ceiling). Default: the world's capacity. */
  readonly capacity?: number;
  readonly access?: Partial<EmbedWorldAccess>;
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
const NOT_YET: Record<
  | 'aiDispatch'
  | 'aiEnhance'
  | 'connectProtocol'
  | 'sendPacket'
  | 'generateToken'
  | 'loadPlugin'
  | 'unloadPlugin'
  | 'plugins'
  | 'subscribe'
  | 'unsubscribe'
  | 'setCamera'
  | 'resetCamera',
  string
> = {
  subscribe: 'subscribe is not available here: events are sent by the frame page, which has no bridge for them',
  unsubscribe: 'unsubscribe is not available here: events are sent by the frame page, which has no bridge for them',
  setCamera: "setCamera is not available here: the camera is the frame page renderer's, and none is attached",
  resetCamera: "resetCamera is not available here: the camera is the frame page renderer's, and none is attached",
  loadPlugin: 'loadPlugin is not available here: plugins are hosted by the frame page, which has no plugin host',
  unloadPlugin: 'unloadPlugin is not available here: plugins are hosted by the frame page, which has no plugin host',
  plugins: 'plugins is not available here: plugins are hosted by the frame page, which has no plugin host',
  aiDispatch: 'aiDispatch is not available here: the AI tier cascade runs on the frame page, which started none',
  aiEnhance: 'aiEnhance is not available here: the AI tier cascade runs on the frame page, which started none',
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

/** The world, or -27 for a frame that has none. */
function needWorld(world: World | null, method: string): World {
  if (world) return world;
  throw new EmbedError(
    EmbedCode.EngineUnavailable,
    `${method}: this frame has no live world (the browser could not start the viewer's world here: no OffscreenCanvas and no cross-origin isolation)`,
  );
}

/** Creates the API over `world`. The host must call `init` first. */
export function createEmbedApi(options: EmbedApiOptions): EmbedApi {
  const { world, memory, emit } = options;
  const layout = world?.layout ?? null;
  const capacity = Math.min(options.capacity ?? Number.POSITIVE_INFINITY, layout?.capacity ?? 0);
  const access: EmbedWorldAccess = {
    create: (defs) => needWorld(world, 'createEntity').create(...defs),
    owns: () => true,
    written: () => {},
    open: () => true,
    ...options.access,
  };
  let initialized = false;
  let maxEntities = capacity;
  const allowOrigins = new Set(options.allowOrigins ?? []);
  // Sound starts off (browsers' autoplay rules); the page applies what configure answers.
  let audio = { enabled: false, volume: 0.8 };
  let p2p = { allowed: true };
  const created = new Set<EntityId>();
  let lastError: WireError = { code: 0, message: '' };

  /** The components the host may name, with their layout (ids are the world's). */
  const openComponents = () => (world && layout ? layout.components.filter((c) => access.open(world.componentDef(c.id))) : []);
  const component = (w: World, ref: string | number) => {
    const known = openComponents();
    const c = typeof ref === 'number' ? known.find((k) => k.id === ref) : known.find((k) => k.name === ref);
    if (!c) {
      throw new EngineError(
        EngineCode.MissingComponent,
        `embed: no component ${JSON.stringify(ref)} open to the host in this world (known: ${known.map((k) => `${k.id} ${k.name}`).join(', ')})`,
      );
    }
    return { layout: c, def: w.componentDef(c.id) };
  };
  /** A live entity the host may touch (a dead or unknown id throws -10 from the engine's own check). */
  const mine = (w: World, id: EntityId, method: string): EntityId => {
    if (w.isAlive(id) && !access.owns(id)) {
      throw new EmbedError(
        EmbedCode.StaleEntity,
        `${method}: entity ${id} is not one this host created (the world's own entities are not open to the API)`,
      );
    }
    return id;
  };

  const methods: { [M in keyof EmbedMethods]: (params: EmbedMethods[M]['params']) => EmbedMethods[M]['result'] } = {
    init: () => {
      initialized = true;
      return {
        version: EMBED_PROTOCOL_VERSION,
        crossOriginIsolated: memory === 'shared-memory',
        engine: memory,
        capacity,
        components: openComponents().map((c) => ({ id: c.id, name: c.name, bytes: c.bytes })),
      };
    },
    configure: ({ json }) => {
      const parsed = parseConfig(json);
      if (!parsed.ok) throw new EmbedError(parsed.error.code, parsed.error.message);
      const { config } = parsed;
      if (config.maxEntities !== undefined) {
        if (config.maxEntities > capacity) {
          throw new EmbedError(
            EmbedCode.InvalidConfig,
            `configure: maxEntities ${config.maxEntities} is over the capacity for host entities, ${capacity}`,
          );
        }
        maxEntities = config.maxEntities;
      }
      for (const origin of config.allowOrigins ?? []) allowOrigins.add(origin);
      if (config.audio) audio = { ...audio, ...config.audio };
      if (config.p2p) p2p = { ...config.p2p };
      return { maxEntities, allowOrigins: [...allowOrigins], audio: { ...audio }, p2p: { ...p2p } };
    },
    createEntity: ({ components }) => {
      const w = needWorld(world, 'createEntity');
      // Entities the host created that the world has since destroyed do not count (pruned only at the limit).
      if (created.size >= maxEntities) for (const id of created) if (!w.isAlive(id)) created.delete(id);
      if (created.size >= maxEntities) {
        throw new EmbedError(
          EmbedCode.WorldFull,
          `createEntity: the host has made ${maxEntities} entities (the configured maxEntities); raise it with configure`,
        );
      }
      const defs = [...new Set((components ?? []).map((ref) => component(w, ref).def))];
      const id = access.create(defs);
      created.add(id);
      return { id };
    },
    queryEntity: ({ id }) => {
      const w = needWorld(world, 'queryEntity');
      return { bytes: serializeEntity(w, mine(w, id, 'queryEntity')) };
    },
    updateComponent: ({ id, type, bytes }) => {
      const w = needWorld(world, 'updateComponent');
      const { layout: c, def } = component(w, type);
      mine(w, id, 'updateComponent');
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
      dv.setUint32(4, w.layout.hash, true);
      dv.setUint16(8, 1, true);
      dv.setUint16(HEAD, c.id, true);
      dv.setUint32(HEAD + 4, c.bytes, true);
      record.set(bytes, HEAD + PART);
      const added = w.isAlive(id) && !w.has(id, def);
      deserializeEntity(w, record, id);
      access.written(id, def, added);
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
    loadPlugin: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.loadPlugin);
    },
    unloadPlugin: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.unloadPlugin);
    },
    plugins: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.plugins);
    },
    subscribe: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.subscribe);
    },
    unsubscribe: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.unsubscribe);
    },
    setCamera: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.setCamera);
    },
    resetCamera: () => {
      throw new EmbedError(EmbedCode.NotAvailableYet, NOT_YET.resetCamera);
    },
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
