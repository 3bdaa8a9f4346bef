/**
 * The plugin manifest (`storm-plugin.json`, docs/plugins.md): its schema with size limits, the fixed permission
 * set, and event patterns. Everything a manifest says is parsed here, once; nothing downstream casts.
 */
import semver from 'semver';
import { z } from 'zod';
import { PluginCode, pluginError } from './errors';

/**
 * The plugin API version this viewer implements; a manifest's `storm` range must admit it. 1.1.0 added
 * world:select (`ctx.world.onSelect`) and camera:control (`ctx.camera`).
 */
export const STORM_PLUGIN_API = '1.1.0';

/** Most bytes of a manifest. */
export const MAX_MANIFEST_BYTES = 16 * 1024;
/** Most bytes of a plugin's entry module. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

/** Plugin names: lower-case words joined by dashes, as in an npm package name without a scope. */
export const PLUGIN_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const SEGMENT = '[a-z0-9]+(?:-[a-z0-9]+)*';
/** An event name: `<plugin>/<segment>[/<segment>…]`, or an engine event `engine/<segment>…`. */
export const EVENT_NAME = new RegExp(`^${SEGMENT}(?:/${SEGMENT}){1,4}$`);
/** An event pattern: segments, `*` for exactly one segment, a trailing `**` for any rest (at least one segment). */
export const EVENT_PATTERN = new RegExp(`^(?:${SEGMENT}|\\*)(?:/(?:${SEGMENT}|\\*)){0,4}(?:/\\*\\*)?$|^\\*\\*$`);

/** The permissions that take no argument. */
export const SIMPLE_PERMISSIONS = [
  'world:read',
  'world:local',
  'world:select',
  'camera:control',
  'chat:read',
  'chat:send',
  'ui:panel',
  'storage',
] as const;
export type SimplePermission = (typeof SIMPLE_PERMISSIONS)[number];

/** One parsed permission. */
export type Permission =
  | { kind: SimplePermission }
  | { kind: 'bus:publish'; pattern: string }
  | { kind: 'bus:subscribe'; pattern: string }
  | { kind: 'net'; origin: string };

/** Whether `origin` is what `net:` may name: an https origin, or http on loopback (for development). */
export function isGrantableOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false; // no path, query, credentials or trailing slash
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost');
}

/** Parses one permission string; null when it is not in the documented set. */
export function parsePermission(text: string): Permission | null {
  if ((SIMPLE_PERMISSIONS as readonly string[]).includes(text)) return { kind: text as SimplePermission };
  for (const kind of ['bus:publish', 'bus:subscribe'] as const) {
    if (text.startsWith(`${kind}:`)) {
      const pattern = text.slice(kind.length + 1);
      return EVENT_PATTERN.test(pattern) ? { kind, pattern } : null;
    }
  }
  if (text.startsWith('net:')) {
    const origin = text.slice(4);
    return isGrantableOrigin(origin) ? { kind: 'net', origin } : null;
  }
  return null;
}

/** Whether an event name matches a pattern (`*` one segment, trailing `**` one or more). */
export function matchesPattern(pattern: string, event: string): boolean {
  if (pattern === '**') return true;
  const p = pattern.split('/');
  const e = event.split('/');
  for (let i = 0; i < p.length; i++) {
    const part = p[i];
    if (part === '**') return e.length > i;
    if (i >= e.length) return false;
    if (part !== '*' && part !== e[i]) return false;
  }
  return p.length === e.length;
}

const permission = z
  .string()
  .max(300)
  .refine((s) => parsePermission(s) !== null, {
    message: `not a permission: use one of ${SIMPLE_PERMISSIONS.join(', ')}, bus:publish:<pattern>, bus:subscribe:<pattern>, net:<https origin>`,
  });

const SRI = /^sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}$/;

/** The manifest schema (zod). Unknown keys are refused so typos do not pass silently. */
export const PluginManifest = z
  .object({
    name: z.string().max(40).regex(PLUGIN_NAME, 'lower-case letters, digits and single dashes, starting with a letter'),
    version: z
      .string()
      .max(64)
      .refine((v) => semver.valid(v) === v, 'a semantic version such as 1.2.0'),
    description: z.string().max(512).optional(),
    storm: z
      .string()
      .max(128)
      .refine((r) => semver.validRange(r) !== null, 'a semver range such as ^1.0.0'),
    dependencies: z
      .record(
        z.string().max(40).regex(PLUGIN_NAME),
        z
          .string()
          .max(128)
          .refine((r) => semver.validRange(r) !== null, 'a semver range'),
      )
      .refine((d) => Object.keys(d).length <= 16, 'at most 16 dependencies')
      .default({}),
    entry: z
      .string()
      .max(128)
      .regex(/^\.\/(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_.-]+\.m?js$/, 'a relative path to a .js file, such as ./index.js')
      .refine((p) => !p.split('/').includes('..'), 'must stay in the manifest folder'),
    integrity: z.string().max(200).regex(SRI, 'an SRI hash: sha256-, sha384- or sha512- and base64'),
    permissions: z
      .array(permission)
      .max(32)
      .refine((p) => new Set(p).size === p.length, 'a permission is listed twice')
      .default([]),
    events: z.array(z.string().max(128).regex(EVENT_NAME, 'an event name such as chat-log/line')).max(32).default([]),
    endpoints: z
      .array(
        z
          .object({
            name: z.string().max(40).regex(PLUGIN_NAME),
            description: z.string().max(256),
          })
          .strict(),
      )
      .max(16)
      .default([]),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const [i, event] of m.events.entries())
      if (!event.startsWith(`${m.name}/`))
        ctx.addIssue({ code: 'custom', path: ['events', i], message: `an event of ${m.name} must start with "${m.name}/"` });
    if (m.name in m.dependencies)
      ctx.addIssue({ code: 'custom', path: ['dependencies'], message: 'a plugin cannot depend on itself' });
  });
export type PluginManifest = z.infer<typeof PluginManifest>;

/**
 * Parses a manifest from its bytes or text: size, JSON, then schema. Throws `plugin_bad_manifest` naming the
 * first field at fault.
 */
export function parseManifest(input: string | Uint8Array, source = 'manifest'): PluginManifest {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input).length : input.length;
  if (bytes > MAX_MANIFEST_BYTES)
    throw pluginError(PluginCode.BadManifest, `${source} is ${bytes} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw pluginError(PluginCode.BadManifest, `${source} is not JSON`);
  }
  const parsed = PluginManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw pluginError(PluginCode.BadManifest, `${source}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The manifest's permissions, parsed (the schema already refused any that do not parse). */
export function permissionsOf(manifest: PluginManifest): Permission[] {
  return manifest.permissions.map((p) => parsePermission(p)).filter((p): p is Permission => p !== null);
}

/** The publish patterns a manifest grants. */
export function publishPatterns(manifest: PluginManifest): string[] {
  return permissionsOf(manifest).flatMap((p) => (p.kind === 'bus:publish' ? [p.pattern] : []));
}

/** The subscribe patterns a manifest grants. */
export function subscribePatterns(manifest: PluginManifest): string[] {
  return permissionsOf(manifest).flatMap((p) => (p.kind === 'bus:subscribe' ? [p.pattern] : []));
}

/** The origins `net:` grants. */
export function grantedOrigins(manifest: PluginManifest): string[] {
  return permissionsOf(manifest).flatMap((p) => (p.kind === 'net' ? [p.origin] : []));
}

/** Whether the manifest holds a simple permission. */
export function hasPermission(manifest: PluginManifest, kind: SimplePermission): boolean {
  return manifest.permissions.includes(kind);
}

/** Whether the plugin's `storm` range admits this viewer's API; throws `plugin_storm_range` when not. */
export function checkStormRange(manifest: PluginManifest, api = STORM_PLUGIN_API): void {
  if (!semver.satisfies(api, manifest.storm))
    throw pluginError(PluginCode.StormRange, `${manifest.name} needs plugin API ${manifest.storm}; this viewer has ${api}`);
}
