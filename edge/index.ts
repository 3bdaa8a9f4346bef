/** The edge Worker: routes only. Logic lives in the modules it mounts. */
import { Hono } from 'hono';
import { aiRoutes } from './api/ai';
import { gridRoutes } from './api/grid';
import { modelRoutes } from './api/models';
import { p2pRoutes } from './api/p2p';
import { pluginRoutes } from './api/plugins';
import { telemetryRoutes } from './api/telemetry';
import { worldRoutes } from './api/worlds';
import { errorBody, handleError } from './errors';
import { isolationHeaders } from './isolation';

export { GridSession } from './rooms/grid-session-room';
export { SignalRoom } from './rooms/signal-room';
export { TelemetryRoom } from './rooms/telemetry-room';
export { WorldRoom } from './rooms/world-room';

const app = new Hono<{ Bindings: Env }>();

// Every answer except a WebSocket upgrade carries the isolation headers for its path.
app.use('*', async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  const res = new Response(c.res.body, c.res);
  for (const [name, value] of Object.entries(isolationHeaders(new URL(c.req.url).pathname))) {
    res.headers.set(name, value);
  }
  c.res = res;
});

app.get('/api/health', (c) => c.json({ ok: true, service: 'stormcore-edge', version: c.env.BUILD_VERSION, time: Date.now() }));

app.route('/', worldRoutes);
app.route('/', gridRoutes);
app.route('/', p2pRoutes);
app.route('/', aiRoutes);
app.route('/', telemetryRoutes);
app.route('/', modelRoutes);
app.route('/', pluginRoutes);

app.all('/api/*', (c) =>
  c.json(errorBody('not_found', `edge: no API route ${c.req.method} ${new URL(c.req.url).pathname}`), 404),
);
app.all('/p2p/*', (c) => c.json(errorBody('not_found', `edge: no signalling route ${new URL(c.req.url).pathname}`), 404));
app.all('/ws/*', (c) => c.json(errorBody('not_found', `edge: no WebSocket route ${new URL(c.req.url).pathname}`), 404));

// Everything else is a static asset (the SPA fallback serves index.html for client-side routes).
app.all('*', (c) => c.env.ASSETS.fetch(c.req.raw));

app.onError(handleError);

export default app;
