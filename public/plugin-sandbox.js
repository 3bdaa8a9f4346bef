// The sandbox of one untrusted plugin (docs/plugins.md): a dedicated Worker served with a Content-Security-Policy
// that allows no connections (fetch, XHR, WebSocket, EventSource, WebTransport), no scripts but data: URLs (no
// importScripts or import() of any fetched URL), no eval and no nested workers (edge/isolation.ts sets it). The
// host (web/plugins/host.ts) hands it a private MessagePort first, then the plugin's code, which is imported from
// a data: URL (in Chromium a quarter of a blob import's time: no trip to the browser's blob registry); the
// plugin's ctx carries only what its manifest was granted, each capability a message to the host.
// Plain JavaScript on purpose: this file must import nothing (the policy allows no script URLs).

(() => {
  // What the sandbox needs, taken before the plugin's code can replace any of it.
  const portPost = MessagePort.prototype.postMessage;
  const apply = Reflect.apply;
  const now = performance.now.bind(performance);
  const encode = encodeURIComponent;
  const moduleUrl = (code) => `data:text/javascript;charset=utf-8,${encode(code)}`;
  const freeze = Object.freeze;
  const PromiseCtor = Promise;
  const scope = self;
  const removeListener = scope.removeEventListener.bind(scope);
  const addListener = scope.addEventListener.bind(scope);
  const later = queueMicrotask;
  const globalPost = scope.postMessage.bind(scope);
  const stringify = JSON.stringify;
  const parseJson = JSON.parse;

  // What the plugin's turn produced goes to the host as one batch at the end of the turn (or at MAX_BATCH items):
  // a postMessage per publish costs far more than the publish.
  const MAX_BATCH = 256;
  let port = null;
  /** A module imported ahead of its `load` ({code, module}: the host's `preload`). */
  let early = null;
  let outbox = [];
  const flush = () => {
    if (outbox.length === 0) return;
    const items = outbox;
    outbox = [];
    if (port) apply(portPost, port, [items.length === 1 ? items[0] : { t: 'batch', items }]);
  };
  const send = (message) => {
    if (outbox.length === 0) later(flush);
    outbox[outbox.length] = message;
    if (outbox.length >= MAX_BATCH) flush();
  };

  // Globals a plugin has no business with. The policy already blocks the network; these close the same-origin
  // side doors (other plugins' channels and storage) and make mistakes fail plainly.
  for (const name of [
    'fetch',
    'XMLHttpRequest',
    'WebSocket',
    'EventSource',
    'WebTransport',
    'importScripts',
    'Worker',
    'SharedWorker',
    'BroadcastChannel',
    'indexedDB',
    'caches',
    'postMessage',
    'close',
  ]) {
    try {
      Object.defineProperty(scope, name, { value: undefined, configurable: false, writable: false });
    } catch {
      // Already gone in this browser.
    }
  }

  let plugin = null;
  let ctx = null;
  let token = '';
  let ack = true;
  // The event whose handlers have not settled yet (the host attributes a publish to it: loop detection).
  let handling = 0;
  let nextRequest = 1;
  let world = freeze({});
  const pending = new Map();
  const handlers = [];
  const chatHandlers = [];
  const actionHandlers = [];
  const errorHandlers = [];
  const selectHandlers = [];

  const request = (op, fields) =>
    new PromiseCtor((resolve, reject) => {
      const id = nextRequest++;
      pending.set(id, { resolve, reject });
      send({ t: 'request', id, op, ...fields });
    });

  // A world request's spec crosses to the world worker as JSON (a function or a cycle in it is the plugin's mistake:
  // its promise rejects here, and nothing is sent).
  const worldRequest = (op, fields) => {
    const copy = {};
    for (const key of Object.keys(fields)) {
      const v = fields[key];
      try {
        copy[key] = v === undefined ? undefined : parseJson(stringify(v));
      } catch {
        const err = new Error(`plugins: ${op}: ${key} is not plain JSON`);
        err.code = 'plugin_bad_message';
        return PromiseCtor.reject(err);
      }
    }
    return request(op, copy).then(deepFreeze);
  };

  const toText = (value) => {
    try {
      return String(value && typeof value === 'object' && 'message' in value ? value.message : value).slice(0, 1000);
    } catch {
      return 'unprintable error';
    }
  };

  const deepFreeze = (value) => {
    if (value && typeof value === 'object' && !Object.isFrozen(value)) {
      freeze(value);
      for (const key of Object.keys(value)) deepFreeze(value[key]);
    }
    return value;
  };

  const makeCtx = (name, permissions, api) => {
    const has = (p) => permissions.includes(p);
    const prefixed = (prefix) => permissions.some((p) => p.startsWith(prefix));
    const log =
      (level) =>
      (...args) =>
        send({ t: 'log', level, text: args.map(toText).join(' ').slice(0, 1000) });
    const c = {
      name,
      api,
      permissions: freeze([...permissions]),
      log: freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
      onError: (handler) => void errorHandlers.push(handler),
    };
    if (has('world:read') || has('world:select') || has('world:local')) {
      const w = {};
      if (has('world:read')) {
        w.snapshot = () => world;
        // By message through the host to the world worker: a promise (a trusted plugin's answer is immediate).
        w.query = (spec) => worldRequest('query', { spec });
      }
      if (has('world:local'))
        w.local = freeze({
          create: (spec) => worldRequest('local-create', { spec }),
          update: (id, fields) => worldRequest('local-update', { entity: id, fields }),
          remove: (id) => worldRequest('local-remove', { entity: id }),
          count: () => worldRequest('local-count', {}),
        });
      if (has('world:select')) w.onSelect = (handler) => void selectHandlers.push(handler);
      c.world = freeze(w);
    }
    if (has('camera:control'))
      c.camera = freeze({
        set: (shot) => request('camera', { shot }),
        reset: () => request('camera', { shot: null }),
      });
    if (has('chat:read') || has('chat:send')) {
      const chat = {};
      if (has('chat:read')) chat.onLine = (handler) => void chatHandlers.push(handler);
      if (has('chat:send')) chat.send = (text) => request('chat-send', { text: String(text) });
      c.chat = freeze(chat);
    }
    if (has('ui:panel'))
      c.ui = freeze({
        panel: (panel) => request('panel', { panel }),
        onAction: (handler) => void actionHandlers.push(handler),
      });
    if (prefixed('bus:')) {
      c.bus = freeze({
        publish: (event, payload) =>
          send(
            handling
              ? { t: 'publish', event: String(event), payload, token, cause: handling }
              : { t: 'publish', event: String(event), payload, token },
          ),
        subscribe: (pattern, handler) => {
          handlers.push({ pattern: String(pattern), handler });
          send({ t: 'subscribe', pattern: String(pattern) });
        },
      });
    }
    if (prefixed('net:'))
      c.fetch = (url, init = {}) =>
        request('fetch', {
          url: String(url),
          method: init.method === 'POST' ? 'POST' : 'GET',
          ...(init.body !== undefined ? { body: String(init.body) } : {}),
        });
    if (has('storage'))
      c.storage = freeze({
        get: (key) => request('storage-get', { key: String(key) }),
        set: (key, value) => request('storage-set', { key: String(key), value: value === null ? null : String(value) }),
      });
    return freeze(c);
  };

  const matches = (pattern, event) => {
    if (pattern === '**') return true;
    const p = pattern.split('/');
    const e = event.split('/');
    for (let i = 0; i < p.length; i++) {
      if (p[i] === '**') return e.length > i;
      if (i >= e.length || (p[i] !== '*' && p[i] !== e[i])) return false;
    }
    return p.length === e.length;
  };

  const call = async (m) => {
    if (m.world !== undefined) world = deepFreeze(m.world);
    const fn = plugin?.[m.fn];
    const start = now();
    let error;
    try {
      if (typeof fn === 'function') await (m.fn === 'update' ? fn(m.dt, ctx) : fn(ctx));
    } catch (err) {
      error = toText(err);
    }
    send({ t: 'done', id: m.id, ms: now() - start, ...(error !== undefined ? { error } : {}) });
  };

  const load = async (m) => {
    token = m.token;
    ack = m.ack !== false;
    ctx = makeCtx(m.name, m.permissions, String(m.api));
    const began = now();
    try {
      // The module the host asked for ahead (its code verified and run here before) when it is this very code.
      const code = String(m.code);
      plugin = await (early && early.code === code ? early.module : import(moduleUrl(code)));
    } catch (err) {
      send({ t: 'load-failed', message: toText(err) });
      return;
    }
    send({
      t: 'loaded',
      ms: now() - began,
      hooks: {
        init: typeof plugin.init === 'function',
        update: typeof plugin.update === 'function',
        shutdown: typeof plugin.shutdown === 'function',
      },
    });
    // `loaded` leaves before init runs (a busy init must not hold it back: the host times init from it), and init
    // starts at once instead of after a round trip to the host.
    flush();
    if (m.init && typeof plugin.init === 'function')
      void call({ t: 'call', id: m.init.id, fn: 'init', dt: 0, world: m.init.world });
  };

  const runAll = async (list, ...args) => {
    for (const h of list) {
      try {
        await h(...args);
      } catch (err) {
        send({ t: 'log', level: 'error', text: toText(err) });
      }
    }
  };

  // One answer to a request: its promise settles (an Error with `code` when refused).
  const settle = (m) => {
    const p = pending.get(m?.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else {
      const err = new Error(m.message);
      err.code = m.code;
      p.reject(err);
    }
  };

  const onHostMessage = (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    switch (m.t) {
      case 'load':
        if (!plugin) void load(m);
        return;
      case 'preload':
        // The host's guess while it reads the manifest: the code this plugin ran before. Imported now, with no ctx
        // (init waits for `load`, which names the code again; other code means the guess is not used).
        if (!ctx && !early && typeof m.code === 'string') {
          early = { code: m.code, module: import(moduleUrl(m.code)) };
          early.module.catch(() => undefined);
        }
        return;
      case 'call':
        void call(m);
        return;
      case 'events': {
        if (!Array.isArray(m.items)) return;
        for (const e of m.items) {
          const list = handlers.filter((h) => matches(h.pattern, e.event)).map((h) => h.handler);
          if (ack) handling = e.seq;
          const done = runAll(list, freeze({ event: e.event, payload: deepFreeze(e.payload), from: e.from }));
          if (ack)
            void done.then(() => {
              if (handling === e.seq) handling = 0;
              send({ t: 'handled', seq: e.seq });
            });
        }
        return;
      }
      case 'chat':
        void runAll(chatHandlers, freeze(m.line));
        return;
      case 'ui-action':
        void runAll(actionHandlers, m.id);
        return;
      case 'select':
        void runAll(selectHandlers, deepFreeze(m.object));
        return;
      case 'reply':
        settle(m);
        return;
      case 'replies':
        if (Array.isArray(m.items)) for (const r of m.items) settle(r);
        return;
      case 'token':
        token = m.token;
        return;
      case 'error':
        void runAll(errorHandlers, freeze({ code: m.code, message: m.message }));
        return;
    }
  };

  // The first message brings the private port; the global channel is not listened to afterwards.
  const takePort = (e) => {
    const p = e.ports?.[0];
    if (!p || port) return;
    port = p;
    removeListener('message', takePort);
    port.onmessage = onHostMessage;
  };
  addListener('message', takePort);
  // Started: the host may now hand this sandbox a plugin at once (it keeps one started ahead of the next load).
  // One empty module imported first, so the first real import does not pay for the loader's own start.
  const ready = () => globalPost({ t: 'ready' });
  import(moduleUrl('')).then(ready, ready);
})();
