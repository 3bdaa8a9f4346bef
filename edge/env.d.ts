/** Bindings the edge Worker receives (wrangler.toml), and the main module for typed `exports`. */

declare namespace Cloudflare {
  interface Env {
    ASSETS: Fetcher;
    WORLD_ROOM: DurableObjectNamespace<import('./rooms/world-room').WorldRoom>;
    BUILD_VERSION: string;
    /** Secret used to sign access tokens (a dev key lives in .dev.vars, written by `npm start`). */
    TOKEN_KEY?: string;
  }
  interface GlobalProps {
    mainModule: typeof import('./index');
    durableNamespaces: 'WorldRoom';
  }
}

interface Env extends Cloudflare.Env {}
