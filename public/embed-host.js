// Example host page script: mounts the viewer with the embed SDK and calls the message API.
// `?viewer=<origin>` points at another viewer origin (default: this one). The SDK is served as
// TypeScript by the dev server; a deployed host loads the SDK's built module instead (docs/embedding.md).
const viewerOrigin = new URLSearchParams(location.search).get('viewer') ?? location.origin;
const { mountViewer } = await import(`${viewerOrigin}/embed-sdk.js`);

const log = document.getElementById('log');
function show(label, value) {
  const text =
    value instanceof Uint8Array ? `${value.length} bytes: ${Array.from(value.slice(0, 24)).join(' ')}…` : JSON.stringify(value);
  log.textContent = `${label} → ${text}\n${log.textContent}`;
}
async function run(label, fn) {
  try {
    show(label, await fn());
  } catch (err) {
    show(`${label} failed`, { code: err.code, message: err.message });
  }
}

const viewer = await mountViewer(document.getElementById('viewer'), { viewer: viewerOrigin, place: '#/fv/plaza/128/128/25' });
show('ready', viewer.ready);
viewer.on('aiEnhanceComplete', (data) => show('event aiEnhanceComplete', data));
viewer.on('plugin', (data) => show('event plugin', data));
const info = await viewer.init();
show('init', info);
// What the visitor clicks in the viewer: asked for (the frame sends `select` only to hosts that subscribe).
const selected = document.getElementById('selected');
let picked = null;
viewer.on('select', ({ object }) => {
  picked = object;
  selected.textContent = object ? `${object.name || '(no name)'} · ${object.shape}${ownerOf(object)}` : 'nothing there';
  selected.dataset.id = object ? String(object.id) : '';
});
function ownerOf(o) {
  const who = o.ownerName ?? o.owner;
  return who ? ` · owned by ${who}` : '';
}
await run('subscribe', () => viewer.subscribe(['select']));
// A plugin from the viewer's examples (docs/plugins.md): the URL is resolved in the frame, at the viewer's origin.
await run('loadPlugin', () => viewer.loadPlugin('/plugins/chat-log/storm-plugin.json'));

let entity = null;
const on = (id, fn) => document.getElementById(id).addEventListener('click', fn);
on('create', () =>
  run('createEntity', async () => {
    entity = await viewer.createEntity(['Transform']);
    return entity;
  }),
);
on('move', () =>
  run('updateComponent', async () => {
    if (entity === null) return 'create an entity first';
    // Transform: position (3 f32), rotation (4 f32), scale (3 f32), little-endian.
    const fields = new Float32Array([Math.random() * 256, Math.random() * 256, 25, 0, 0, 0, 1, 1, 1, 1]);
    await viewer.updateComponent(entity, 'Transform', new Uint8Array(fields.buffer));
    return 'ok';
  }),
);
on('query', () => run('queryEntity', () => viewer.queryEntity(entity ?? 0)));
on('bad-config', () => run('configure', () => viewer.configure('{"maxEntities": ')));
on('last-error', () => run('getLastError', () => viewer.getLastError()));
on('enhance', () => run('aiEnhance', () => viewer.aiEnhance(new Uint8Array([1, 2, 3]))));
on('plugins', () => run('plugins', () => viewer.plugins()));
// Frames the camera: a narrow, close shot (scaled to what was clicked, if anything); Reset puts yours back.
on('frame', () =>
  run('setCamera', async () => {
    const size = picked ? Math.max(...picked.scale) : 2;
    await viewer.setCamera({ mode: 'follow', distance: Math.min(64, Math.max(2, size * 2.5)), fovDeg: 20, pitch: -0.35 });
    return 'framed';
  }),
);
on('reset-camera', () =>
  run('resetCamera', async () => {
    await viewer.resetCamera();
    return 'reset';
  }),
);
on('bad-shot', () => run('setCamera', () => viewer.setCamera({ fovDeg: 500 })));
