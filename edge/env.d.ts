/** Bindings the edge Worker receives (wrangler.toml), and the main module for typed `exports`. */

declare namespace Cloudflare {
  interface Env {
    ASSETS: Fetcher;
    WORLD_ROOM: DurableObjectNamespace<import('./rooms/world-room').WorldRoom>;
    BUILD_VERSION: string;
    /** Secret used to sign access tokens (a dev key lives in .dev.vars, written by `npm start`). */
    TOKEN_KEY?: string;
    /** Permissions a visitor's token gets from POST /api/session: names, e.g. "join chat edit create". */
    GUEST_PERMISSIONS?: string;
    /** "off" sends every avatar change instead of dead-reckoned ones (for benchmarks). */
    STORM_DEAD_RECKONING?: string;
  }
  interface GlobalProps {
    mainModule: typeof import('./index');
    durableNamespaces: 'WorldRoom';
  }
}

interface Env extends Cloudflare.Env {}
