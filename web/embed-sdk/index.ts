/**
 * StormCore embed SDK for host pages: `mountViewer(element, options)` puts the viewer in an iframe and
 * returns a typed handle whose methods are the embed message API. No dependencies.
 */

import { type Checked, checkEvent, isEmbedEvent } from './events';
import {
  type CameraShot,
  EMBED_PROTOCOL_VERSION,
  EmbedCode,
  type EmbedEvents,
  type EmbedMethod,
  type EmbedMethods,
  type EmbedResponseMessage,
  type OptInEvent,
  type PluginLoadResult,
  type PluginSummary,
  type WireError,
} from './protocol';

export { type Checked, checkEvent, checkSelectEvent, EVENT_LIMITS, isEmbedEvent, SELECT_LIMITS } from './events';
export * from './protocol';

/** A failed call: `code` is one of EmbedCode (docs/errors.md), `message` says what to do. */
export class EmbedApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmbedApiError';
  }
}

/** Options of `mountViewer`. */
export interface MountOptions {
  /** Origin (or any URL on it) of the StormCore viewer, e.g. https://stormcore.example. */
  viewer: string;
  /** A place link: `#/fv/<world>/…`, `#/os/<grid>/<Region>/…`, or hop:// / secondlife:// / SLURL. Default: the demo world. */
  place?: string;
  /** Ms to wait for the frame's `ready` (default 20000) and for each answer (default 15000). */
  readyTimeoutMs?: number;
  callTimeoutMs?: number;
  /** The iframe's accessible title. */
  title?: string;
  /**
   * Told of an event from the frame that failed its check (malformed data or an unknown event: code -21, the message
   * names the event and the field); that event reaches no listener. Default: console.warn.
   */
  onEventError?: (error: EmbedApiError) => void;
}

type Listener<E extends keyof EmbedEvents> = (data: EmbedEvents[E]) => void;
type Call<M extends EmbedMethod> =
  Record<string, never> extends EmbedMethods[M]['params']
    ? (params?: EmbedMethods[M]['params']) => Promise<EmbedMethods[M]['result']>
    : (params: EmbedMethods[M]['params']) => Promise<EmbedMethods[M]['result']>;

/** A mounted viewer. Every method returns a promise that rejects with EmbedApiError. */
export interface Viewer {
  readonly iframe: HTMLIFrameElement;
  /** What the frame reported when it became ready (isolation, engine mode, place). */
  readonly ready: EmbedEvents['ready'];
  init(): Promise<EmbedMethods['init']['result']>;
  configure(config: string | object): Promise<EmbedMethods['configure']['result']>;
  createEntity(components?: (string | number)[]): Promise<number>;
  queryEntity(id: number): Promise<Uint8Array>;
  updateComponent(id: number, type: string | number, bytes: Uint8Array): Promise<void>;
  aiDispatch(json: string | object): Promise<string>;
  /** Resolves or rejects like the others; an `aiEnhanceComplete` event follows with the same outcome. */
  aiEnhance(bytes: Uint8Array): Promise<Uint8Array>;
  /** Joins a place (a link of the protocol's kind; OpenSim also a login URI) once in world; resolves with its link. */
  connectProtocol(protocol: 0 | 1, url: string, creds: string | object): Promise<string>;
  /** Sends one Storm protocol client frame (chat or action); resolves with the action_result frame, or null. */
  sendPacket(bytes: Uint8Array): Promise<Uint8Array | null>;
  generateToken(perms: number, expiry: number): Promise<string>;
  getLastError(): Promise<WireError>;
  /** Loads a plugin from its manifest URL into a sandbox of its own (docs/plugins.md); a refusal resolves with ok false. */
  loadPlugin(url: string, options?: { trusted?: boolean; consent?: boolean }): Promise<PluginLoadResult>;
  /** Unloads a plugin; false when there was none of that name. */
  unloadPlugin(name: string): Promise<boolean>;
  /** The plugins with their state and cost. */
  plugins(): Promise<PluginSummary[]>;
  /** Asks for opt-in events (`select`: what the visitor clicks); resolves with what this page now gets. */
  subscribe(events: OptInEvent[]): Promise<OptInEvent[]>;
  /** Stops opt-in events; resolves with what this page still gets. */
  unsubscribe(events: OptInEvent[]): Promise<OptInEvent[]>;
  /** Frames the camera (camera:control's shot and limits; -45 outside them). */
  setCamera(shot: CameraShot): Promise<void>;
  /** Puts the camera back as it was before the first shot. */
  resetCamera(): Promise<void>;
  /** Low level: any method by name with raw params (what the typed methods call). */
  call: { [M in EmbedMethod]: Call<M> };
  on<E extends keyof EmbedEvents>(event: E, listener: Listener<E>): () => void;
  /** Removes the iframe; calls in flight reject with ViewerClosed. */
  destroy(): void;
}

function viewerOrigin(viewer: string): string {
  try {
    return new URL(viewer).origin;
  } catch {
    throw new EmbedApiError(
      EmbedCode.InvalidConfig,
      `embed-sdk: viewer "${viewer}" is not a URL; pass e.g. https://stormcore.example`,
    );
  }
}

/** The iframe URL for a place (exported for hosts that write their own iframe). */
export function embedUrl(viewer: string, place = '#/fv/plaza', allow: readonly string[] = []): string {
  const url = new URL('/embed', viewerOrigin(viewer));
  if (allow.length > 0) url.searchParams.set('allow', allow.join(','));
  url.hash = place.startsWith('#') ? place.slice(1) : encodeURIComponent(place);
  return url.toString();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Mounts the viewer in `element` and resolves once the frame is ready for calls. */
export function mountViewer(element: HTMLElement, options: MountOptions): Promise<Viewer> {
  const origin = viewerOrigin(options.viewer);
  const callTimeout = options.callTimeoutMs ?? 15_000;
  /** The least time the SDK waits for connectProtocol (the frame's own limits: 25 s to log in, 30 s to join). */
  const CONNECT_ANSWER_MS = 60_000;
  const iframe = document.createElement('iframe');
  iframe.src = embedUrl(origin, options.place, [location.origin]);
  iframe.title = options.title ?? 'StormCore 3D viewer';
  iframe.allow = 'cross-origin-isolated; fullscreen; clipboard-write';
  iframe.style.cssText = 'border:0;width:100%;height:100%;display:block';
  // A host that is itself isolated (COEP) may only frame documents that also send COEP, unless the
  // frame is credentialless; /embed sends Document-Isolation-Policy instead, so mark the frame.
  if (self.crossOriginIsolated) iframe.setAttribute('credentialless', '');

  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: EmbedApiError) => void; timer: ReturnType<typeof setTimeout> }
  >();
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  let nextId = 1;
  let closed = false;
  let onReady: ((data: EmbedEvents['ready']) => void) | null = null;

  const rejectAll = (code: number, message: string): void => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new EmbedApiError(code, message));
    }
    pending.clear();
  };
  const onMessage = (e: MessageEvent<unknown>): void => {
    if (e.source !== iframe.contentWindow || e.origin !== origin || !isObject(e.data) || e.data.v !== EMBED_PROTOCOL_VERSION)
      return;
    const msg = e.data;
    if (typeof msg.event === 'string') {
      const name = msg.event;
      // Every event's data is checked before anything acts on it: a malformed one goes to onEventError (-21).
      const checked: Checked<unknown> = isEmbedEvent(name)
        ? checkEvent(name, msg.data)
        : { ok: false, message: `embed-sdk: event ${JSON.stringify(name.slice(0, 64))} is not one this SDK knows` };
      if (!checked.ok) {
        const error = new EmbedApiError(EmbedCode.MalformedMessage, checked.message);
        if (options.onEventError) options.onEventError(error);
        else console.warn(error.message);
        return;
      }
      if (name === 'ready') {
        if (onReady) onReady(checked.value as EmbedEvents['ready']);
        // A second `ready` means the frame reloaded: its world is new, calls in flight are lost.
        else rejectAll(EmbedCode.EngineUnavailable, 'embed-sdk: the viewer reloaded; its world was reset, call init again');
      }
      for (const l of listeners.get(name) ?? []) l(checked.value);
      return;
    }
    const response = msg as unknown as EmbedResponseMessage;
    const p = typeof response.id === 'number' ? pending.get(response.id) : undefined;
    if (!p || typeof response.id !== 'number') return;
    pending.delete(response.id);
    clearTimeout(p.timer);
    if (response.ok) p.resolve(response.result);
    else p.reject(new EmbedApiError(response.error.code, response.error.message));
  };
  window.addEventListener('message', onMessage);

  const send = (method: EmbedMethod, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const target = iframe.contentWindow;
      if (closed || !target) {
        reject(new EmbedApiError(EmbedCode.ViewerClosed, 'embed-sdk: the viewer was destroyed'));
        return;
      }
      const id = nextId++;
      // connectProtocol answers once you stand in the place (a grid login included), which can take a while.
      const wait = method === 'connectProtocol' ? Math.max(callTimeout, CONNECT_ANSWER_MS) : callTimeout;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new EmbedApiError(EmbedCode.Timeout, `embed-sdk: ${method} got no answer within ${wait} ms`));
      }, wait);
      pending.set(id, { resolve, reject, timer });
      target.postMessage({ v: EMBED_PROTOCOL_VERSION, id, method, params: params ?? {} }, origin);
    });
  const call = Object.fromEntries(
    (
      [
        'init',
        'configure',
        'createEntity',
        'queryEntity',
        'updateComponent',
        'aiDispatch',
        'aiEnhance',
        'connectProtocol',
        'sendPacket',
        'generateToken',
        'getLastError',
        'loadPlugin',
        'unloadPlugin',
        'plugins',
        'subscribe',
        'unsubscribe',
        'setCamera',
        'resetCamera',
      ] as const
    ).map((m) => [m, (params?: unknown) => send(m, params)]),
  ) as Viewer['call'];
  const json = (v: string | object): string => (typeof v === 'string' ? v : JSON.stringify(v));

  const destroy = (): void => {
    closed = true;
    window.removeEventListener('message', onMessage);
    rejectAll(EmbedCode.ViewerClosed, 'embed-sdk: the viewer was destroyed');
    iframe.remove();
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      destroy();
      reject(
        new EmbedApiError(
          EmbedCode.Timeout,
          `embed-sdk: the viewer at ${origin} was not ready within ${options.readyTimeoutMs ?? 20_000} ms`,
        ),
      );
    }, options.readyTimeoutMs ?? 20_000);
    onReady = (ready) => {
      onReady = null;
      clearTimeout(timer);
      resolve({
        iframe,
        ready,
        init: () => call.init(),
        configure: (config) => call.configure({ json: json(config) }),
        createEntity: async (components) => (await call.createEntity(components ? { components } : {})).id,
        queryEntity: async (id) => (await call.queryEntity({ id })).bytes,
        updateComponent: async (id, type, bytes) => void (await call.updateComponent({ id, type, bytes })),
        aiDispatch: async (req) => (await call.aiDispatch({ json: json(req) })).json,
        aiEnhance: async (bytes) => (await call.aiEnhance({ bytes })).bytes,
        connectProtocol: async (protocol, url, creds) =>
          (await call.connectProtocol({ protocol, url, creds: json(creds) })).place,
        sendPacket: async (bytes) => (await call.sendPacket({ bytes })).reply,
        generateToken: async (perms, expiry) => (await call.generateToken({ perms, expiry })).token,
        getLastError: () => call.getLastError(),
        loadPlugin: (url, opts = {}) => call.loadPlugin({ url, ...opts }),
        unloadPlugin: async (name) => (await call.unloadPlugin({ name })).unloaded,
        plugins: async () => (await call.plugins({})).plugins,
        subscribe: async (events) => (await call.subscribe({ events })).events,
        unsubscribe: async (events) => (await call.unsubscribe({ events })).events,
        setCamera: async (shot) => void (await call.setCamera({ shot })),
        resetCamera: async () => void (await call.resetCamera({})),
        call,
        on: (event, listener) => {
          const set = listeners.get(event) ?? new Set();
          listeners.set(event, set);
          const l = listener as (data: unknown) => void;
          set.add(l);
          return () => set.delete(l);
        },
        destroy,
      });
    };
    element.append(iframe);
  });
}
