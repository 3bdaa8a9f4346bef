/**
 * Trusted plugins in the world worker (docs/plugins.md, "Trusted plugins"): a plugin the operator listed is imported
 * here, after its code is checked against its integrity once more, and runs on the engine's schedule. The page's
 * plugin host drives it with the sandbox's protocol (load, init and shutdown calls, bus deliveries, chat, replies;
 * web/plugins/trusted-protocol.ts) and checks what it sends as it checks a sandbox's messages (its bus token, its
 * permissions, the schemas); its `update` runs once a frame in the `trusted-plugins` system, timed per plugin.
 * `ctx` is the sandbox's ctx plus what only the world's owner can give: `ctx.world.query` (through the engine's
 * query normalizer and cache, web/plugin-runtime/plugin-queries.ts) and `ctx.world.local` (world:local,
 * web/plugin-runtime/local-entities.ts). A plugin that throws is unloaded with the reason and the world goes on.
 * Nothing stops a busy loop here: that is why only operator-listed plugins run in this thread.
 */
import { defineResource, type Plugin, type TraceRecorder } from '../engine';
import { describeError } from '../plugins/errors';
import { checkIntegrity } from '../plugins/integrity';
import { matchesPattern } from '../plugins/manifest';
import {
  MAX_BATCH,
  MAX_SANDBOX_QUERY_ROWS,
  type QueryAnswerCopy,
  TrustedCommand,
  type TrustedHostMessage,
  type TrustedReport,
  type WorldOp,
  type WorldReplies,
} from '../plugins/trusted-protocol';
import { VIEWER_COMPONENTS } from '../scene/components';
import { Commands, Outbox, SceneChanges } from '../world/keys';
import { PluginLocals } from './local-entities';
import { PluginQueries } from './plugin-queries';

/** Frames of update time kept per plugin (the p50 is over these). */
const RING = 64;
/** How often each running plugin's profile goes to the host (ms). */
const PROFILE_MS = 500;

type Hook = (...args: unknown[]) => unknown;
type Handler = (...args: unknown[]) => unknown;

/** One trusted plugin in this worker. */
interface Running {
  readonly name: string;
  readonly permissions: readonly string[];
  module: Record<string, unknown> | null;
  ctx: Record<string, unknown> | null;
  token: string;
  ack: boolean;
  handling: number;
  world: unknown;
  stopped: boolean;
  /** An async update has not settled yet: no new frame for it until it does. */
  busy: boolean;
  outbox: unknown[];
  nextRequest: number;
  readonly pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  readonly handlers: { pattern: string; handler: Handler }[];
  readonly chatHandlers: Handler[];
  readonly actionHandlers: Handler[];
  readonly errorHandlers: Handler[];
  readonly updateMs: Float64Array;
  updates: number;
  lastProfile: number;
}

export interface TrustedRunnerOptions {
  /** Imports checked code (default: import() of a data: URL). */
  readonly importModule?: (code: string) => Promise<Record<string, unknown>>;
  readonly now?: () => number;
  /** Each plugin's update becomes a span here (`plugin <name> update`, category `plugin`): the engine's trace. */
  readonly trace?: TraceRecorder;
}

/** Settles the plugin's request `r.id` with the host's answer (an answer to nothing pending is ignored). */
function settle(
  p: Running,
  r: { id: number; ok: boolean; value?: unknown; code?: string | undefined; message?: string | undefined },
): void {
  const waiting = p.pending.get(r.id);
  if (!waiting) return;
  p.pending.delete(r.id);
  if (r.ok) waiting.resolve(r.value);
  else waiting.reject(Object.assign(new Error(r.message ?? 'refused'), { code: r.code }));
}

const toText = (value: unknown): string => {
  try {
    return String(value && typeof value === 'object' && 'message' in value ? (value as Error).message : value).slice(0, 1000);
  } catch {
    return 'unprintable error';
  }
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Imports checked code from a data: URL: in Chromium a quarter of a blob import's time (no trip to the browser's blob
 * registry), as the sandbox does (public/plugin-sandbox.js).
 */
async function importData(code: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ `data:text/javascript;charset=utf-8,${encodeURIComponent(code)}`)) as Record<
    string,
    unknown
  >;
}

/** The trusted plugins of one world (the engine plugin below runs it). */
export class TrustedRunner {
  private readonly plugins = new Map<string, Running>();
  private readonly now: () => number;
  private readonly importModule: (code: string) => Promise<Record<string, unknown>>;
  private readonly trace: TraceRecorder | null;

  constructor(
    readonly locals: PluginLocals,
    readonly queries: PluginQueries,
    /** Sends one message (a sandbox message, a batch or a report) to the host for plugin `name`. */
    private readonly post: (name: string, message: unknown) => void,
    options: TrustedRunnerOptions = {},
  ) {
    this.trace = options.trace ?? null;
    this.now = options.now ?? this.trace?.now ?? (() => performance.now());
    this.importModule = options.importModule ?? importData;
  }

  /** A new world tick: query answers cached so far are stale (called before the tick's commands run). */
  beginTick(tick: number): void {
    this.queries.nextTick(tick);
  }

  /** One host command (parsed here: the world's door only knows it is one). Nonsense is answered with an error event. */
  command(data: unknown): void {
    const parsed = TrustedCommand.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = typeof (data as { name?: unknown } | null)?.name === 'string' ? (data as { name: string }).name : '';
      if (/^[a-z][a-z0-9-]{0,39}$/.test(name))
        this.report(name, {
          t: 'failed',
          message: `plugins: malformed host message (${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'})`,
        });
      return;
    }
    this.handle(parsed.data.name, parsed.data.message);
  }

  /** Names of the plugins running here. */
  names(): string[] {
    return [...this.plugins.keys()];
  }

  /** One frame: each running plugin's update (not while its last async update is pending), timed; profiles out. */
  frame(dt: number, tick: number): void {
    this.queries.nextTick(tick);
    for (const p of this.plugins.values()) {
      if (p.stopped || !p.module || !p.ctx) continue;
      const update = p.module.update;
      if (typeof update === 'function' && !p.busy) {
        const start = this.now();
        try {
          const result = (update as Hook)(dt, p.ctx);
          if (result && typeof (result as Promise<unknown>).then === 'function') {
            p.busy = true;
            (result as Promise<unknown>).then(
              () => {
                p.busy = false;
              },
              (err: unknown) => this.fail(p, `update threw: ${toText(err)}`),
            );
          }
        } catch (err) {
          this.fail(p, `update threw: ${toText(err)}`);
          continue;
        }
        const end = this.now();
        p.updateMs[p.updates % RING] = end - start;
        p.updates++;
        this.trace?.span(`plugin ${p.name} update`, 'plugin', start, end);
      }
      const now = this.now();
      if (now - p.lastProfile >= PROFILE_MS) {
        p.lastProfile = now;
        this.report(p.name, this.profileOf(p));
      }
    }
  }

  /** A plugin's profile as the host gets it. */
  profileOf(p: Pick<Running, 'name' | 'updateMs' | 'updates'>): Extract<TrustedReport, { t: 'profile' }> {
    const n = Math.min(p.updates, RING);
    const sorted = Float64Array.from(p.updateMs.subarray(0, n)).sort();
    const q = this.queries.statsOf(p.name);
    return {
      t: 'profile',
      update_ms_p50: n === 0 ? 0 : (sorted[Math.floor(n / 2)] ?? 0),
      updates: p.updates,
      query_hits: q.hits,
      query_misses: q.misses,
      local_entities: this.locals.count(p.name),
    };
  }

  private handle(name: string, m: TrustedHostMessage): void {
    if (m.t === 'load') {
      if (this.plugins.has(name)) {
        this.send(name, { t: 'load-failed', message: `${name} is already running in the world worker` });
        return;
      }
      void this.load(name, m);
      return;
    }
    if (m.t === 'world-ops') {
      this.worldOps(name, m.items);
      return;
    }
    const p = this.plugins.get(name);
    if (!p || p.stopped) {
      // A sandboxed plugin stopped (unloaded, failed, terminated): the local entities its requests made go.
      if (m.t === 'unload' && !p) this.forget(name);
      return;
    }
    switch (m.t) {
      case 'call':
        void this.call(p, m);
        return;
      case 'events':
        for (const e of m.items) {
          const list = p.handlers.filter((h) => matchesPattern(h.pattern, e.event)).map((h) => h.handler);
          if (p.ack) p.handling = e.seq;
          const done = this.runAll(p, list, Object.freeze({ event: e.event, payload: deepFreeze(e.payload), from: e.from }));
          if (p.ack)
            void done.then(() => {
              if (p.handling === e.seq) p.handling = 0;
              this.send(p.name, { t: 'handled', seq: e.seq });
            });
        }
        return;
      case 'chat':
        void this.runAll(p, p.chatHandlers, Object.freeze({ ...m.line }));
        return;
      case 'ui-action':
        void this.runAll(p, p.actionHandlers, m.id);
        return;
      case 'reply':
        settle(p, m);
        return;
      case 'replies':
        for (const r of m.items) settle(p, r);
        return;
      case 'token':
        p.token = m.token;
        return;
      case 'error':
        void this.runAll(p, p.errorHandlers, Object.freeze({ code: m.code, message: m.message }));
        return;
      case 'world':
        p.world = deepFreeze(m.world);
        return;
      case 'unload':
        this.stop(p);
        return;
    }
  }

  /**
   * A sandboxed plugin's world requests (the host checked its permissions and limits): run with the trusted path's
   * code and limits, answered in order as plain data (a query's rows cut to MAX_SANDBOX_QUERY_ROWS), with the plugin's
   * counters.
   */
  private worldOps(name: string, items: readonly WorldOp[]): void {
    const replies: WorldReplies['items'] = [];
    for (const op of items) {
      try {
        replies.push({ id: op.id, ok: true, ...this.worldOp(name, op) });
      } catch (err) {
        const { code, message } = describeError(err);
        replies.push({ id: op.id, ok: false, code, message: message.slice(0, 2048) });
      }
    }
    const q = this.queries.statsOf(name);
    const reply: WorldReplies = {
      t: 'world-replies',
      items: replies,
      stats: { query_hits: q.hits, query_misses: q.misses, local_entities: this.locals.count(name) },
    };
    this.post(name, reply);
  }

  private worldOp(name: string, op: WorldOp): { value?: number | QueryAnswerCopy } {
    switch (op.op) {
      case 'query': {
        const a = this.queries.run(name, op.spec);
        const rows = a.rows.slice(0, MAX_SANDBOX_QUERY_ROWS).map((r) => ({
          id: r.id,
          position: r.position ? ([r.position[0], r.position[1], r.position[2]] as [number, number, number]) : null,
          kind: r.kind,
        }));
        return { value: { count: a.count, rows, key: a.key } };
      }
      case 'local-create':
        return { value: this.locals.create(name, op.spec) };
      case 'local-update':
        this.locals.update(name, op.entity, op.fields);
        return {};
      case 'local-remove':
        this.locals.remove(name, op.entity);
        return {};
      case 'local-count':
        return { value: this.locals.count(name) };
    }
  }

  /** Everything of plugin `name` in this world: its local entities and query counters. */
  private forget(name: string): void {
    this.locals.removeAll(name);
    this.queries.forget(name);
  }

  private async load(name: string, m: Extract<TrustedHostMessage, { t: 'load' }>): Promise<void> {
    const p: Running = {
      name,
      permissions: Object.freeze([...m.permissions]),
      module: null,
      ctx: null,
      token: m.token,
      ack: m.ack,
      handling: 0,
      world: Object.freeze({}),
      stopped: false,
      busy: false,
      outbox: [],
      nextRequest: 1,
      pending: new Map(),
      handlers: [],
      chatHandlers: [],
      actionHandlers: [],
      errorHandlers: [],
      updateMs: new Float64Array(RING),
      updates: 0,
      lastProfile: 0,
    };
    this.plugins.set(name, p);
    const began = this.now();
    try {
      // The host checked it; checked again here, where it is imported (the bytes crossed a thread).
      await checkIntegrity(new TextEncoder().encode(m.code), m.integrity, `${name} entry`);
      p.ctx = this.makeCtx(p);
      p.module = await this.importModule(m.code);
    } catch (err) {
      this.plugins.delete(name);
      this.send(name, { t: 'load-failed', message: toText(err) });
      return;
    }
    if (p.stopped) return;
    const mod = p.module;
    this.send(name, {
      t: 'loaded',
      ms: this.now() - began,
      hooks: {
        init: typeof mod.init === 'function',
        update: typeof mod.update === 'function',
        shutdown: typeof mod.shutdown === 'function',
      },
    });
  }

  private async call(p: Running, m: Extract<TrustedHostMessage, { t: 'call' }>): Promise<void> {
    if (m.world !== undefined) p.world = deepFreeze(m.world);
    const fn = p.module?.[m.fn];
    const start = this.now();
    let error: string | undefined;
    try {
      if (typeof fn === 'function') await (fn as Hook)(p.ctx);
    } catch (err) {
      error = toText(err);
    }
    this.send(p.name, { t: 'done', id: m.id, ms: this.now() - start, ...(error !== undefined ? { error } : {}) });
  }

  private async runAll(p: Running, list: readonly Handler[], ...args: unknown[]): Promise<void> {
    for (const h of list) {
      try {
        await h(...args);
      } catch (err) {
        this.send(p.name, { t: 'log', level: 'error', text: toText(err) });
      }
    }
  }

  /** The plugin threw: it is unloaded (its local entities go) and the host is told why. */
  private fail(p: Running, message: string): void {
    if (p.stopped) return;
    this.stop(p);
    this.report(p.name, { t: 'failed', message: `plugins: ${p.name}: ${message}; unloaded` });
  }

  private stop(p: Running): void {
    p.stopped = true;
    this.flush(p);
    this.locals.removeAll(p.name);
    this.queries.forget(p.name);
    for (const r of p.pending.values()) r.reject(new Error(`plugins: ${p.name} was unloaded`));
    p.pending.clear();
    this.plugins.delete(p.name);
  }

  private report(name: string, report: TrustedReport): void {
    this.post(name, report);
  }

  /** Batched like the sandbox's: one message per turn (or per MAX_BATCH items). */
  private send(name: string, message: unknown): void {
    const p = this.plugins.get(name);
    if (!p || p.stopped) {
      this.post(name, message);
      return;
    }
    if (p.outbox.length === 0) queueMicrotask(() => this.flush(p));
    p.outbox.push(message);
    if (p.outbox.length >= MAX_BATCH) this.flush(p);
  }

  private flush(p: Running): void {
    if (p.outbox.length === 0) return;
    const items = p.outbox;
    p.outbox = [];
    this.post(p.name, items.length === 1 ? items[0] : { t: 'batch', items });
  }

  private request(p: Running, op: string, fields: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = p.nextRequest++;
      p.pending.set(id, { resolve, reject });
      this.send(p.name, { t: 'request', id, op, ...fields });
    });
  }

  /** The sandbox's ctx (docs/plugins.md), plus queries and local entities; only what was granted. */
  private makeCtx(p: Running): Record<string, unknown> {
    const has = (x: string) => p.permissions.includes(x);
    const prefixed = (x: string) => p.permissions.some((q) => q.startsWith(x));
    const live = () => {
      if (p.stopped) throw new Error(`plugins: ${p.name} was unloaded`);
    };
    const log =
      (level: 'info' | 'warn' | 'error') =>
      (...args: unknown[]) =>
        this.send(p.name, { t: 'log', level, text: args.map(toText).join(' ').slice(0, 1000) });
    const c: Record<string, unknown> = {
      name: p.name,
      api: '1.0.0',
      trusted: true,
      permissions: p.permissions,
      log: Object.freeze({ info: log('info'), warn: log('warn'), error: log('error') }),
      onError: (handler: Handler) => void p.errorHandlers.push(handler),
    };
    const world: Record<string, unknown> = {};
    if (has('world:read')) {
      world.snapshot = () => p.world;
      world.query = (spec: unknown) => {
        live();
        return this.queries.run(p.name, spec);
      };
    }
    if (has('world:local'))
      world.local = Object.freeze({
        create: (spec: unknown) => {
          live();
          return this.locals.create(p.name, spec);
        },
        update: (id: unknown, fields: unknown) => {
          live();
          this.locals.update(p.name, id, fields);
        },
        remove: (id: unknown) => {
          live();
          this.locals.remove(p.name, id);
        },
        count: () => this.locals.count(p.name),
      });
    if (Object.keys(world).length > 0) c.world = Object.freeze(world);
    if (has('chat:read') || has('chat:send')) {
      const chat: Record<string, unknown> = {};
      if (has('chat:read')) chat.onLine = (handler: Handler) => void p.chatHandlers.push(handler);
      if (has('chat:send')) chat.send = (text: unknown) => this.request(p, 'chat-send', { text: String(text) });
      c.chat = Object.freeze(chat);
    }
    if (has('ui:panel'))
      c.ui = Object.freeze({
        panel: (panel: unknown) => this.request(p, 'panel', { panel }),
        onAction: (handler: Handler) => void p.actionHandlers.push(handler),
      });
    if (prefixed('bus:'))
      c.bus = Object.freeze({
        publish: (event: unknown, payload: unknown) =>
          this.send(p.name, {
            t: 'publish',
            event: String(event),
            payload,
            token: p.token,
            ...(p.handling ? { cause: p.handling } : {}),
          }),
        subscribe: (pattern: unknown, handler: Handler) => {
          p.handlers.push({ pattern: String(pattern), handler });
          this.send(p.name, { t: 'subscribe', pattern: String(pattern) });
        },
      });
    if (prefixed('net:'))
      c.fetch = (url: unknown, init: { method?: unknown; body?: unknown } = {}) =>
        this.request(p, 'fetch', {
          url: String(url),
          method: init.method === 'POST' ? 'POST' : 'GET',
          ...(init.body !== undefined ? { body: String(init.body) } : {}),
        });
    if (has('storage'))
      c.storage = Object.freeze({
        get: (key: unknown) => this.request(p, 'storage-get', { key: String(key) }),
        set: (key: unknown, value: unknown) =>
          this.request(p, 'storage-set', { key: String(key), value: value === null ? null : String(value) }),
      });
    return Object.freeze(c);
  }
}

/**
 * The engine plugin: `trusted-plugin` commands to the runner, and each frame the plugins' updates in the
 * `trusted-plugins` system (update phase, after net: local entities flag SceneChanges, which net inserts).
 */
export function trustedPluginsPlugin(options: TrustedRunnerOptions = {}): Plugin {
  return {
    name: 'trusted-plugins',
    after: ['net'],
    build(app) {
      const outbox = app.resource(Outbox);
      const changes = app.resource(SceneChanges);
      const runner = new TrustedRunner(
        new PluginLocals(app.world, () => {
          changes.structural = true;
        }),
        new PluginQueries(app.world),
        (name, message) => outbox.post({ type: 'trusted-plugin', name, message }),
        { trace: app.trace, ...options },
      );
      app.insertResource(TrustedRunnerKey, runner);
      const commands = app.reader(Commands);
      app.addSystem({
        name: 'trusted-plugins',
        phase: 'update',
        exclusive: true,
        writes: [...VIEWER_COMPONENTS],
        run: (ctx) => {
          // Sandboxed plugins' queries (commands) share this tick's cache with the trusted plugins' updates.
          runner.beginTick(ctx.tick);
          for (const c of commands.read()) if (c.type === 'trusted-plugin') runner.command(c.command);
          runner.frame(ctx.dt, ctx.tick);
        },
      });
    },
  };
}

/** The runner, as a resource (tests and the bench reach it). */
export const TrustedRunnerKey = defineResource<TrustedRunner>('plugins/trusted-runner');
