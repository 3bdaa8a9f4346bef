/** One dev server for the viewer (Vite) and the edge Worker (workerd, via the Cloudflare plugin). */
import { fileURLToPath } from 'node:url';
import { cloudflare } from '@cloudflare/vite-plugin';
import { type Connect, defineConfig, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';
import { isolationHeaders } from './edge/isolation.ts';
import { pluginReload } from './scripts/vite-plugin-reload.ts';
import { rapierForWorkerd } from './scripts/vite-rapier-workerd.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Puts the same isolation headers the Worker sets on everything Vite serves itself (modules, workers). */
function isolation(): Plugin {
  const setHeaders: Connect.NextHandleFunction = (req, res, next) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const [name, value] of Object.entries(isolationHeaders(pathname))) res.setHeader(name, value);
    next();
  };
  return {
    name: 'stormcore:isolation-headers',
    configureServer: (server) => void server.middlewares.use(setHeaders),
    configurePreviewServer: (server) => void server.middlewares.use(setHeaders),
  };
}

/** In development the embed SDK's built address, /embed-sdk.js, serves its source (the build emits it there). */
function embedSdkAlias(): Plugin {
  return {
    name: 'stormcore:embed-sdk-alias',
    configureServer: (server) =>
      void server.middlewares.use((req, _res, next) => {
        const [path, query] = (req.url ?? '').split('?');
        if (path === '/embed-sdk.js') req.url = `/embed-sdk/index.ts${query ? `?${query}` : ''}`;
        next();
      }),
  };
}

export default defineConfig({
  root: `${root}web`,
  publicDir: `${root}public`,
  envDir: root,
  build: { outDir: `${root}dist`, emptyOutDir: true, target: 'es2023' },
  worker: { format: 'es' },
  // Scan the page and every worker entry at start-up, so dependencies are pre-bundled before the first
  // visit instead of being discovered later (which makes Vite reload open pages once).
  environments: {
    client: {
      optimizeDeps: { entries: ['index.html', 'workers/*.worker.ts', 'embed-sdk/*.ts'] },
      build: {
        rollupOptions: {
          // The viewer, and the embed SDK at a stable address (/embed-sdk.js) that host pages import.
          input: { main: `${root}web/index.html`, 'embed-sdk': `${root}web/embed-sdk/index.ts` },
          preserveEntrySignatures: 'exports-only',
          output: {
            entryFileNames: (chunk) => (chunk.name === 'embed-sdk' ? 'embed-sdk.js' : 'assets/[name]-[hash].js'),
          },
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 5173),
    strictPort: true,
  },
  preview: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173), strictPort: true },
  plugins: [
    isolation(),
    // Plugin hot reload: the examples, and STORM_DEV_PLUGIN_DIR's plugins at /dev-plugins/ (docs/plugins.md).
    pluginReload({
      publicPlugins: `${root}public/plugins`,
      ...(process.env.STORM_DEV_PLUGIN_DIR ? { devDir: process.env.STORM_DEV_PLUGIN_DIR } : {}),
    }),
    embedSdkAlias(),
    solid(),
    rapierForWorkerd(),
    cloudflare({
      configPath: `${root}wrangler.toml`,
      persistState: { path: process.env.STORM_STATE_DIR ?? `${root}.wrangler/state` },
      // A language model for the local edge (the e2e suites point it at their OpenAI-compatible test server):
      // STORM_DEV_AI_ENDPOINT / STORM_DEV_AI_MODEL become the Worker's AI_ENDPOINT / AI_MODEL. Deployments set the
      // real vars and the AI_KEY secret with wrangler instead.
      // STORM_DEV_TRUSTED_PLUGINS becomes TRUSTED_PLUGINS (the operator's trusted plugins, docs/plugins.md).
      // STORM_DEV_GUEST_PERMISSIONS replaces wrangler.toml's GUEST_PERMISSIONS here (the Build panel's e2e gives its
      // visitors `create`, as an operator may).
      config: () => {
        const vars: Record<string, string> = {};
        if (process.env.STORM_DEV_AI_ENDPOINT) {
          vars.AI_ENDPOINT = process.env.STORM_DEV_AI_ENDPOINT;
          vars.AI_MODEL = process.env.STORM_DEV_AI_MODEL ?? 'test-model';
        }
        if (process.env.STORM_DEV_TRUSTED_PLUGINS) vars.TRUSTED_PLUGINS = process.env.STORM_DEV_TRUSTED_PLUGINS;
        if (process.env.STORM_DEV_GUEST_PERMISSIONS) vars.GUEST_PERMISSIONS = process.env.STORM_DEV_GUEST_PERMISSIONS;
        return Object.keys(vars).length > 0 ? { vars } : {};
      },
    }),
  ],
});
