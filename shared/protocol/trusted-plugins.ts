/**
 * Trusted plugins (docs/plugins.md, "Trusted plugins"): the operator's list of plugins that may run by import() in
 * the engine's world worker instead of a sandbox. Each names a manifest URL and the SRI integrity its entry must have.
 * The edge reads it from TRUSTED_PLUGINS and serves it at GET /api/plugins/trusted; the viewer parses it again.
 */
import { z } from 'zod';
import { utf8Length } from './byte-io';

/** Most trusted plugins an operator may list. */
export const MAX_TRUSTED_PLUGINS = 32;
/** Most bytes of the TRUSTED_PLUGINS configuration (and of the answer). */
export const MAX_TRUSTED_CONFIG_BYTES = 16 * 1024;

/** An SRI hash as manifests carry it (sha256/384/512 and base64). */
const Integrity = z.string().regex(/^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/, 'an SRI hash like sha384-<base64>');

/** One trusted plugin: where its manifest is (absolute http(s) URL, or a path on this origin) and its entry's integrity. */
export const TrustedPlugin = z
  .object({
    url: z
      .string()
      .min(1)
      .max(1024)
      .refine((u) => u.startsWith('/') || /^https?:\/\/[^\s]+$/.test(u), 'a path on this origin (/…) or an http(s) URL')
      .refine((u) => !u.startsWith('//'), 'a path on this origin, not //host'),
    integrity: Integrity,
  })
  .strict();
export type TrustedPlugin = z.infer<typeof TrustedPlugin>;

/** The configuration and GET /api/plugins/trusted's answer. */
export const TrustedPluginList = z.object({ plugins: z.array(TrustedPlugin).max(MAX_TRUSTED_PLUGINS) }).strict();
export type TrustedPluginList = z.infer<typeof TrustedPluginList>;

/**
 * Parses TRUSTED_PLUGINS: a JSON list like `[{"url": "/plugins/x/storm-plugin.json", "integrity": "sha384-…"}]`;
 * empty or unset = none. `what` starts the message (`edge: TRUSTED_PLUGINS`).
 */
export function parseTrustedPlugins(
  text: string,
  what: string,
): { ok: true; plugins: TrustedPlugin[] } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, plugins: [] };
  if (text.length > MAX_TRUSTED_CONFIG_BYTES || utf8Length(text) > MAX_TRUSTED_CONFIG_BYTES)
    return { ok: false, message: `${what} is over ${MAX_TRUSTED_CONFIG_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      message: `${what} is not JSON (a list like [{"url": "/plugins/x/storm-plugin.json", "integrity": "sha384-…"}])`,
    };
  }
  const r = TrustedPluginList.safeParse({ plugins: json });
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.slice(1).join('.') || 'list';
    return { ok: false, message: `${what}: ${path}: ${issue?.message ?? 'invalid'}`.slice(0, 300) };
  }
  return { ok: true, plugins: r.data.plugins };
}
