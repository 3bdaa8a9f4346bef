/**
 * GET /api/plugins/trusted: the plugins the operator trusts (TRUSTED_PLUGINS: manifest URL + entry integrity), which
 * the viewer may load by import() in its world worker instead of a sandbox (docs/plugins.md, "Trusted plugins").
 * Unset = none. A bad configuration is a clear 500 (plugins_config), never a partial list.
 */
import { Hono } from 'hono';
import { parseTrustedPlugins, type TrustedPluginList } from '../../shared/protocol';
import { EdgeError } from '../errors';

/** The configured trusted plugins, checked. */
export function trustedPluginsOf(env: Env): TrustedPluginList {
  const parsed = parseTrustedPlugins(env.TRUSTED_PLUGINS ?? '', 'edge: TRUSTED_PLUGINS');
  if (!parsed.ok) throw new EdgeError(500, 'plugins_config', `${parsed.message}; fix the Worker's configuration`);
  return { plugins: parsed.plugins };
}

export const pluginRoutes = new Hono<{ Bindings: Env }>();

pluginRoutes.get('/api/plugins/trusted', (c) =>
  c.json(trustedPluginsOf(c.env) satisfies TrustedPluginList, 200, { 'cache-control': 'no-store' }),
);
