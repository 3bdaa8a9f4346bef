/**
 * The `ws` package's Node build, loaded by path. The unit project runs Node with the "browser" condition
 * (vite-plugin-solid adds it in test mode), under which `import 'ws'` resolves to a stub that throws.
 * Test files that start a relay mock 'ws' with this: `vi.mock('ws', () => import('./real-ws.ts').then((m) => m.wsModule()))`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as WsModule from 'ws';

/** The real ws exports (WebSocket, WebSocketServer, ...). */
export function realWs(): typeof WsModule {
  const require = createRequire(import.meta.url);
  return require(join(dirname(require.resolve('ws/package.json')), 'index.js'));
}

/** The real ws as a module namespace for `vi.mock('ws', ...)`. */
export function wsModule(): typeof WsModule & { default: typeof WsModule.WebSocket } {
  const ws = realWs();
  return { ...ws, default: ws.WebSocket };
}
