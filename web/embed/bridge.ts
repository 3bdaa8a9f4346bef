/**
 * The host-message bridge (main thread of the /embed frame): checks each message's origin against
 * the allowlist, parses it with the schemas, forwards only parsed requests to the engine (the live world), and
 * answers the host at its own origin (never '*').
 */
import { EVENT_LIMITS } from '../embed-sdk/events';
import {
  EMBED_PROTOCOL_VERSION,
  EmbedCode,
  type EmbedEventMessage,
  type EmbedEvents,
  type EmbedMethod,
  type EmbedMethods,
  type EmbedResponseMessage,
  type InitResult,
  type OptInEvent,
  type WireError,
} from '../embed-sdk/protocol';
import type { AiMethods } from './ai-methods';
import type { EngineMessage, EngineRequest } from './engine-protocol';
import { toWireError } from './errors';
import { EmbedAudioSettings, EmbedP2pSettings, type EmbedRequest, Origin, parseRequest, RequestId } from './schemas';

/** Requests in flight at once; more are refused with Busy. */
export const MAX_PENDING = 256;

/** Where an answer goes: `MessageEvent.source` (a Window), posted with an explicit target origin. */
export interface ReplyTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** The methods the frame's live viewer answers on the main thread rather than the engine. */
export type LiveMethods = {
  [M in 'connectProtocol' | 'sendPacket' | 'generateToken']: (
    params: EmbedMethods[M]['params'],
  ) => Promise<EmbedMethods[M]['result']>;
};

/** The plugin methods, answered by the frame's plugin host (web/plugins) on the main thread. */
export type PluginMethods = {
  [M in 'loadPlugin' | 'unloadPlugin' | 'plugins']: (params: EmbedMethods[M]['params']) => Promise<EmbedMethods[M]['result']>;
};

/** The camera methods, answered by the frame page's renderer (the same shots as a plugin's camera:control). */
export type ViewMethods = {
  [M in 'setCamera' | 'resetCamera']: (params: EmbedMethods[M]['params']) => Promise<EmbedMethods[M]['result']>;
};

/** What the bridge needs of a host message. */
export interface HostMessage {
  data: unknown;
  origin: string;
  source: ReplyTarget | null;
}

/** The engine (the live world's embed plugin, web/embed/engine-link.ts), as the bridge sees it. */
export interface EngineLink {
  send(message: EngineRequest): void;
  onMessage(handler: (message: EngineMessage) => void): void;
  stop(): void;
}

/** What the overlay shows and tests read. */
export interface BridgeStatus {
  engine: 'starting' | InitResult['engine'] | 'failed';
  /** Origins allowed to call the API. */
  allowed: string[];
  answered: number;
  refused: number;
}

export interface HostBridgeOptions {
  /** This frame's origin (always allowed: a same-origin host page). */
  selfOrigin: string;
  /** Origins from the embed URL's `allow` parameter (already validated). */
  allow: readonly string[];
  engine: EngineLink;
  /** The host window, for the `ready` event (window.parent); null when not framed. */
  parent: ReplyTarget | null;
  /** The place shown (the embed URL's hash), reported in `ready`. */
  place: string;
  /**
   * Methods the live viewer answers (joining a place, sending into the world; they reject with a coded
   * error). Without a live viewer the engine answers them itself (-20).
   */
  live?: LiveMethods;
  /** The frame's plugin host (without one the engine answers the plugin methods with -20). */
  plugins?: PluginMethods;
  /** The AI tier cascade (web/embed/ai-methods.ts; without it the engine answers aiDispatch and aiEnhance with -20). */
  ai?: AiMethods;
  /** The frame page's camera (without it the engine answers setCamera and resetCamera with -20). */
  view?: ViewMethods;
  onStatus?: (status: BridgeStatus) => void;
  /** configure's sound settings (validated by the engine, checked again here), for the page's audio. */
  onAudio?: (audio: { enabled: boolean; volume: number }) => void;
  /** configure's peer-to-peer permission (checked again here), for the page's peer transport. */
  onP2p?: (p2p: { allowed: boolean }) => void;
}

export interface HostBridge {
  /** Feed every `message` event of the frame's window here. */
  receive(message: HostMessage): void;
  /** Tells the host (every allowed origin of the parent, as `ready` does) about the live world. */
  world(data: EmbedEvents['world']): void;
  /** Tells the host that a plugin changed state. */
  plugin(data: EmbedEvents['plugin']): void;
  /** Tells the hosts that subscribed to `select` what a click in the world picked. */
  select(data: EmbedEvents['select']): void;
  status(): BridgeStatus;
  stop(): void;
}

interface Pending {
  hostId: string | number;
  origin: string;
  source: ReplyTarget;
  method: EmbedMethod;
}

function readableId(data: unknown): string | number | null {
  if (typeof data !== 'object' || data === null) return null;
  try {
    const id = RequestId.safeParse((data as { id?: unknown }).id);
    return id.success ? id.data : null;
  } catch {
    return null;
  }
}

/** The live viewer's call for `request` (not started yet), or null when the engine answers that method. */
function liveCall(
  live: LiveMethods | undefined,
  plugins: PluginMethods | undefined,
  ai: AiMethods | undefined,
  view: ViewMethods | undefined,
  request: EmbedRequest,
): (() => Promise<unknown>) | null {
  if (view) {
    if (request.method === 'setCamera') return () => view.setCamera(request.params);
    if (request.method === 'resetCamera') return () => view.resetCamera(request.params);
  }
  if (ai) {
    if (request.method === 'aiDispatch') return () => ai.aiDispatch(request.params);
    if (request.method === 'aiEnhance') return () => ai.aiEnhance(request.params);
  }
  if (live) {
    if (request.method === 'connectProtocol') return () => live.connectProtocol(request.params);
    if (request.method === 'sendPacket') return () => live.sendPacket(request.params);
    if (request.method === 'generateToken') return () => live.generateToken(request.params);
  }
  if (plugins) {
    if (request.method === 'loadPlugin') return () => plugins.loadPlugin(request.params);
    if (request.method === 'unloadPlugin') return () => plugins.unloadPlugin(request.params);
    if (request.method === 'plugins') return () => plugins.plugins(request.params);
  }
  return null;
}

/** An event's reason cut to what the SDK's check takes (EVENT_LIMITS.message), so a long one still arrives. */
function clipReason<T extends { reason?: string }>(data: T): T {
  return data.reason !== undefined && data.reason.length > EVENT_LIMITS.message
    ? { ...data, reason: data.reason.slice(0, EVENT_LIMITS.message) }
    : data;
}

/** Creates the bridge. Messages arrive through `receive` (the entry wires `window.onmessage`). */
export function createHostBridge(options: HostBridgeOptions): HostBridge {
  const allowed = new Set<string>([options.selfOrigin, ...options.allow]);
  const pending = new Map<number, Pending>();
  const awaitingEvent = new Map<number, Pending>();
  const queue: EngineRequest[] = [];
  let seq = 0;
  let engine: BridgeStatus['engine'] = 'starting';
  let engineIsolated = false;
  let answered = 0;
  let refused = 0;
  /** Whether `init` has succeeded (methods the bridge answers itself need it too). */
  let initialized = false;
  /** Hosts that asked for opt-in events, by origin: the window to post them to and which events. */
  const subscribers = new Map<string, { source: ReplyTarget; events: Set<OptInEvent> }>();

  const status = (): BridgeStatus => ({ engine, allowed: [...allowed], answered, refused });
  const changed = () => options.onStatus?.(status());

  const reply = (to: ReplyTarget, origin: string, message: EmbedResponseMessage | EmbedEventMessage): void => {
    try {
      to.postMessage(message, origin);
    } catch {
      // The host went away (frame detached); nothing to answer.
    }
  };
  const refuse = (to: ReplyTarget, origin: string, id: string | number | null, error: WireError): void => {
    refused++;
    reply(to, origin, { v: EMBED_PROTOCOL_VERSION, id, ok: false, error });
    changed();
  };

  const failAll = (message: string): void => {
    engine = 'failed';
    const error = { code: EmbedCode.EngineUnavailable, message };
    for (const p of pending.values()) refuse(p.source, p.origin, p.hostId, error);
    pending.clear();
    queue.length = 0;
    changed();
  };

  const fromEngine = (message: EngineMessage): void => {
    switch (message.type) {
      case 'embed-ready': {
        engine = message.engine;
        engineIsolated = message.crossOriginIsolated;
        for (const q of queue.splice(0)) options.engine.send(q);
        const ready: EmbedEventMessage<'ready'> = {
          v: EMBED_PROTOCOL_VERSION,
          event: 'ready',
          data: {
            version: EMBED_PROTOCOL_VERSION,
            crossOriginIsolated: engineIsolated,
            engine: message.engine,
            place: options.place,
          },
        };
        // A target origin that does not match the host drops the message, so only allowed hosts hear it.
        if (options.parent) for (const origin of allowed) reply(options.parent, origin, ready);
        changed();
        return;
      }
      case 'embed-failed':
        failAll(message.message);
        return;
      case 'embed-response': {
        const key = Number(message.response.id);
        const p = pending.get(key);
        if (!p) return;
        pending.delete(key);
        let response = message.response;
        if (response.ok && p.method === 'configure') {
          // configure's allowOrigins (validated by the engine, checked again here) join the allowlist.
          const result = response.result as { allowOrigins?: unknown; audio?: unknown; p2p?: unknown };
          if (Array.isArray(result.allowOrigins)) {
            for (const o of result.allowOrigins) if (Origin.safeParse(o).success) allowed.add(o as string);
          }
          const audio = EmbedAudioSettings.safeParse(result.audio);
          if (audio.success) options.onAudio?.(audio.data);
          const p2p = EmbedP2pSettings.safeParse(result.p2p);
          if (p2p.success) options.onP2p?.(p2p.data);
          response = { ...response, result: { ...result, allowOrigins: [...allowed] } };
        }
        if (p.method === 'aiEnhance') awaitingEvent.set(key, p);
        if (p.method === 'init' && response.ok) initialized = true;
        answered++;
        reply(p.source, p.origin, { ...response, id: p.hostId });
        changed();
        return;
      }
      case 'embed-event': {
        const event = message.event;
        if (event.event !== 'aiEnhanceComplete') return;
        const data = event.data as { id: string | number };
        const key = Number(data.id);
        const p = awaitingEvent.get(key);
        if (!p) return;
        awaitingEvent.delete(key);
        reply(p.source, p.origin, { ...event, data: { ...event.data, id: p.hostId } } as EmbedEventMessage);
        return;
      }
    }
  };
  options.engine.onMessage(fromEngine);

  const receive = ({ data, origin, source }: HostMessage): void => {
    if (!source) return;
    if (!allowed.has(origin)) {
      refuse(source, origin, readableId(data), {
        code: EmbedCode.OriginRefused,
        message: `embed: origin ${origin.slice(0, 200)} is not allowed to use this viewer; list it in the embed URL's allow parameter`,
      });
      return;
    }
    const parsed = parseRequest(data);
    if (!parsed.ok) {
      refuse(source, origin, parsed.id, parsed.error);
      return;
    }
    const { request } = parsed;
    if (engine === 'failed') {
      refuse(source, origin, request.id, {
        code: EmbedCode.EngineUnavailable,
        message: 'embed: the engine is not running; reload the frame',
      });
      return;
    }
    if (pending.size >= MAX_PENDING) {
      refuse(source, origin, request.id, {
        code: EmbedCode.Busy,
        message: `embed: ${MAX_PENDING} requests are in flight; wait for answers`,
      });
      return;
    }
    if (request.method === 'subscribe' || request.method === 'unsubscribe') {
      if (!initialized) {
        refuse(source, origin, request.id, {
          code: EmbedCode.NotInitialized,
          message: `embed: ${request.method}: call init first`,
        });
        return;
      }
      // Opt-in events go to the window that asked, at its origin, and to no other.
      const had = subscribers.get(origin);
      const events = new Set<OptInEvent>(had?.events ?? []);
      for (const e of request.params.events) {
        if (request.method === 'subscribe') events.add(e);
        else events.delete(e);
      }
      if (events.size > 0) subscribers.set(origin, { source, events });
      else subscribers.delete(origin);
      answered++;
      reply(source, origin, { v: EMBED_PROTOCOL_VERSION, id: request.id, ok: true, result: { events: [...events] } });
      changed();
      return;
    }
    const live = liveCall(options.live, options.plugins, options.ai, options.view, request);
    if (live) {
      if (!initialized) {
        refuse(source, origin, request.id, {
          code: EmbedCode.NotInitialized,
          message: `embed: ${request.method}: call init first`,
        });
        return;
      }
      const id = request.id;
      // aiEnhance's async half (seed: a callback): a completion event with the same outcome after the answer.
      const complete = (data: EmbedEvents['aiEnhanceComplete']): void => {
        if (request.method === 'aiEnhance')
          reply(source, origin, { v: EMBED_PROTOCOL_VERSION, event: 'aiEnhanceComplete', data });
      };
      live().then(
        (result) => {
          answered++;
          reply(source, origin, { v: EMBED_PROTOCOL_VERSION, id, ok: true, result });
          changed();
          const bytes = (result as { bytes?: unknown }).bytes;
          complete({ id, ok: true, ...(bytes instanceof Uint8Array ? { bytes } : {}) });
        },
        (err: unknown) => {
          const error = toWireError(err);
          refuse(source, origin, id, error);
          complete({ id, ok: false, error });
        },
      );
      return;
    }
    const key = ++seq;
    pending.set(key, { hostId: request.id, origin, source, method: request.method });
    const forward: EngineRequest = { type: 'embed-request', request: { ...request, id: key } };
    if (engine === 'starting') queue.push(forward);
    else options.engine.send(forward);
  };

  return {
    receive,
    world: (data) => {
      const message: EmbedEventMessage<'world'> = { v: EMBED_PROTOCOL_VERSION, event: 'world', data: clipReason(data) };
      if (options.parent) for (const origin of allowed) reply(options.parent, origin, message);
    },
    plugin: (data) => {
      const message: EmbedEventMessage<'plugin'> = { v: EMBED_PROTOCOL_VERSION, event: 'plugin', data: clipReason(data) };
      if (options.parent) for (const origin of allowed) reply(options.parent, origin, message);
    },
    select: (data) => {
      const message: EmbedEventMessage<'select'> = { v: EMBED_PROTOCOL_VERSION, event: 'select', data };
      for (const [origin, s] of subscribers) if (s.events.has('select') && allowed.has(origin)) reply(s.source, origin, message);
    },
    status,
    stop: () => {
      options.engine.stop();
      pending.clear();
      awaitingEvent.clear();
      subscribers.clear();
    },
  };
}
