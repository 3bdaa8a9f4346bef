/**
 * Plugin hot reload under `npm start` (docs/plugins.md, "Hot reload"): watches the example plugins (public/plugins)
 * and, when STORM_DEV_PLUGIN_DIR names a folder, the plugins in it (served at /dev-plugins/). When a plugin's file
 * changes, its manifest's integrity is written again for a changed entry (scripts/plugin-integrity.ts, as
 * `npm run -s plugin:sri` does), and the page is told which plugin folder changed (`storm:plugin-changed`,
 * `{folder: '/plugins/<name>/'}`); the page's plugin host reloads the plugins loaded from it and nothing else.
 * Development only: the build has none of this.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import { refreshIntegrity } from './plugin-integrity';

/** The event the page listens to (import.meta.hot). */
export const PLUGIN_CHANGED_EVENT = 'storm:plugin-changed';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json' };

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
              // A manifest being edited (not JSON yet) is refused here; the next save tells again.
              const written = refreshIntegrity(folder);
              if (written.status === 'written') wrote.set(resolve(written.path), written.text);
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
