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
    /** One GridSession Durable Object per OpenSim visitor (edge/rooms/grid-session-room.ts). */
    GRID_SESSION: DurableObjectNamespace<import('./rooms/grid-session-room').GridSession>;
    /**
     * ICE servers (STUN/TURN) for peer-to-peer, handed to visitors by GET /p2p/<world>/ice: a JSON list of
     * RTCIceServer ({urls, username?, credential?}); unset or empty = none (loopback and LANs need none). With TURN
     * credentials in it, make it a secret (`wrangler secret put P2P_ICE_SERVERS`), not a var.
     */
    P2P_ICE_SERVERS?: string;
    /**
     * Plugins the operator trusts (GET /api/plugins/trusted; docs/plugins.md): a JSON list of
     * {url: manifest URL or /path, integrity: the entry's SRI hash}; unset = none.
     */
    TRUSTED_PLUGINS?: string;
    /** One SignalRoom Durable Object per world: PeerJS signalling (edge/rooms/signal-room.ts). */
    SIGNAL_ROOM: DurableObjectNamespace<import('./rooms/signal-room').SignalRoom>;
    /** The one TelemetryRoom Durable Object: opt-in telemetry batches (edge/rooms/telemetry-room.ts). */
    TELEMETRY_ROOM: DurableObjectNamespace<import('./rooms/telemetry-room').TelemetryRoom>;
    /** The UDP relay (edge/relay) the GridSession opens circuits through, e.g. http://127.0.0.1:8790. */
    RELAY_URL?: string;
    /** The relay's shared secret (a Worker secret; unset for a loopback relay). */
    RELAY_TOKEN?: string;
    /** Grids the edge may log into: comma-separated host[:port[-port]] rules (default: loopback 8000-9999). */
    GRID_ALLOW?: string;
    /** The language tier (edge/ai): an OpenAI-compatible base URL and model; off unless both are set. */
    AI_ENDPOINT?: string;
    AI_MODEL?: string;
    /** The model endpoint's key (a Worker secret). */
    AI_KEY?: string;
    /** Language-model tokens a world may spend per UTC day (default 200,000). */
    AI_DAILY_TOKENS?: string;
    /** Finalverse glTF models by SHA-256 (R2; edge/api/models.ts, edge/world/models.ts). */
    MODELS: R2Bucket;
  }
  interface GlobalProps {
    mainModule: typeof import('./index');
    durableNamespaces: 'WorldRoom' | 'GridSession' | 'SignalRoom' | 'TelemetryRoom';
  }
}

interface Env extends Cloudflare.Env {}

/** Rapier's wasm-bindgen glue (edge/physics/rapier-wasm.ts instantiates the module against it). */
declare module '@dimforge/rapier3d/rapier_wasm3d_bg.js' {
  export function __wbg_set_wasm(exports: WebAssembly.Exports): void;
}

/** A .wasm import in the Worker is a compiled module (the Cloudflare plugins' CompiledWasm rule). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
