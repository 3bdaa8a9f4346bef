/**
 * Runtime schemas of the embed protocol v1 (zod), with size limits. Every host message is parsed here
 * before anything else looks at it; `parseRequest` never throws.
 */
import { z } from 'zod';
import {
  EMBED_PROTOCOL_VERSION,
  EmbedCode,
  type EmbedMethod,
  type EmbedMethods,
  type EmbedRequestMessage,
  type WireError,
} from '../embed-sdk/protocol';
import { CameraShot } from '../plugins/sandbox-protocol';

/** Limits that keep hostile input cheap to reject. */
export const EMBED_LIMITS = {
  /** Characters of a string request id. */
  maxIdLength: 64,
  /** Characters of a JSON text (configure, aiDispatch). */
  maxJsonChars: 65_536,
  /** Bytes of one binary parameter (queryEntity answers are not limited by this). */
  maxBytes: 1_048_576,
  /** Characters of a URL or a method name. */
  maxUrlChars: 2048,
  /** Characters of the credentials JSON of connectProtocol. */
  maxCredsChars: 8192,
  /** Component names/ids in one createEntity. */
  maxComponents: 64,
  /** Origins in an allowlist. */
  maxOrigins: 16,
} as const;

/** A request id: a safe non-negative integer or a short string. */
export const RequestId = z.union([z.int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(EMBED_LIMITS.maxIdLength)]);

const u32 = z.int().min(0).max(0xffff_ffff);
const jsonText = z.string().max(EMBED_LIMITS.maxJsonChars);
const componentRef = z.union([z.string().min(1).max(64), z.int().min(0).max(0xffff)]);
const bytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, 'must be a Uint8Array')
  .refine((b) => b.byteLength <= EMBED_LIMITS.maxBytes, {
    message: `must be at most ${EMBED_LIMITS.maxBytes} bytes`,
    params: { tooLarge: true },
  });
const none = z
  .strictObject({})
  .optional()
  .transform((): Record<string, never> => ({}));

/** The events a host must subscribe to. */
export const OptInEvent = z.enum(['select']);

/** Params schema per method; the compiler checks each against the SDK's types. */
export const ParamSchemas = {
  init: none,
  configure: z.strictObject({ json: jsonText }),
  createEntity: z
    .strictObject({ components: z.array(componentRef).max(EMBED_LIMITS.maxComponents).optional() })
    .optional()
    .transform((p) => p ?? {}),
  queryEntity: z.strictObject({ id: u32 }),
  updateComponent: z.strictObject({ id: u32, type: componentRef, bytes }),
  aiDispatch: z.strictObject({ json: jsonText }),
  aiEnhance: z.strictObject({ bytes }),
  connectProtocol: z.strictObject({
    protocol: z.union([z.literal(0), z.literal(1)]),
    url: z.string().min(1).max(EMBED_LIMITS.maxUrlChars),
    creds: z.string().max(EMBED_LIMITS.maxCredsChars),
  }),
  sendPacket: z.strictObject({ bytes }),
  generateToken: z.strictObject({
    perms: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    expiry: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  }),
  getLastError: none,
  loadPlugin: z.strictObject({
    url: z.string().min(1).max(EMBED_LIMITS.maxUrlChars),
    trusted: z.boolean().optional(),
    consent: z.boolean().optional(),
  }),
  unloadPlugin: z.strictObject({ name: z.string().min(1).max(40) }),
  plugins: none,
  subscribe: z.strictObject({ events: z.array(OptInEvent).min(1).max(8) }),
  unsubscribe: z.strictObject({ events: z.array(OptInEvent).min(1).max(8) }),
  setCamera: z.strictObject({ shot: CameraShot }),
  resetCamera: none,
} satisfies { [M in EmbedMethod]: z.ZodType<EmbedMethods[M]['params'], unknown> };

/** The method names the frame answers. */
export const METHODS = Object.keys(ParamSchemas) as EmbedMethod[];

/** A parsed, validated request: the only form in which host data goes further. */
export type EmbedRequest = { [M in EmbedMethod]: EmbedRequestMessage<M> }[EmbedMethod];

/** The outcome of parsing one message. */
export type ParsedRequest = { ok: true; request: EmbedRequest } | { ok: false; id: string | number | null; error: WireError };

function isMethod(name: string): name is EmbedMethod {
  return Object.hasOwn(ParamSchemas, name);
}

function refuse(id: string | number | null, code: number, message: string): ParsedRequest {
  return { ok: false, id, error: { code, message: `embed: ${message}` } };
}

/** Plain words for the first issue of a failed parse, and whether it was a size limit. */
function describe(issues: readonly z.core.$ZodIssue[]): { message: string; tooLarge: boolean } {
  const issue = issues[0];
  if (!issue) return { message: 'invalid params', tooLarge: false };
  const where = issue.path.length > 0 ? `params.${issue.path.map(String).join('.')}` : 'params';
  const tooLarge = issue.code === 'too_big' || (issue.code === 'custom' && issue.params?.tooLarge === true);
  return { message: `${where}: ${issue.message}`, tooLarge };
}

function parseUnsafe(data: unknown): ParsedRequest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return refuse(null, EmbedCode.MalformedMessage, 'a request must be an object {v, id, method, params}');
  }
  const record = data as Record<string, unknown>;
  const idResult = RequestId.safeParse(record.id);
  const id = idResult.success ? idResult.data : null;
  if (!idResult.success)
    return refuse(
      null,
      EmbedCode.MalformedMessage,
      `id must be an integer ≥ 0 or a string of 1..${EMBED_LIMITS.maxIdLength} characters`,
    );
  if (record.v !== EMBED_PROTOCOL_VERSION) {
    return typeof record.v === 'number'
      ? refuse(id, EmbedCode.UnsupportedVersion, `protocol version ${String(record.v).slice(0, 20)} is not spoken here; use v: 1`)
      : refuse(id, EmbedCode.MalformedMessage, 'v must be the protocol version 1');
  }
  const method = record.method;
  if (typeof method !== 'string') return refuse(id, EmbedCode.MalformedMessage, 'method must be a string');
  if (!isMethod(method)) {
    return refuse(id, EmbedCode.UnknownMethod, `unknown method "${method.slice(0, 64)}"; known: ${METHODS.join(', ')}`);
  }
  const parsed = ParamSchemas[method].safeParse(record.params);
  if (!parsed.success) {
    const { message, tooLarge } = describe(parsed.error.issues);
    // A shot outside the camera's limits is its own error (-45), whatever the issue, so a host can tell it apart.
    if (method === 'setCamera' && parsed.error.issues[0]?.path[0] === 'shot')
      return refuse(
        id,
        EmbedCode.BadCameraShot,
        `setCamera: ${message}; a shot is {mode?: follow|free, distance?: 0.5..64, fovDeg?: 10..120, yaw?: -7..7, pitch?: -1.5..1.5}`,
      );
    return refuse(id, tooLarge ? EmbedCode.TooLarge : EmbedCode.MalformedMessage, `${method}: ${message}`);
  }
  return { ok: true, request: { v: 1, id, method, params: parsed.data } as EmbedRequest };
}

/**
 * Parses one host message. Never throws: anything unreadable (including objects whose getters throw)
 * becomes a MalformedMessage refusal.
 */
export function parseRequest(data: unknown): ParsedRequest {
  try {
    return parseUnsafe(data);
  } catch {
    return refuse(null, EmbedCode.MalformedMessage, 'the message could not be read');
  }
}

/** An origin as the browser reports it: scheme://host[:port], http(s) only, nothing after. */
export const Origin = z
  .string()
  .max(256)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  }, 'must be an origin like https://example.org or http://127.0.0.1:8080 (no path, no trailing slash)');

/** configure's `audio`: what is left out stays as it is. */
export const EmbedAudio = z.strictObject({
  enabled: z.boolean().optional(),
  volume: z.number().min(0).max(1).optional(),
});
export type EmbedAudio = z.infer<typeof EmbedAudio>;

/** The sound settings configure answers with (all of them), checked again on the page before they are applied. */
export const EmbedAudioSettings = z.strictObject({ enabled: z.boolean(), volume: z.number().min(0).max(1) });

/** The peer-to-peer permission configure answers with, checked again on the page before it is applied. */
export const EmbedP2pSettings = z.strictObject({ allowed: z.boolean() });

/** The configuration `configure(json)` accepts. Unknown keys are refused so typos do not pass silently. */
export const EmbedConfig = z.strictObject({
  /** Most entities the host may create in the live world (≤ init's capacity). */
  maxEntities: z.int().min(1).optional(),
  /** Origins added to the allowlist (besides the embed URL's `allow`). */
  allowOrigins: z.array(Origin).max(EMBED_LIMITS.maxOrigins).optional(),
  /** Sound: on or off, and the volume (0..1). Browsers play it only after a click or key press in the frame. */
  audio: EmbedAudio.optional(),
  /**
   * Peer-to-peer: `allowed: false` forbids it in this frame (the visitor's toggle is hidden and a connection in
   * use is closed). Allowed by default, and even then off until the visitor turns it on.
   */
  p2p: z.strictObject({ allowed: z.boolean() }).optional(),
});
export type EmbedConfig = z.infer<typeof EmbedConfig>;

/** Parses configure's JSON text: `{ok:false}` with an InvalidConfig (-2) error for bad JSON or a bad shape. */
export function parseConfig(json: string): { ok: true; config: EmbedConfig } | { ok: false; error: WireError } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message.slice(0, 200) : 'unreadable';
    return { ok: false, error: { code: EmbedCode.InvalidConfig, message: `embed: configure: the config is not JSON (${why})` } };
  }
  const parsed = EmbedConfig.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'config';
    return {
      ok: false,
      error: {
        code: EmbedCode.InvalidConfig,
        message: `embed: configure: ${where}: ${issue?.message ?? 'invalid'}; accepted keys: maxEntities, allowOrigins, audio, p2p`,
      },
    };
  }
  return { ok: true, config: parsed.data };
}

/**
 * Reads the embed URL's `allow` parameter: comma-separated origins. Entries that are not origins are
 * returned apart (the frame shows them) and never allowed.
 */
export function parseAllowParam(param: string | null): { origins: string[]; rejected: string[] } {
  const origins: string[] = [];
  const rejected: string[] = [];
  if (!param) return { origins, rejected };
  for (const raw of param.split(',').slice(0, EMBED_LIMITS.maxOrigins)) {
    const text = raw.trim();
    if (text === '') continue;
    if (Origin.safeParse(text).success) {
      if (!origins.includes(text)) origins.push(text);
    } else rejected.push(text.slice(0, 100));
  }
  return { origins, rejected };
}
