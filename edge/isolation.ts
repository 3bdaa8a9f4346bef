/** Cross-origin isolation headers for every page we serve (dev server and built Worker alike). */

/** Path prefix of the embeddable viewer. */
export const EMBED_PATH = '/embed';

/** True for the embed route: `/embed`, `/embed/`, `/embed?…`, `/embed/anything`. */
export function isEmbedPath(pathname: string): boolean {
  return pathname === EMBED_PATH || pathname.startsWith(`${EMBED_PATH}/`);
}

/**
 * Headers that make a document cross-origin isolated.
 *
 * Top-level pages use COOP + COEP. The embed route is framed by other sites that are not isolated
 * themselves, where COOP/COEP cannot isolate a frame; Document-Isolation-Policy can, so the embed
 * route carries it instead. COEP and CORP are sent too, so that hosts which are themselves isolated (COEP) may
 * frame it: a COEP host can only embed documents that declare COEP as well.
 */
export function isolationHeaders(pathname: string): Record<string, string> {
  if (isEmbedPath(pathname)) {
    return {
      'Document-Isolation-Policy': 'isolate-and-require-corp',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    };
  }
  const headers: Record<string, string> = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  // Host pages on other sites import the embed SDK as a module (a CORS request), with the chunk it shares.
  if (isEmbedSdkPath(pathname)) headers['Access-Control-Allow-Origin'] = '*';
  // A plugin sandbox Worker takes its policy from this response: no connections, no script but data: URLs.
  if (pathname === PLUGIN_SANDBOX_PATH) headers['Content-Security-Policy'] = PLUGIN_SANDBOX_CSP;
  return headers;
}

/** Path of the built embed SDK (vite.config.ts emits it there); its shared chunks live under /assets/. */
export const EMBED_SDK_PATH = '/embed-sdk.js';

/** The SDK and the built scripts it may import: public code any site may load. */
export function isEmbedSdkPath(pathname: string): boolean {
  return pathname === EMBED_SDK_PATH || (pathname.startsWith('/assets/') && pathname.endsWith('.js'));
}

/** Where the plugin sandbox Worker's script is served (public/plugin-sandbox.js). */
export const PLUGIN_SANDBOX_PATH = '/plugin-sandbox.js';

/**
 * The sandbox's policy (docs/plugins.md): `default-src 'none'` covers connect-src (fetch, XHR, WebSocket,
 * EventSource, WebTransport), worker-src and the rest; scripts only from data: URLs (the plugin's module, which
 * the sandbox imports from one), so neither importScripts nor import() reach any fetched URL, and no eval.
 */
export const PLUGIN_SANDBOX_CSP = "default-src 'none'; script-src data:; worker-src 'none'";
