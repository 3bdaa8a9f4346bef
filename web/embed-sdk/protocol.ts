/** The embed message protocol v1 as plain types: the contract between a host page and the `/embed` frame. */

/** Protocol version carried by every message. */
export const EMBED_PROTOCOL_VERSION = 1;

/**
 * Numeric error codes. -1..-3 are the seed's FFI codes, -10..-16 the ECS codes (docs/errors.md,
 * "ECS"), -20.. the embed API's own codes, -50.. the AI cascade's (docs/errors.md, "Embed API").
 */
export const EmbedCode = {
  AllocFailed: -1,
  InvalidConfig: -2,
  WorldFull: -3,
  StaleEntity: -10,
  MissingComponent: -11,
  BadBytes: -12,
  SchemaMismatch: -14,
  NotAvailableYet: -20,
  MalformedMessage: -21,
  OriginRefused: -22,
  UnknownMethod: -23,
  TooLarge: -24,
  NotInitialized: -25,
  UnsupportedVersion: -26,
  EngineUnavailable: -27,
  Busy: -28,
  Timeout: -29,
  ViewerClosed: -30,
  Internal: -31,
  ConnectFailed: -40,
  BadPlace: -41,
  BadPacket: -42,
  NotInWorld: -43,
  TokenRefused: -44,
  BadCameraShot: -45,
  AiBadRequest: -50,
  AiNotConfigured: -51,
  AiNotReady: -52,
  AiUnavailable: -53,
  AiRefused: -54,
  AiRateLimited: -55,
} as const;

/** An error on the wire: a stable numeric code and a plain message (never a stack). */
export interface WireError {
  code: number;
  message: string;
}

/** Protocols `connectProtocol` names (seed 16.2): 0 OpenSim, 1 Finalverse. */
export type ProtocolCode = 0 | 1;

/** What `init` answers. */
export interface InitResult {
  /** Protocol version the frame speaks. */
  version: number;
  /** Whether the engine runs with SharedArrayBuffer (true) or in the single-worker fallback (false). */
  crossOriginIsolated: boolean;
  engine: 'shared-memory' | 'single-worker';
  /** Most entities the host may create in the live world (also the `maxEntities` ceiling of `configure`). */
  capacity: number;
  /** Components the world knows, by component id (the `type` of `updateComponent`). */
  components: { id: number; name: string; bytes: number }[];
}

/** What `configure` answers: the settings now in force. */
export interface ConfigureResult {
  maxEntities: number;
  allowOrigins: string[];
  /** Sound on or off and its volume (0..1); audio plays only after a click or key press in the frame. */
  audio: { enabled: boolean; volume: number };
}

/** A plugin's state (docs/plugins.md). */
export type PluginStateName = 'loading' | 'loaded' | 'running' | 'failed' | 'terminated' | 'refused';

/** What `loadPlugin` answers: a refusal is a result with `ok: false` and its `plugin_*` code, not a failed call. */
export interface PluginLoadResult {
  ok: boolean;
  name: string;
  /** The risk score, 0..100 (above 40 needs `consent: true`). */
  risk: number;
  reasons: string[];
  code?: string;
  message?: string;
}

/** One plugin as `plugins` lists it. */
export interface PluginSummary {
  name: string;
  version: string;
  state: PluginStateName;
  reason: string;
  risk: number;
  update_ms_p50: number;
  events_per_s: number;
}

/**
 * A camera setting (docs/plugins.md, camera:control, the same schema and limits): each field optional; `distance`
 * 0.5..64 m (follow mode), `fovDeg` 10..120, `yaw` -7..7 and `pitch` -1.5..1.5 radians. No other keys.
 */
export interface CameraShot {
  mode?: 'follow' | 'free';
  distance?: number;
  fovDeg?: number;
  yaw?: number;
  pitch?: number;
}

/** Events a host must ask for (subscribe) before the frame sends them. */
export type OptInEvent = 'select';

/** What a click in the world picked (the `select` event; the same data as a plugin's world:select). */
export interface SelectedObject {
  /** The server's id of the entity. */
  id: number;
  kind: 'prim' | 'avatar';
  /** '' until the world has said it. */
  name: string;
  /** The owner's id where the world says one (an OpenSim owner's UUID), else null. */
  owner: string | null;
  /** The owner's name where known (a Finalverse creator; an OpenSim owner, as the grid names it), else null. */
  ownerName: string | null;
  /** box, cylinder, prism, half-cylinder, sphere, torus, tube, ring, sculpt, mesh, model or avatar. */
  shape: string;
  /** The source world's id for it (an OpenSim object's UUID), else null. */
  uuid: string | null;
  /** Region metres. */
  position: [number, number, number];
  /** Its size in metres along its own axes. */
  scale: [number, number, number];
  /** Metres from the camera. */
  distance: number;
}

/** Params and results per method. Bytes travel as Uint8Array (structured clone). */
export interface EmbedMethods {
  init: { params: Record<string, never>; result: InitResult };
  configure: { params: { json: string }; result: ConfigureResult };
  createEntity: { params: { components?: (string | number)[] }; result: { id: number } };
  queryEntity: { params: { id: number }; result: { bytes: Uint8Array } };
  updateComponent: { params: { id: number; type: string | number; bytes: Uint8Array }; result: Record<string, never> };
  /**
   * One AI request through the tier cascade (docs/embedding.md "AI"): `json` is an AiRequest
   * {task: "forecast" | "anomaly" | "build", tier?, input?}; the result is the AiAnswer as JSON.
   */
  aiDispatch: { params: { json: string }; result: { json: string } };
  /**
   * UTF-8 in: an AiRequest as JSON, or a description to build (task "build"); UTF-8 JSON of the AiAnswer out.
   * An `aiEnhanceComplete` event with the same outcome follows the answer.
   */
  aiEnhance: { params: { bytes: Uint8Array }; result: { bytes: Uint8Array } };
  /** Joins a place: the result is its canonical link (the frame shows it from then on). */
  connectProtocol: { params: { protocol: ProtocolCode; url: string; creds: string }; result: { place: string } };
  /** One Storm protocol client frame (chat or action); `reply` is the action_result frame, or null for chat. */
  sendPacket: { params: { bytes: Uint8Array }; result: { reply: Uint8Array | null } };
  /** An access token for the Finalverse world you stand in: `perms` ⊆ a visitor's, valid `expiry` seconds (60..3600). */
  generateToken: { params: { perms: number; expiry: number }; result: { token: string; permissions: number; expiresAt: number } };
  /** The last failed call's error, or code 0 and '' when none failed yet. */
  getLastError: { params: Record<string, never>; result: WireError };
  /**
   * Loads a plugin from its manifest URL (absolute, or relative to the frame) into a sandbox of its own. `consent`
   * accepts a risk above the threshold; `trusted` is honoured only for plugins the operator lists (not built yet:
   * every plugin is sandboxed).
   */
  loadPlugin: { params: { url: string; trusted?: boolean; consent?: boolean }; result: PluginLoadResult };
  unloadPlugin: { params: { name: string }; result: { unloaded: boolean } };
  plugins: { params: Record<string, never>; result: { plugins: PluginSummary[] } };
  /** Asks for opt-in events (`select`); the result lists what this host's origin now gets. */
  subscribe: { params: { events: OptInEvent[] }; result: { events: OptInEvent[] } };
  /** Stops opt-in events; the result lists what this host's origin still gets. */
  unsubscribe: { params: { events: OptInEvent[] }; result: { events: OptInEvent[] } };
  /** Frames the camera (a shot outside the limits answers -45); the visitor's mouse and keys keep working. */
  setCamera: { params: { shot: CameraShot }; result: Record<string, never> };
  /** Puts the camera back as it was before the first shot (a host's or a plugin's). */
  resetCamera: { params: Record<string, never>; result: Record<string, never> };
}

/** A method name. */
export type EmbedMethod = keyof EmbedMethods;

/** Host → frame. `id` pairs the answer with the request. */
export interface EmbedRequestMessage<M extends EmbedMethod = EmbedMethod> {
  v: 1;
  id: string | number;
  method: M;
  params: EmbedMethods[M]['params'];
}

/** Frame → host: the answer to one request (`id` null when the request was too malformed to read one). */
export type EmbedResponseMessage =
  | { v: 1; id: string | number | null; ok: true; result: unknown }
  | { v: 1; id: string | number | null; ok: false; error: WireError };

/** Frame → host events. */
export interface EmbedEvents {
  /** The frame is listening and its engine is up. */
  ready: { version: number; crossOriginIsolated: boolean; engine: 'shared-memory' | 'single-worker'; place: string };
  /** An `aiEnhance` request finished (its `id` is the request id). */
  aiEnhanceComplete: { id: string | number; ok: boolean; error?: WireError; bytes?: Uint8Array };
  /**
   * The live world's connection changed state or place: `place` is the link of the world or region (no
   * position), `reason` says why when reconnecting or failed.
   */
  world: { state: 'idle' | 'connecting' | 'in-world' | 'reconnecting' | 'failed'; place: string | null; reason?: string };
  /** A plugin changed state (or a loop it was in was cut: `code` says so). */
  plugin: { name: string; state: PluginStateName; reason: string; code?: string };
  /**
   * The visitor clicked in the world (a press and release within 5 px): what it met, or null for nothing. Sent only
   * to hosts that subscribed to `select`.
   */
  select: { object: SelectedObject | null };
}

/** Frame → host: an event (no `id`). */
export interface EmbedEventMessage<E extends keyof EmbedEvents = keyof EmbedEvents> {
  v: 1;
  event: E;
  data: EmbedEvents[E];
}
