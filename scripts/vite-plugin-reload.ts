/**
 * Plugin hot reload under `npm start` (docs/plugins.md, "Hot reload"): watches the example plugins (public/plugins)
 * and, when STORM_DEV_PLUGIN_DIR names a folder, the plugins in it (served at /dev-plugins/). When a plugin's file
 * changes, its manifest's integrity is written again for a changed entry (as `npm run -s plugin:sri` does), and the
 * page is told which plugin folder changed (`storm:plugin-changed`, `{folder: '/plugins/<name>/'}`); the page's
 * plugin host reloads the plugins loaded from it and nothing else. Development only: the build has none of this.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

/** The event the page listens to (import.meta.hot). */
export const PLUGIN_CHANGED_EVENT = 'storm:plugin-changed';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json' };

/** Writes the SRI of `folder`'s entry into its manifest when it differs; answers what it wrote (null: nothing). */
function refreshIntegrity(folder: string): { path: string; text: string } | null {
  const path = join(folder, 'storm-plugin.json');
  if (!existsSync(path)) return null;
  let manifest: { entry?: unknown; integrity?: unknown };
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null; // being edited: the next save tells again
  }
  if (typeof manifest.entry !== 'string' || !manifest.entry.startsWith('./')) return null;
  const entry = resolve(folder, manifest.entry);
  if (!entry.startsWith(folder + sep) || !existsSync(entry)) return null;
  const integrity = `sha384-${createHash('sha384').update(readFileSync(entry)).digest('base64')}`;
  if (manifest.integrity === integrity) return null;
  manifest.integrity = integrity;
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  writeFileSync(path, text);
  return { path, text };
}

export function pluginReload(options: { publicPlugins: string; devDir?: string }): Plugin {
  const roots: { dir: string; base: string }[] = [{ dir: resolve(options.publicPlugins), base: '/plugins/' }];
  if (options.devDir) roots.push({ dir: resolve(options.devDir), base: '/dev-plugins/' });
  return {
    name: 'stormcore:plugin-reload',
    apply: 'serve',
    configureServer(server) {
      const devDir = options.devDir ? resolve(options.devDir) : null;
      if (devDir)
        server.middlewares.use((req, res, next) => {
          const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
          if (!path.startsWith('/dev-plugins/')) return next();
          const file = resolve(devDir, `.${path.slice('/dev-plugins'.length)}`);
          if (!file.startsWith(devDir + sep) || !existsSync(file) || !statSync(file).isFile() || !TYPES[extname(file)]) {
            res.statusCode = 404;
            res.end('not found');
            return;
          }
          res.setHeader('Content-Type', TYPES[extname(file)] as string);
          res.setHeader('Cache-Control', 'no-store');
          res.end(readFileSync(file));
        });
      server.watcher.add(roots.map((r) => r.dir));
      const timers = new Map<string, ReturnType<typeof setTimeout>>();
      // Manifests this plugin wrote itself: their change event is not a new edit (one reload per edit).
      const wrote = new Map<string, string>();
      const changed = (path: string) => {
        const at = resolve(path);
        const own = wrote.get(at);
        if (own !== undefined) {
          wrote.delete(at);
          if (existsSync(at) && readFileSync(at, 'utf8') === own) return;
        }
        for (const r of roots) {
          if (!at.startsWith(r.dir + sep)) continue;
          const name = relative(r.dir, at).split(sep)[0];
          if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) return;
          const folder = join(r.dir, name);
          // One reload per burst of saves (writing the integrity below is itself a change).
          clearTimeout(timers.get(folder));
          timers.set(
            folder,
            setTimeout(() => {
              timers.delete(folder);
              const written = refreshIntegrity(folder);
              if (written) wrote.set(resolve(written.path), written.text);
              server.ws.send({ type: 'custom', event: PLUGIN_CHANGED_EVENT, data: { folder: `${r.base}${name}/` } });
            }, 120),
          );
          return;
        }
      };
      server.watcher.on('change', changed);
      server.watcher.on('add', changed);
    },
  };
}
