/**
 * The plugin host: loads plugins from their manifests (schema, `storm` range, dependencies by semver, SRI, risk
 * and consent), runs each untrusted plugin in a Worker of its own (public/plugin-sandbox.js, served with a
 * Content-Security-Policy that allows no connections and no code from anywhere but blobs), and gives it only the
 * capabilities its manifest was granted, by message: a read-only copy of the world, chat, a declarative panel,
 * the signed bus, fetch to granted origins (proxied here), storage, logging. A watchdog terminates a plugin whose
 * call runs past its time budget or whose memory grows past its budget; the viewer keeps running and says why.
 * It runs on any thread that can start Workers (the page's main thread in the viewer).
 */

import type { AnomalyScore } from '../../shared/anomaly/detector';
import { readAtMost } from '../../shared/bytes/read-limited';
import { type ChromeTrace, TraceRecorder } from '../engine';
import { type BusDelivery, createPluginBus, type Hop, type PluginBus } from './bus';
import { EntryCache } from './entry-cache';
import { describeError, PluginCode, PluginError, pluginError } from './errors';
import { checkIntegrity } from './integrity';
import {
  checkStormRange,
  grantedOrigins,
  hasPermission,
  MAX_ENTRY_BYTES,
  MAX_MANIFEST_BYTES,
  matchesPattern,
  type PluginManifest,
  parseManifest,
  publishPatterns,
  STORM_PLUGIN_API,
  subscribePatterns,
} from './manifest';
import { compareProfiles, type PluginProfile, type ProfileComparison, ProfileStore, profileOf } from './profile';
import { resolveOrder } from './resolve';
import { assessRisk, type RiskAssessment } from './risk';
import { type Sandbox, SandboxPool } from './sandbox-pool';
import {
  type CameraShot,
  type HostMessage,
  type PanelSchema,
  SandboxMessage,
  SandboxSingle,
  WORLD_OP_PERMISSION,
  type WorldOpName,
} from './sandbox-protocol';
import { indexedDbStorage, type PluginStorage } from './storage';
import { findTrusted, type PluginChannel, type TrustedRuntime } from './trusted';
import {
  MAX_REPLIES,
  MAX_WORLD_OPS,
  type TrustedHostMessage,
  TrustedReport,
  type WorldOp,
  WorldReplies,
  type WorldStats,
} from './trusted-protocol';

/** Most unhandled event chains kept per plugin (older ones are forgotten: their publishes start a new chain). */
const MAX_CAUSES = 4096;

/** The states of a plugin (the `plugin` event's `state`). */
export type PluginState = 'loading' | 'loaded' | 'running' | 'failed' | 'terminated' | 'refused';

/** The `plugin` event. */
export interface PluginEvent {
  readonly name: string;
  readonly state: PluginState;
  readonly reason: string;
  readonly code?: string;
}

/** What `load` answers (the embed API's `loadPlugin` result). */
export interface LoadResult {
  readonly ok: boolean;
  readonly name: string;
  readonly risk: number;
  readonly reasons: readonly string[];
  readonly code?: string;
  readonly message?: string;
}

/** One plugin as the panel and `plugins()` list it. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly state: PluginState;
  readonly reason: string;
  readonly risk: number;
  readonly riskReasons: readonly string[];
  readonly permissions: readonly string[];
  readonly update_ms_p50: number;
  /** The 99th percentile of the last 64 updates (ms). */
  readonly update_ms_p99: number;
  readonly events_per_s: number;
  readonly events_in: number;
  readonly events_out: number;
  readonly memory_bytes: number | null;
  /** Loaded by import() in the world worker (an operator-listed trusted plugin) rather than a sandbox. */
  readonly trusted: boolean;
  /** Which sandbox (or runner) instance runs it: a reload gives it a new one. */
  readonly instance: string;
  /** Its world queries answered from the per-tick cache / computed (trusted plugins: ctx.world.query). */
  readonly query_hits: number;
  readonly query_misses: number;
  /** Its local entities (world:local) now. */
  readonly local_entities: number;
  /** The plugin's last ctx.log line (`level: text`). */
  readonly last_log: string;
  /** Messages from the plugin that failed their schema (or came on the wrong channel). */
  readonly messages_refused: number;
  /** Publishes the bus refused (token, scope, rate, loop). */
  readonly publishes_refused: number;
  /**
   * Requests it made of the host (world calls, fetch, chat, storage, panel, camera), refused ones included: its
   * traffic for the anomaly score beside its publishes.
   */
  readonly requests: number;
  readonly panel: PanelSchema | null;
  /**
   * This version's profile against the last other version's kept baseline (docs/plugins.md, Cost): null until
   * both exist.
   */
  readonly profile: ProfileComparison | null;
}

export interface PluginBudgets {
  /** Running init (default 3,000 ms). */
  readonly initMs: number;
  /**
   * Starting the sandbox and compiling the module (default 15,000 ms): the browser's work more than the plugin's,
   * so generous; a module that loops at its top level still meets it.
   */
  readonly loadMs: number;
  /** One update or shutdown call, answer included (default 250 ms: a plugin is not a frame-rate system). */
  readonly callMs: number;
  /** Memory per plugin, where the page can measure it (default 64 MiB). */
  readonly memoryBytes: number;
  /** Publishes refused in one second before the plugin is stopped as a flood (default 5,000). */
  readonly floodRefusals: number;
  /** Messages that fail their schema before the plugin is stopped (default 100). */
  readonly badMessages: number;
  /**
   * A sandboxed plugin's world requests (`ctx.world.query`, `ctx.world.local.*`) per second (default 1,000, a
   * token bucket with a burst of as many); past it a request is refused with plugin_rate_limited.
   */
  readonly worldRequestsPerSecond: number;
  /** Its world requests sent to the world worker and not answered yet (default 256); past it: plugin_rate_limited. */
  readonly worldInFlight: number;
}

const DEFAULT_BUDGETS: PluginBudgets = {
  initMs: 3000,
  loadMs: 15_000,
  callMs: 250,
  memoryBytes: 64 * 1024 * 1024,
  floodRefusals: 5000,
  badMessages: 100,
  worldRequestsPerSecond: 1000,
  worldInFlight: 256,
};

export interface PluginHostOptions {
  /** Where the sandbox script is served (default /plugin-sandbox.js). */
  readonly sandboxUrl?: string;
  /** Starts a sandbox Worker (default `new Worker(url, {name})`). */
  readonly spawn?: (url: string, name: string) => Worker;
  /** Fetches manifests, entry modules and ctx.fetch calls (default globalThis.fetch). */
  readonly fetch?: typeof fetch;
  /** The read-only copy of the world given to plugins with world:read (called once per frame). */
  readonly world?: () => unknown;
  /** Where plugins with `storage` keep their values (default IndexedDB on this origin, 256 KiB per plugin). */
  readonly storage?: PluginStorage;
  /** Sets the camera for a plugin with camera:control (null: put it back as it was before the first shot). */
  readonly setCamera?: (shot: CameraShot | null, plugin: string) => void;
  /** Sends a chat line for a plugin with chat:send. */
  readonly sendChat?: (text: string, plugin: string) => void;
  /** Memory per sandbox, by the instance id in its URL (`i=`); polled every `memoryPollMs`. */
  readonly measureMemory?: () => Promise<ReadonlyMap<string, number>>;
  readonly memoryPollMs?: number;
  readonly budgets?: Partial<PluginBudgets>;
  /** Told of every state change (and of loop cuts, with their code). */
  readonly onEvent?: (event: PluginEvent) => void;
  /** Told when something `list()` shows changed besides the state (a panel, a log line). */
  readonly onChange?: () => void;
  /** Engine events a plugin published (`engine/…`, with bus:publish permission). */
  readonly onEngineEvent?: (event: string, payload: unknown, from: string) => void;
  /** Per-plugin spans go here (category `plugin`), beside the engine's frames and systems. */
  readonly trace?: TraceRecorder;
  readonly now?: () => number;
  /** How often a running plugin's profile is taken, kept as its version's baseline and compared (default 5,000 ms). */
  readonly profileEveryMs?: number;
  /** Updates a profile needs at least (default 32). */
  readonly profileMinUpdates?: number;
  /** Keep one sandbox Worker started ahead of the next load (default true). */
  readonly prewarm?: boolean;
  /** Verified entries kept by integrity (default: memory plus Cache Storage where it exists). */
  readonly entries?: EntryCache;
  /** Bus options (rates, token lifetime). */
  readonly bus?: { ratePerSecond?: number; tokenTtlMs?: number; maxChain?: number };
  /**
   * Told once when a plugin's traffic (publishes and requests) turns anomalous (it is throttled), with the features
   * that drove it.
   */
  readonly onAnomaly?: (score: AnomalyScore) => void;
  /** Where operator-listed trusted plugins run (the world worker); without it `{trusted: true}` is refused. */
  readonly trusted?: TrustedRuntime;
}

export type { PluginChannel, TrustedRuntime };

/** How often the watchdog looks (ms). */
const WATCHDOG_MS = 25;

interface Call {
  readonly id: number;
  readonly fn: 'init' | 'update' | 'shutdown';
  readonly started: number;
  /** Moved later by host stalls (see checkDeadlines). */
  deadline: number;
  /** Seen past its deadline once; stopped at the next tick if still unanswered. */
  overdue?: boolean;
  readonly resolve: (error: string | undefined) => void;
}

const RING = 64;

type ReplyItem = Extract<HostMessage, { t: 'replies' }>['items'][number];

/**
 * A sandbox taken ahead for a plugin loaded again from a URL it ran from before: while the manifest is read, the
 * code it ran (kept by integrity, checked again) is imported there with no ctx. Used only when the manifest still
 * names that integrity; otherwise the sandbox is terminated unused.
 */
interface Early {
  readonly integrity: string;
  readonly box: Sandbox;
  readonly channel: MessageChannel;
  dropped: boolean;
}

/** Manifest URLs remembered with the plugin that last ran from each (for Early), at most. */
const MAX_RAN = 256;

/** A loaded plugin (host side). */
class Loaded {
  state: PluginState = 'loading';
  reason = '';
  worker: Worker | null = null;
  port: PluginChannel | null = null;
  /** Runs in the world worker (operator-listed); its update is the runner's, on the engine's schedule. */
  trusted = false;
  profile: Extract<TrustedReport, { t: 'profile' }> | null = null;
  /** A sandboxed plugin's channel to the world worker (its world requests; opened at the first one). */
  world: PluginChannel | null = null;
  /** Answers to its requests waiting for the end of this turn (a sandbox gets them as one `replies` message). */
  replies: ReplyItem[] = [];
  /** World requests waiting for the end of this turn, sent as one `world-ops` message. */
  worldOutbox: WorldOp[] = [];
  worldInFlight = 0;
  /** The world-request token bucket: tokens now, and when it was last filled. */
  worldTokens = 0;
  worldFilled = 0;
  /** The world's counters for a sandboxed plugin (hits, misses, local entities), from its last replies. */
  worldStats: WorldStats | null = null;
  /** Where its manifest was and how it was loaded (hot reload loads it again the same way). */
  source: { url: string; consent: boolean; trusted: boolean } | null = null;
  hooks = { init: false, update: false, shutdown: false };
  call: Call | null = null;
  nextCall = 1;
  nextSeq = 1;
  /** The chains of events delivered and not yet handled, by seq (a publish names the one it was caused by). */
  readonly causes = new Map<number, readonly Hop[]>();
  /** Bus deliveries waiting for the end of this turn, sent as one `events` message. */
  outbox: Extract<HostMessage, { t: 'events' }>['items'] = [];
  token = '';
  tokenTimer: ReturnType<typeof setTimeout> | null = null;
  readonly updateMs = new Float64Array(RING);
  updates = 0;
  updateErrors = 0;
  badMessages = 0;
  refusedThisSecond = 0;
  /** Requests it made of the host (each counted in its traffic for the anomaly score). */
  requests = 0;
  secondStart = 0;
  eventsPerS = 0;
  lastCount = 0;
  memory: number | null = null;
  lastLog = '';
  panel: PanelSchema | null = null;
  readonly unsubscribes: (() => void)[] = [];
  /** The profile window: since when, and the bus counters then. */
  profileFrom = 0;
  profileIn = 0;
  profileOut = 0;
  /** The last other version's kept profile (undefined: not read yet). */
  baseline: PluginProfile | null | undefined = undefined;
  comparison: ProfileComparison | null = null;
  loadedWaiter: ((error: string | undefined) => void) | null = null;

  constructor(
    readonly manifest: PluginManifest,
    readonly instance: string,
    readonly risk: RiskAssessment,
    /** Its verified entry module (for a review). */
    readonly code: string,
  ) {}

  p50(): number {
    if (this.profile) return this.profile.update_ms_p50;
    const n = Math.min(this.updates, RING);
    if (n === 0) return 0;
    const s = Float64Array.from(this.updateMs.subarray(0, n)).sort();
    return s[Math.floor(n / 2)] ?? 0;
  }

  p99(): number {
    const n = Math.min(this.updates, RING);
    if (n === 0) return 0;
    const s = Float64Array.from(this.updateMs.subarray(0, n)).sort();
    return s[Math.min(n - 1, Math.ceil(0.99 * n) - 1)] ?? 0;
  }
}

/** Reads a response body up to `limit` bytes; throws `plugin_fetch_failed` past it. */
async function readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limit) throw pluginError(PluginCode.FetchFailed, `${what} is ${declared} bytes, over the ${limit}-byte limit`);
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(await res.arrayBuffer()).slice(0, limit);
  return readAtMost(reader, limit, {
    tooLarge: () => pluginError(PluginCode.FetchFailed, `${what} is over the ${limit}-byte limit`),
  });
}

let instances = 0;

/** The host. Create with `createPluginHost`. */
export class PluginHost {
  private readonly plugins = new Map<string, Loaded>();
  private readonly budgets: PluginBudgets;
  private readonly now: () => number;
  private readonly fetcher: typeof fetch;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private memoryTimer: ReturnType<typeof setInterval> | null = null;
  private measuring = false;
  private memoryStuck = false;
  private lastTick = 0;
  private readonly pool: SandboxPool;
  private readonly entries: EntryCache;
  /** Manifest URL → the sandboxed plugin that last started running from it, and its entry's integrity. */
  private readonly ran = new Map<string, { name: string; integrity: string }>();
  private closed = false;
  private readonly trace: TraceRecorder;
  private storageBackend: PluginStorage | null = null;
  /**
   * Where the last successful load spent its time (ms), for the bench: `fetch`, from the call to every entry fetched,
   * verified and scored; within it, from the call, `manifest` (the root manifest parsed) and `entry` (its entry's
   * bytes in), and the root entry's `integrity` digest and `risk` scan; `sandbox`, from taking a sandbox to its
   * module imported (`module` is the sandbox's own import of it; `startWait` the part spent waiting for the worker
   * to start); `init`; `total`. `warm` is 1 when a started sandbox was waiting; `kept` is 1 when the entry came
   * from the entry cache (its integrity verified here before) instead of the network; `early` is 1 when the
   * sandbox had imported that code while the manifest was read (a plugin loaded again from where it ran before).
   */
  lastLoadMs = {
    fetch: 0,
    manifest: 0,
    entry: 0,
    integrity: 0,
    risk: 0,
    sandbox: 0,
    startWait: 0,
    module: 0,
    init: 0,
    total: 0,
    warm: 0,
    kept: 0,
    early: 0,
  };

  constructor(
    readonly bus: PluginBus,
    private readonly options: PluginHostOptions,
  ) {
    this.budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
    this.now = options.now ?? (() => performance.now());
    this.fetcher = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.entries = options.entries ?? new EntryCache();
    this.trace = options.trace ?? new TraceRecorder(8192, this.now);
    this.lastTick = this.now();
    this.watchdog = setInterval(() => this.checkDeadlines(), WATCHDOG_MS);
    if (options.measureMemory) this.memoryTimer = setInterval(() => void this.pollMemory(), options.memoryPollMs ?? 2000);
    // The first load should not wait for a worker to start either: the pool starts one now.
    this.pool = new SandboxPool({
      ...(options.sandboxUrl ? { url: options.sandboxUrl } : {}),
      ...(options.spawn ? { spawn: options.spawn } : {}),
      ...(options.prewarm === false ? { prewarm: false } : {}),
      nextInstance: () => ++instances,
    });
  }

  /** Loads a plugin (and the dependencies it names, from sibling folders) from its manifest URL. */
  async load(manifestUrl: string, options: { consent?: boolean; trusted?: boolean } = {}): Promise<LoadResult> {
    let name = '';
    let risk = 0;
    let reasons: string[] = [];
    const began = this.now();
    let early: Early | null = null;
    try {
      const base = new URL(manifestUrl, globalThis.location?.href);
      // Loaded again from where it ran before: its sandbox imports that code while the manifest is read.
      if (!options.trusted) early = this.importEarly(base.href);
      // The usual entry (./index.js) is fetched beside the manifest, as a preload: it is used only when the
      // manifest names it, and checked against its integrity like any entry.
      // Not when this manifest's entry was verified here before and is kept (a second fetch at once slows the
      // manifest's own; the kept entry is used if the manifest still names its integrity).
      const guessUrl = new URL('./index.js', base).href;
      const preload = new AbortController();
      const guess =
        this.entries.expected(base.href) === undefined
          ? this.fetchBytes(guessUrl, MAX_ENTRY_BYTES, `${base.pathname} entry ./index.js`, preload.signal)
          : null;
      guess?.catch(() => undefined);
      // A trusted load needs the operator's listing of this very manifest URL (checked before the manifest is read).
      const listed = options.trusted ? await this.trustedEntry(base.href) : null;
      const root = await this.fetchManifest(base.href);
      const manifestAt = this.now();
      name = root.name;
      if (listed && root.integrity !== listed.integrity)
        throw pluginError(
          PluginCode.NotTrusted,
          `${name}: the operator trusts ${listed.url} with entry integrity ${listed.integrity}, but the manifest says ${root.integrity}`,
        );
      if (this.plugins.has(name) && this.isAlive(name))
        throw pluginError(PluginCode.AlreadyLoaded, `${name} is already loaded; unload it first`);
      // Gather the dependencies not loaded yet (sibling folders: ../<name>/storm-plugin.json).
      const found = new Map<string, { manifest: PluginManifest; url: string }>([[name, { manifest: root, url: base.href }]]);
      const queue = [root];
      while (queue.length > 0) {
        const m = queue.shift() as PluginManifest;
        for (const dep of Object.keys(m.dependencies)) {
          if (found.has(dep) || this.isAlive(dep)) continue;
          if (found.size >= 16) throw pluginError(PluginCode.MissingDependency, `${name}: more than 16 plugins to load at once`);
          const url = new URL(`../${dep}/storm-plugin.json`, base).href;
          let manifest: PluginManifest;
          try {
            manifest = await this.fetchManifest(url);
          } catch (err) {
            throw pluginError(
              PluginCode.MissingDependency,
              `${m.name} needs ${dep} ${m.dependencies[dep]}, which could not be loaded from ${url}: ${describeError(err).message}`,
            );
          }
          if (manifest.name !== dep)
            throw pluginError(PluginCode.MissingDependency, `${m.name} needs ${dep}, but ${url} is ${manifest.name}`);
          found.set(dep, { manifest, url });
          queue.push(manifest);
        }
      }
      const available = new Map<string, PluginManifest>();
      for (const [n, p] of this.plugins) if (this.isAlive(n)) available.set(n, p.manifest);
      for (const [n, f] of found) available.set(n, f.manifest);
      const order = resolveOrder([name], available).filter((n) => found.has(n));
      for (const n of order) checkStormRange((found.get(n) as { manifest: PluginManifest }).manifest);
      // Fetch, check and score every module before starting any.
      // The entries are fetched at once, and each plugin's bus token is signed meanwhile.
      const prepared = await Promise.all(
        order.map(async (n) => {
          const { manifest, url } = found.get(n) as { manifest: PluginManifest; url: string };
          const token = this.bus.issueToken(n, publishPatterns(manifest));
          const entryUrl = new URL(manifest.entry, url).href;
          const what = `${n} entry ${manifest.entry}`;
          const fetchEntry = () =>
            n === name && entryUrl === guessUrl && guess ? guess : this.fetchBytes(entryUrl, MAX_ENTRY_BYTES, what);
          // A kept entry with the manifest's integrity (checked again below; a kept copy that fails is fetched anew).
          const kept = await this.entries.get(manifest.integrity);
          if (kept && n === name) preload.abort();
          let bytes = kept ?? (await fetchEntry());
          const entryAt = this.now();
          try {
            await checkIntegrity(bytes, manifest.integrity, what);
          } catch (err) {
            if (!kept) throw err;
            this.entries.forget(manifest.integrity);
            bytes = await this.fetchBytes(entryUrl, MAX_ENTRY_BYTES, what);
            await checkIntegrity(bytes, manifest.integrity, what);
          }
          this.entries.put(url, manifest.integrity, bytes);
          const checkedAt = this.now();
          const code = new TextDecoder().decode(bytes);
          const assessed = assessRisk(manifest, code);
          if (n === name)
            this.lastLoadMs = {
              ...this.lastLoadMs,
              entry: entryAt - began,
              integrity: checkedAt - entryAt,
              risk: this.now() - checkedAt,
              kept: kept ? 1 : 0,
            };
          // Only the plugin asked for as trusted runs trusted (its dependencies load in sandboxes).
          return { manifest, code, risk: assessed, token: await token, trusted: n === name && listed !== null };
        }),
      );
      const top = prepared.reduce((a, b) => (b.risk.score > a.risk.score ? b : a));
      risk = top.risk.score;
      reasons = top.risk.reasons.map((r) => `${r.reason} (+${r.points})`);
      // The operator's listing is the consent for a trusted plugin; its score is still shown.
      const needing = prepared.filter((p) => p.risk.needsConsent && !p.trusted);
      if (needing.length > 0 && !options.consent) {
        const who = needing.map((p) => `${p.manifest.name} (risk ${p.risk.score})`).join(', ');
        throw pluginError(PluginCode.RiskRefused, `${who} needs your consent to load: ${reasons.join('; ')}`);
      }
      const fetched = this.now();
      for (const p of prepared) {
        const mine = p.manifest.name === name && early?.integrity === p.manifest.integrity ? early : undefined;
        if (mine) early = null;
        await this.start(p.manifest, p.code, p.risk, p.token, p.trusted, mine);
        const started = this.plugins.get(p.manifest.name);
        const url = found.get(p.manifest.name)?.url;
        if (started && url) started.source = { url, consent: options.consent === true, trusted: p.trusted };
      }
      this.lastLoadMs = { ...this.lastLoadMs, fetch: fetched - began, manifest: manifestAt - began, total: this.now() - began };
      const started = this.plugins.get(name);
      if (started?.state === 'running' && !started.trusted) this.remember(base.href, name, root.integrity);
      if (started?.state !== 'running') {
        return {
          ok: false,
          name,
          risk,
          reasons,
          code: PluginCode.Failed,
          message: started?.reason || `plugins: ${name} did not start`,
        };
      }
      return { ok: true, name, risk, reasons };
    } catch (err) {
      const { code, message } = describeError(err);
      if (name && !this.isAlive(name)) this.emit({ name, state: 'refused', reason: message, code });
      return { ok: false, name, risk, reasons, code, message };
    } finally {
      // A guess not used (another version, a refusal, a failure): its sandbox goes, unused by anyone.
      if (early) this.dropEarly(early);
    }
  }

  /** Takes a sandbox (the spare) for a plugin that ran from `url` before and imports its kept code there (see Early). */
  private importEarly(url: string): Early | null {
    const last = this.ran.get(url);
    // The spare even while it starts (the preload waits on its port), or one started now: the load takes one anyway.
    if (!last || this.entries.expected(url) !== last.integrity) return null;
    const box = this.pool.take(last.name);
    const channel = new MessageChannel();
    box.worker.postMessage({ t: 'port' }, [channel.port2]);
    const early: Early = { integrity: last.integrity, box, channel, dropped: false };
    void (async () => {
      const bytes = await this.entries.get(last.integrity);
      if (!bytes || early.dropped) return;
      await checkIntegrity(bytes, last.integrity, `${last.name} kept entry`);
      if (early.dropped) return;
      const preload: HostMessage = { t: 'preload', code: new TextDecoder().decode(bytes) };
      channel.port1.postMessage(preload);
    })().catch(() => undefined);
    return early;
  }

  private dropEarly(early: Early): void {
    early.dropped = true;
    early.channel.port1.close();
    early.box.worker.terminate();
    this.pool.loaded();
  }

  private remember(url: string, name: string, integrity: string): void {
    this.ran.delete(url);
    this.ran.set(url, { name, integrity });
    if (this.ran.size > MAX_RAN) this.ran.delete(this.ran.keys().next().value as string);
  }

  /** Stops a plugin: its shutdown (within the call budget), then its Worker. False when no such plugin. */
  async unload(name: string): Promise<boolean> {
    const p = this.plugins.get(name);
    if (!p) return false;
    if (p.state === 'running') await this.takeProfile(p).catch(() => undefined);
    if (p.state === 'running' && p.hooks.shutdown) await this.callPlugin(p, 'shutdown', 0).catch(() => undefined);
    this.stop(p, 'terminated', 'unloaded');
    this.plugins.delete(name);
    return true;
  }

  /** A plugin's manifest (as JSON) and verified code, for a review; null when no such plugin. */
  source(name: string): { manifest: string; code: string } | null {
    const p = this.plugins.get(name);
    return p ? { manifest: JSON.stringify(p.manifest, null, 2), code: p.code } : null;
  }

  /**
   * Hot reload (`npm start`): the plugins whose manifest is under `folderUrl` (a plugin's folder, ending in `/`) are
   * unloaded and loaded again from the same URL, the same way (consent, trusted); every other plugin keeps running.
   * Answers the reloads' results.
   */
  async reloadChanged(folderUrl: string): Promise<LoadResult[]> {
    const changed = [...this.plugins.values()].filter(
      (p) => p.source?.url.startsWith(folderUrl) && p.state !== 'refused' && p.state !== 'loading',
    );
    const results: LoadResult[] = [];
    for (const p of changed) {
      const source = p.source as NonNullable<Loaded['source']>;
      await this.unload(p.manifest.name);
      // A file changed: the code that ran is likely not the code to run, so no sandbox imports it ahead.
      this.ran.delete(source.url);
      results.push(await this.load(source.url, { consent: source.consent, trusted: source.trusted }));
    }
    return results;
  }

  /** Every plugin, in load order. */
  list(): PluginInfo[] {
    return [...this.plugins.values()].map((p) => {
      const c = this.bus.countersOf(p.manifest.name);
      return {
        name: p.manifest.name,
        version: p.manifest.version,
        state: p.state,
        reason: p.reason,
        risk: p.risk.score,
        riskReasons: p.risk.reasons.map((r) => `${r.reason} (+${r.points})`),
        permissions: [...p.manifest.permissions],
        update_ms_p50: p.p50(),
        update_ms_p99: p.p99(),
        events_per_s: p.eventsPerS,
        events_in: c.delivered,
        events_out: c.published,
        memory_bytes: p.memory,
        trusted: p.trusted,
        instance: p.instance,
        query_hits: p.profile?.query_hits ?? p.worldStats?.query_hits ?? 0,
        query_misses: p.profile?.query_misses ?? p.worldStats?.query_misses ?? 0,
        local_entities: p.profile?.local_entities ?? p.worldStats?.local_entities ?? 0,
        last_log: p.lastLog,
        messages_refused: p.badMessages,
        publishes_refused: c.refused,
        requests: p.requests,
        panel: p.panel,
        profile: p.comparison,
      };
    });
  }

  /** One frame: each running plugin with an update hook that is not still busy gets `update(dt)`. */
  frame(dt: number): void {
    const now = this.now();
    let world: unknown;
    let worldTaken = false;
    for (const p of this.plugins.values()) {
      if (now - p.secondStart >= 1000) {
        const c = this.bus.countersOf(p.manifest.name);
        const count = c.published + c.delivered;
        p.eventsPerS = Math.round(((count - p.lastCount) * 1000) / Math.max(1, now - p.secondStart));
        p.lastCount = count;
        p.secondStart = now;
        p.refusedThisSecond = 0;
      }
      if (p.state === 'running' && now - p.profileFrom >= (this.options.profileEveryMs ?? 5000))
        this.takeProfile(p).catch(() => undefined); // no storage on this page: the comparison still shows
      if (p.trusted) {
        // A trusted plugin's update runs on the engine's schedule; it gets the world copy from here.
        if (p.state === 'running' && hasPermission(p.manifest, 'world:read') && this.options.world) {
          if (!worldTaken) {
            world = this.options.world();
            worldTaken = true;
          }
          this.post(p, { t: 'world', world });
        }
        continue;
      }
      if (p.state !== 'running' || !p.hooks.update || p.call) continue;
      if (!worldTaken && this.options.world) {
        world = this.options.world();
        worldTaken = true;
      }
      void this.callPlugin(p, 'update', dt, hasPermission(p.manifest, 'world:read') ? world : undefined).then((error) => {
        if (p.state !== 'running') return; // stopped meanwhile (the watchdog says why)
        if (error === undefined) {
          p.updateErrors = 0;
          return;
        }
        p.updateErrors++;
        p.reason = `update threw: ${error}`;
        if (p.updateErrors >= 10) this.fail(p, PluginCode.Failed, `${p.manifest.name}: update threw 10 times in a row: ${error}`);
      });
    }
  }

  /** A chat line, for the plugins with chat:read. */
  chatLine(line: { from: string; text: string; at: number }): void {
    for (const p of this.plugins.values())
      if (p.state === 'running' && hasPermission(p.manifest, 'chat:read')) this.post(p, { t: 'chat', line });
  }

  /** Something was clicked in the world (null: nothing there), for the plugins with world:select. */
  select(object: unknown): void {
    for (const p of this.plugins.values())
      if (p.state === 'running' && hasPermission(p.manifest, 'world:select')) this.post(p, { t: 'select', object });
  }

  /** A button of a plugin's panel was pressed. */
  panelAction(name: string, id: string): void {
    const p = this.plugins.get(name);
    if (p?.state === 'running') this.post(p, { t: 'ui-action', id });
  }

  /** An engine event bridged onto the bus (`engine/…`); plugins with a matching subscribe permission get it. */
  engineEvent(event: string, payload: unknown): number {
    return this.bus.publishFromHost(event, payload);
  }

  /** Every plugin's current anomaly score (its publishes and requests against its own baseline), highest first. */
  anomalyScores(): AnomalyScore[] {
    return this.bus.anomalyScores();
  }

  /** A plugin's traffic turned anomalous: logged with what drove it, and its panel line says it is throttled. */
  anomalous(score: AnomalyScore): void {
    const p = this.plugins.get(score.source);
    const top = score.features[0];
    const why = top ? `${top.feature} ${top.value.toFixed(0)} against ${top.mean.toFixed(0)} ± ${top.std.toFixed(0)}` : '';
    if (p) p.lastLog = `throttled: anomaly score ${score.score.toFixed(1)} (${why})`;
    console.warn(`plugins: ${score.source} throttled: anomaly score ${score.score.toFixed(1)} > ${score.threshold} (${why})`);
    this.options.onAnomaly?.(score);
    this.options.onChange?.();
  }

  /** The bus cut a loop: every plugin in it is told (ctx.onError) and the panel shows why. */
  loopCut(plugins: readonly string[], message: string): void {
    for (const name of plugins) {
      const p = this.plugins.get(name);
      if (!p || !this.isAlive(name)) continue;
      p.reason = message;
      this.post(p, { t: 'error', code: PluginCode.LoopCut, message });
      this.emit({ name, state: p.state, reason: message, code: PluginCode.LoopCut });
    }
  }

  /**
   * The plugins' calls (init, update, shutdown: from the host's send to the sandbox's answer) as a Chrome trace,
   * process 2 ("stormcore plugins"), to be merged beside the engine's process 1. Its clock is this thread's.
   */
  exportTrace(): ChromeTrace {
    const trace = this.trace.toChromeTrace('stormcore plugins', { 0: 'plugin host' });
    return { ...trace, traceEvents: trace.traceEvents.map((e) => ({ ...e, pid: 2 })) };
  }

  private profileStore: ProfileStore | null = null;

  private profiles(): ProfileStore {
    this.storageBackend ??= this.options.storage ?? indexedDbStorage();
    this.profileStore ??= new ProfileStore(this.storageBackend);
    return this.profileStore;
  }

  /**
   * Opens a plugin's profile window. The baseline its version is compared with is read when its first profile is
   * taken, not here: a load opens no IndexedDB (docs/plugins.md, Cost).
   */
  private startProfile(p: Loaded): void {
    const c = this.bus.countersOf(p.manifest.name);
    p.profileFrom = this.now();
    p.profileIn = c.delivered;
    p.profileOut = c.published;
  }

  /**
   * Takes the profile of the window that ends now (the last 64 updates, the bus counters over the window), keeps it
   * as this version's and compares it with the baseline; a window with too few updates is left open.
   */
  private async takeProfile(p: Loaded): Promise<void> {
    const n = Math.min(p.updates, RING);
    const now = this.now();
    if (n < (this.options.profileMinUpdates ?? 32)) return;
    const c = this.bus.countersOf(p.manifest.name);
    const profile = profileOf(p.manifest.version, p.updateMs.subarray(0, n), {
      eventsIn: c.delivered - p.profileIn,
      eventsOut: c.published - p.profileOut,
      seconds: (now - p.profileFrom) / 1000,
      memory: p.memory,
    });
    p.profileFrom = now;
    p.profileIn = c.delivered;
    p.profileOut = c.published;
    if (!profile) return;
    if (p.baseline === undefined)
      p.baseline = await this.profiles()
        .baselineFor(p.manifest.name, p.manifest.version)
        .catch(() => null); // no storage on this page: nothing to compare with
    if (p.baseline) {
      p.comparison = compareProfiles(p.baseline, profile);
      this.options.onChange?.();
    }
    await this.profiles().save(p.manifest.name, profile);
  }

  /** Stops every plugin and the watchdog. */
  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    for (const p of this.plugins.values()) this.stop(p, 'terminated', 'the viewer closed');
    this.plugins.clear();
    this.pool.close();
  }

  private isAlive(name: string): boolean {
    const s = this.plugins.get(name)?.state;
    return s === 'loading' || s === 'loaded' || s === 'running';
  }

  /** The operator's listing of `manifestUrl`; throws plugin_not_trusted when it is not listed (or none can be). */
  private async trustedEntry(manifestUrl: string): Promise<{ url: string; integrity: string }> {
    const runtime = this.options.trusted;
    if (!runtime)
      throw pluginError(PluginCode.NotTrusted, `${manifestUrl}: this viewer runs no trusted plugins; load it without trusted`);
    const list = await runtime.list();
    const found = findTrusted(list, manifestUrl, globalThis.location?.href);
    if (!found)
      throw pluginError(
        PluginCode.NotTrusted,
        `${manifestUrl} is not on the operator's trusted plugin list (${list.length} listed); load it without trusted to run it in a sandbox`,
      );
    return found;
  }

  private async fetchBytes(url: string, limit: number, what: string, signal?: AbortSignal): Promise<Uint8Array> {
    let res: Response;
    try {
      // Past the HTTP cache: a manifest is always read fresh (a cached one could name an entry no longer served, and
      // hot reload needs the new one), and an entry is kept by its integrity in the entry cache (entry-cache.ts).
      // Skipping the cache's lookup and write is also the quickest way to the network.
      res = await this.fetcher(url, { credentials: 'omit', redirect: 'error', cache: 'no-store', ...(signal ? { signal } : {}) });
    } catch (err) {
      throw pluginError(PluginCode.FetchFailed, `${what} could not be fetched from ${url}: ${describeError(err).message}`);
    }
    if (!res.ok) throw pluginError(PluginCode.FetchFailed, `${what} could not be fetched from ${url}: HTTP ${res.status}`);
    return readLimited(res, limit, what);
  }

  private async fetchManifest(url: string): Promise<PluginManifest> {
    return parseManifest(await this.fetchBytes(url, MAX_MANIFEST_BYTES, 'manifest'), url);
  }

  private emit(event: PluginEvent): void {
    this.options.onEvent?.(event);
  }

  private setState(p: Loaded, state: PluginState, reason: string, code?: string): void {
    p.state = state;
    p.reason = reason;
    this.emit({ name: p.manifest.name, state, reason, ...(code ? { code } : {}) });
  }

  private post(p: Loaded, message: HostMessage | TrustedHostMessage): void {
    p.port?.postMessage(message);
  }

  private async start(
    manifest: PluginManifest,
    code: string,
    risk: RiskAssessment,
    token: string,
    trusted = false,
    early?: Early,
  ): Promise<void> {
    if (trusted) return this.startTrusted(manifest, code, risk, token);
    const name = manifest.name;
    const spawned = this.now();
    const box = early?.box ?? this.pool.take(name);
    const { worker, instance } = box;
    this.lastLoadMs = { ...this.lastLoadMs, warm: box.started ? 1 : 0, startWait: 0, early: early ? 1 : 0 };
    const p = new Loaded(manifest, instance, risk, code);
    p.secondStart = this.now();
    this.plugins.set(name, p);
    const channel = early?.channel ?? new MessageChannel();
    p.worker = worker;
    p.port = channel.port1;
    // The worker's own global channel is not the sandbox's: anything posted there (but the sandbox's one `ready`)
    // is the plugin forging.
    worker.onmessage = (e: MessageEvent) => {
      if (!box.started && (e.data as { t?: unknown } | null)?.t === 'ready') {
        box.started = true;
        if (p.state === 'loading') this.lastLoadMs = { ...this.lastLoadMs, startWait: this.now() - spawned };
        return;
      }
      this.badMessage(p, 'posted on the worker instead of the sandbox port (forged)');
    };
    worker.onerror = (e) => {
      e.preventDefault();
      if (p.state === 'loading' || p.state === 'loaded' || p.state === 'running')
        this.fail(p, PluginCode.Failed, `${name}: ${e.message || 'the sandbox failed to start'}`);
    };
    channel.port1.onmessage = (e) => this.receive(p, e.data);
    if (!early) worker.postMessage({ t: 'port' }, [channel.port2]);
    try {
      await this.sendLoad(p, code, token, spawned);
    } finally {
      // The next spare starts now that this load no longer needs the CPU.
      this.pool.loaded();
    }
  }

  /**
   * Both kinds of start end here: the plugin gets its code, permissions and bus token over its port (a trusted one
   * also the integrity, which its runner checks again), and the host waits for it to load.
   */
  private async sendLoad(p: Loaded, code: string, token: string, spawned: number, integrity?: string): Promise<void> {
    const { manifest } = p;
    p.token = token;
    this.scheduleTokenRenewal(p);
    const loaded = new Promise<string | undefined>((resolve) => {
      p.loadedWaiter = resolve;
    });
    const load = {
      t: 'load' as const,
      name: manifest.name,
      code,
      permissions: [...manifest.permissions],
      token,
      api: STORM_PLUGIN_API,
      ack: publishPatterns(manifest).length > 0,
    };
    if (integrity !== undefined) {
      this.post(p, { ...load, integrity });
      await this.finishStart(p, loaded, spawned);
      return;
    }
    // A sandbox runs init as soon as its module is imported (no round trip between the two), when it has one.
    const initId = p.nextCall++;
    const world = hasPermission(manifest, 'world:read') ? this.options.world?.() : undefined;
    this.post(p, { ...load, init: { id: initId, world } });
    await this.finishStart(p, loaded, spawned, initId);
  }

  /** A trusted plugin: by import() in the world worker (the runner), driven with the sandbox's protocol. */
  private async startTrusted(manifest: PluginManifest, code: string, risk: RiskAssessment, token: string): Promise<void> {
    const name = manifest.name;
    const runtime = this.options.trusted;
    if (!runtime) throw pluginError(PluginCode.NotTrusted, `${name}: this viewer runs no trusted plugins`);
    const spawned = this.now();
    const p = new Loaded(manifest, `trusted-${name}-${++instances}`, risk, code);
    p.trusted = true;
    p.secondStart = spawned;
    this.plugins.set(name, p);
    p.port = runtime.open(name, (data) => this.receiveTrusted(p, data));
    this.lastLoadMs = { ...this.lastLoadMs, warm: 1 };
    await this.sendLoad(p, code, token, spawned, manifest.integrity);
  }

  /** What a trusted plugin's runner sends: its reports, or the sandbox's messages (checked the same way). */
  private receiveTrusted(p: Loaded, data: unknown): void {
    if (!p.port) return;
    const report = TrustedReport.safeParse(data);
    if (!report.success) {
      this.receive(p, data);
      return;
    }
    if (report.data.t === 'profile') {
      p.profile = report.data;
      p.updates = report.data.updates;
      return;
    }
    // The runner already unloaded it (its local entities are gone); the world goes on.
    p.loadedWaiter?.(report.data.message);
    if (this.isAlive(p.manifest.name)) this.fail(p, PluginCode.Failed, report.data.message);
  }

  /** Waits for the module, subscribes, runs init: the same steps for a sandbox and a trusted plugin. */
  private async finishStart(
    p: Loaded,
    loaded: Promise<string | undefined>,
    spawned: number,
    /** The init call the sandbox starts by itself once its module is imported (sandboxes); else init is asked for. */
    initId?: number,
  ): Promise<void> {
    const { manifest } = p;
    const name = manifest.name;
    const deadline = setTimeout(
      () => p.loadedWaiter?.(`${name}: loading its module took over ${this.budgets.loadMs} ms`),
      this.budgets.loadMs,
    );
    const loadError = await loaded;
    clearTimeout(deadline);
    p.loadedWaiter = null;
    if (loadError !== undefined) {
      if (this.isAlive(name))
        this.fail(p, loadError.includes('took over') ? PluginCode.BudgetExceeded : PluginCode.Failed, loadError);
      return;
    }
    const moduleLoaded = this.now();
    this.lastLoadMs = { ...this.lastLoadMs, sandbox: moduleLoaded - spawned };
    this.setState(p, 'loaded', 'module loaded');
    for (const pattern of subscribePatterns(manifest)) this.subscribe(p, pattern);
    if (p.hooks.init) {
      const error = await (initId !== undefined
        ? this.expectCall(p, initId, 'init')
        : this.callPlugin(p, 'init', 0, hasPermission(manifest, 'world:read') ? this.options.world?.() : undefined));
      if (p.state !== 'loaded') return; // the watchdog stopped it
      if (error !== undefined) {
        this.fail(p, PluginCode.Failed, `${name}: init threw: ${error}`);
        return;
      }
    }
    this.lastLoadMs = { ...this.lastLoadMs, init: this.now() - moduleLoaded };
    this.startProfile(p);
    this.setState(p, 'running', 'running');
  }

  /** Resolves when the sandbox kept for the next load has started (at once when none is kept). */
  async warm(): Promise<void> {
    if (!this.closed) await this.pool.warm();
  }

  private scheduleTokenRenewal(p: Loaded): void {
    const ttl = this.bus.tokenTtlMs;
    p.tokenTimer = setTimeout(
      () => {
        if (!this.isAlive(p.manifest.name)) return;
        void this.bus.issueToken(p.manifest.name, publishPatterns(p.manifest)).then((token) => {
          p.token = token;
          this.post(p, { t: 'token', token });
          this.scheduleTokenRenewal(p);
        });
      },
      Math.max(50, ttl * 0.8),
    );
  }

  private subscribe(p: Loaded, pattern: string): void {
    p.unsubscribes.push(
      this.bus.subscribe(p.manifest.name, pattern, (d: BusDelivery) => {
        if (p.state !== 'running' && p.state !== 'loaded') return;
        const seq = p.nextSeq++;
        // Only a plugin that may publish can extend a chain; the others do not acknowledge events.
        if (this.publishes(p)) {
          p.causes.set(seq, d.chain);
          if (p.causes.size > MAX_CAUSES) p.causes.delete(p.causes.keys().next().value as number);
        }
        // Deliveries are sent once per turn of this thread, as one message: a postMessage per event costs more
        // than the event (structured clone, a task on each side).
        if (p.outbox.length === 0) queueMicrotask(() => this.flushEvents(p));
        p.outbox.push({ seq, event: d.event, payload: d.payload, from: d.from });
      }),
    );
  }

  private flushEvents(p: Loaded): void {
    if (p.outbox.length === 0) return;
    const items = p.outbox;
    p.outbox = [];
    this.post(p, { t: 'events', items });
  }

  private publishes(p: Loaded): boolean {
    return p.manifest.permissions.some((x) => x.startsWith('bus:publish:'));
  }

  private callPlugin(p: Loaded, fn: Call['fn'], dt: number, world?: unknown): Promise<string | undefined> {
    const id = p.nextCall++;
    const answer = this.expectCall(p, id, fn);
    this.post(p, { t: 'call', id, fn, dt, world });
    return answer;
  }

  /** The call `id` is running (asked for now, or already started by the sandbox): its budget counts from now. */
  private expectCall(p: Loaded, id: number, fn: Call['fn']): Promise<string | undefined> {
    const started = this.now();
    const budget = fn === 'init' ? this.budgets.initMs : this.budgets.callMs;
    return new Promise((resolve) => {
      p.call = { id, fn, started, deadline: started + budget, resolve };
    });
  }

  /**
   * The watchdog's tick. A call is over budget only by time the host itself was awake to see: when this thread
   * stalled (a long task, GC, a busy page), the stall is added to every deadline, and an overdue call is only
   * stopped at the next tick, after any answer already queued behind the stall has been read.
   */
  private checkDeadlines(): void {
    if (this.closed) return;
    const now = this.now();
    const stalled = now - this.lastTick - WATCHDOG_MS;
    this.lastTick = now;
    for (const p of this.plugins.values()) {
      const call = p.call;
      if (!call) continue;
      if (stalled > WATCHDOG_MS) call.deadline += stalled;
      if (now <= call.deadline) continue;
      if (!call.overdue) {
        call.overdue = true;
        continue;
      }
      p.call = null;
      call.resolve('over budget');
      const budget = call.fn === 'init' ? this.budgets.initMs : this.budgets.callMs;
      this.fail(
        p,
        PluginCode.BudgetExceeded,
        `${p.manifest.name}: ${call.fn} ran over its ${budget} ms budget (${Math.round(now - call.started)} ms); terminated`,
      );
    }
  }

  /**
   * Whether per-plugin memory is measured: 'off' (this page cannot), 'on', or 'stuck': Chromium never completes a
   * measurement that started while a sandbox was in a busy loop (nor any later one in that page), so after 10 s
   * without an answer the host stops asking; the time budget still holds.
   */
  get memoryMeasurement(): 'off' | 'on' | 'stuck' {
    return !this.options.measureMemory ? 'off' : this.memoryStuck ? 'stuck' : 'on';
  }

  private async pollMemory(): Promise<void> {
    if (this.measuring || this.memoryStuck || !this.options.measureMemory || this.plugins.size === 0) return;
    // Not while a sandbox is slow to answer: it may be in a busy loop, which would hang the measurement for good.
    const now = this.now();
    for (const p of this.plugins.values()) if (p.call && now - p.call.started > 50) return;
    this.measuring = true;
    try {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), 10_000);
      });
      const bytes = await Promise.race([this.options.measureMemory(), late]);
      clearTimeout(timer);
      if (!bytes) {
        this.memoryStuck = true;
        this.options.onChange?.();
        return;
      }
      for (const p of this.plugins.values()) {
        const b = bytes.get(p.instance);
        if (b === undefined) continue;
        p.memory = b;
        if (b > this.budgets.memoryBytes && this.isAlive(p.manifest.name))
          this.fail(
            p,
            PluginCode.BudgetExceeded,
            `${p.manifest.name}: uses ${Math.round(b / 1048576)} MiB, over its ${Math.round(this.budgets.memoryBytes / 1048576)} MiB memory budget; terminated`,
          );
      }
    } catch {
      // Measuring is best effort (it needs cross-origin isolation); the time budget still holds.
    } finally {
      this.measuring = false;
    }
  }

  private fail(p: Loaded, code: PluginCode, message: string): void {
    this.stop(p, 'failed', message.startsWith('plugins: ') ? message : `plugins: ${message}`, code);
  }

  private stop(p: Loaded, state: 'failed' | 'terminated', reason: string, code?: string): void {
    p.worker?.terminate();
    p.worker = null;
    p.port?.close();
    p.port = null;
    // The world worker removes the local entities its requests made (they are its, by name).
    p.worldOutbox = [];
    p.world?.close();
    p.world = null;
    if (p.tokenTimer) clearTimeout(p.tokenTimer);
    for (const u of p.unsubscribes) u();
    p.unsubscribes.length = 0;
    p.call?.resolve('stopped');
    p.call = null;
    p.loadedWaiter?.(reason);
    if (p.state !== 'failed' && p.state !== 'terminated') this.setState(p, state, reason, code);
  }

  private badMessage(p: Loaded, what: string, raw?: unknown): void {
    p.badMessages++;
    p.reason = `refused a message: ${what}`;
    if (p.badMessages >= this.budgets.badMessages && this.isAlive(p.manifest.name)) {
      this.fail(p, PluginCode.BadMessage, `${p.manifest.name}: ${p.badMessages} messages refused (last: ${what}); terminated`);
      return;
    }
    // A refused request (a value over its limit, say) is still answered, so the plugin's promise settles with why.
    const id = requestId(raw);
    if (id !== null)
      this.reply(p, id, {
        ok: false,
        code: PluginCode.BadMessage,
        message: `plugins: ${p.manifest.name}: request refused: ${what}`,
      });
  }

  private reply(
    p: Loaded,
    id: number,
    result: { ok: true; value?: unknown } | { ok: false; code: string; message: string },
  ): void {
    // A plugin gets the answers of one host turn as one message (a burst of requests is answered in a burst): for a
    // trusted plugin that is one world command per MAX_REPLIES answers, not one each.
    if (p.replies.length === 0) queueMicrotask(() => this.flushReplies(p));
    p.replies.push({ id, ...result });
  }

  private flushReplies(p: Loaded): void {
    const all = p.replies;
    p.replies = [];
    for (let at = 0; at < all.length; at += MAX_REPLIES) {
      const items = all.slice(at, at + MAX_REPLIES);
      const one = items.length === 1 ? items[0] : undefined;
      this.post(p, one ? { t: 'reply', ...one } : { t: 'replies', items });
    }
  }

  private receive(p: Loaded, data: unknown): void {
    if (!p.port) return;
    const parsed = SandboxMessage.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.badMessage(p, `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`, data);
      return;
    }
    if (parsed.data.t !== 'batch') {
      this.handle(p, parsed.data);
      return;
    }
    for (const [i, item] of parsed.data.items.entries()) {
      if (!p.port) return; // stopped by an earlier item
      const one = SandboxSingle.safeParse(item);
      if (one.success) this.handle(p, one.data);
      else {
        const issue = one.error.issues[0];
        this.badMessage(p, `items.${i}.${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`, item);
      }
    }
  }

  private handle(p: Loaded, m: SandboxSingle): void {
    const name = p.manifest.name;
    switch (m.t) {
      case 'loaded':
        p.hooks = m.hooks;
        this.lastLoadMs = { ...this.lastLoadMs, module: m.ms ?? 0 };
        p.loadedWaiter?.(undefined);
        return;
      case 'load-failed':
        p.loadedWaiter?.(`${name}: its module did not load: ${m.message}`);
        return;
      case 'done': {
        const call = p.call;
        if (!call || call.id !== m.id) {
          this.badMessage(p, `done for call ${m.id}, which is not running`);
          return;
        }
        p.call = null;
        const end = this.now();
        if (call.fn === 'update') {
          p.updateMs[p.updates % RING] = m.ms;
          p.updates++;
        }
        this.trace.span(`plugin ${name} ${call.fn}`, 'plugin', call.started, end);
        call.resolve(m.error);
        return;
      }
      case 'handled':
        p.causes.delete(m.seq);
        return;
      case 'subscribe': {
        const granted = subscribePatterns(p.manifest);
        // The granted patterns are subscribed at load and the sandbox routes events to its handlers; a
        // subscription outside them is refused here.
        if (!granted.includes(m.pattern) && !granted.some((g) => matchesPattern(g, m.pattern)))
          this.post(p, {
            t: 'error',
            code: PluginCode.PermissionDenied,
            message: `plugins: ${name} may not subscribe to ${m.pattern} (granted: ${granted.join(', ') || 'none'})`,
          });
        return;
      }
      case 'publish': {
        const cause = m.cause === undefined ? [] : (p.causes.get(m.cause) ?? []);
        this.bus.publish(name, m.event, m.payload, m.token, cause).then(
          () => {
            if (m.event.startsWith('engine/')) this.options.onEngineEvent?.(m.event, m.payload, name);
          },
          (err: unknown) => this.publishRefused(p, err),
        );
        return;
      }
      case 'log':
        p.lastLog = `${m.level}: ${m.text}`;
        this.options.onChange?.();
        return;
      case 'request':
        p.requests++;
        try {
          // Every request is the plugin's traffic, whatever it asks and whether it may: a plugin that never
          // publishes but floods the host is scored (and throttled) as its source like a publish flood.
          this.bus.countRequest(name);
        } catch (err) {
          const { code, message } = describeError(err);
          this.requestRefused(p, m.id, code, message, 'request');
          return;
        }
        void this.request(p, m);
        return;
    }
  }

  private publishRefused(p: Loaded, err: unknown): void {
    const { code, message } = describeError(err);
    if (code === PluginCode.RateLimited || code === PluginCode.Throttled) {
      p.refusedThisSecond++;
      if (p.refusedThisSecond === 1) this.post(p, { t: 'error', code, message });
      if (p.refusedThisSecond >= this.budgets.floodRefusals && this.isAlive(p.manifest.name))
        this.fail(
          p,
          PluginCode.BudgetExceeded,
          `${p.manifest.name}: publish flood (${p.refusedThisSecond} refused in a second); terminated`,
        );
      return;
    }
    if (code === PluginCode.LoopCut) return; // loopCut told every plugin in the loop
    p.reason = message;
    this.post(p, { t: 'error', code, message });
  }

  private async request(p: Loaded, m: Extract<SandboxSingle, { t: 'request' }>): Promise<void> {
    const name = p.manifest.name;
    const denied = (what: string) =>
      this.reply(p, m.id, { ok: false, code: PluginCode.PermissionDenied, message: `plugins: ${name} may not ${what}` });
    switch (m.op) {
      case 'fetch': {
        let origin: string;
        try {
          origin = new URL(m.url).origin;
        } catch {
          this.reply(p, m.id, { ok: false, code: PluginCode.BadMessage, message: `plugins: ${name}: ${m.url} is not a URL` });
          return;
        }
        if (!grantedOrigins(p.manifest).includes(origin)) {
          denied(`fetch from ${origin} (granted: ${grantedOrigins(p.manifest).join(', ') || 'none'})`);
          return;
        }
        try {
          const res = await this.fetcher(m.url, {
            method: m.method,
            credentials: 'omit',
            redirect: 'error',
            mode: 'cors',
            ...(m.body !== undefined ? { body: m.body } : {}),
          });
          const body = new TextDecoder().decode(await readLimited(res, 1024 * 1024, `${name} fetch`));
          this.reply(p, m.id, { ok: true, value: { status: res.status, body } });
        } catch (err) {
          const d = describeError(err);
          this.reply(p, m.id, { ok: false, code: PluginCode.FetchFailed, message: d.message });
        }
        return;
      }
      case 'storage-get':
      case 'storage-set': {
        if (!hasPermission(p.manifest, 'storage')) return denied('use storage');
        this.storageBackend ??= this.options.storage ?? indexedDbStorage();
        try {
          const value =
            m.op === 'storage-get'
              ? await this.storageBackend.get(name, m.key)
              : await this.storageBackend.set(name, m.key, m.value);
          this.reply(p, m.id, { ok: true, ...(value !== undefined ? { value } : {}) });
        } catch (err) {
          const d = describeError(err);
          this.reply(p, m.id, {
            ok: false,
            code: d.code === PluginCode.BudgetExceeded ? d.code : PluginCode.Failed,
            message: d.message.startsWith('plugins: ') ? d.message : `plugins: ${name}: storage: ${d.message}`,
          });
        }
        return;
      }
      case 'chat-send':
        if (!hasPermission(p.manifest, 'chat:send')) return denied('send chat');
        if (!this.options.sendChat) {
          this.reply(p, m.id, { ok: false, code: PluginCode.Failed, message: 'plugins: this viewer has no chat to send to' });
          return;
        }
        this.options.sendChat(m.text, name);
        this.reply(p, m.id, { ok: true });
        return;
      case 'camera':
        if (!hasPermission(p.manifest, 'camera:control')) return denied('move the camera');
        if (!this.options.setCamera) {
          this.reply(p, m.id, { ok: false, code: PluginCode.Failed, message: 'plugins: this viewer has no camera to move' });
          return;
        }
        this.options.setCamera(m.shot, name);
        this.reply(p, m.id, { ok: true });
        return;
      case 'panel':
        if (!hasPermission(p.manifest, 'ui:panel')) return denied('show a panel');
        p.panel = m.panel;
        this.options.onChange?.();
        this.reply(p, m.id, { ok: true });
        return;
      case 'query':
      case 'local-create':
      case 'local-update':
      case 'local-remove':
      case 'local-count': {
        const needs = WORLD_OP_PERMISSION[m.op];
        if (!hasPermission(p.manifest, needs)) return denied(`${m.op} (it needs ${needs})`);
        const { t: _t, ...op } = m;
        this.worldRequest(p, op as WorldOp);
        return;
      }
    }
  }

  /**
   * A sandboxed plugin's world request (permission checked): limited (a token bucket and a cap on requests in flight;
   * refusals count toward the flood budget), then queued for this turn's `world-ops` message to the world worker,
   * whose replies come back by `receiveWorld`.
   */
  private worldRequest(p: Loaded, op: WorldOp): void {
    const name = p.manifest.name;
    const runtime = this.options.trusted;
    if (!runtime) {
      this.reply(p, op.id, { ok: false, code: PluginCode.Failed, message: `plugins: ${name}: this viewer has no world to ask` });
      return;
    }
    const now = this.now();
    const rate = this.budgets.worldRequestsPerSecond;
    if (p.worldFilled === 0) p.worldTokens = rate;
    else p.worldTokens = Math.min(rate, p.worldTokens + ((now - p.worldFilled) * rate) / 1000);
    p.worldFilled = now;
    const inFlight = p.worldInFlight + p.worldOutbox.length;
    if (p.worldTokens < 1 || inFlight >= this.budgets.worldInFlight) {
      const why =
        p.worldTokens < 1
          ? `over ${rate} world requests a second`
          : `${inFlight} world requests unanswered (at most ${this.budgets.worldInFlight})`;
      this.requestRefused(
        p,
        op.id as number,
        PluginCode.RateLimited,
        `plugins: ${name}: ${op.op as WorldOpName} refused: ${why}`,
        'world request',
      );
      return;
    }
    p.worldTokens -= 1;
    if (!p.world) p.world = runtime.open(name, (data) => this.receiveWorld(p, data));
    if (p.worldOutbox.length === 0) queueMicrotask(() => this.flushWorld(p));
    p.worldOutbox.push(op);
    if (p.worldOutbox.length >= MAX_WORLD_OPS) this.flushWorld(p);
  }

  /**
   * A request refused for its rate (the world bucket, or the anomaly throttle): answered with why; the refusals count
   * toward the flood budget, past which the plugin is stopped.
   */
  private requestRefused(p: Loaded, id: number, code: string, message: string, what: 'request' | 'world request'): void {
    p.refusedThisSecond++;
    this.reply(p, id, { ok: false, code, message });
    if (p.refusedThisSecond === 1) p.reason = message;
    if (p.refusedThisSecond >= this.budgets.floodRefusals && this.isAlive(p.manifest.name))
      this.fail(
        p,
        PluginCode.BudgetExceeded,
        `${p.manifest.name}: ${what} flood (${p.refusedThisSecond} refused in a second); terminated`,
      );
  }

  private flushWorld(p: Loaded): void {
    if (p.worldOutbox.length === 0 || !p.world) return;
    const items = p.worldOutbox;
    p.worldOutbox = [];
    p.worldInFlight += items.length;
    p.world.postMessage({ t: 'world-ops', items });
  }

  /** The world worker's answers to a sandboxed plugin's world requests (parsed), passed back to its sandbox. */
  private receiveWorld(p: Loaded, data: unknown): void {
    if (!p.port) return;
    const parsed = WorldReplies.safeParse(data);
    if (!parsed.success) {
      // Not the plugin's doing: the world worker is ours. Its requests stay unanswered; said once in the panel.
      p.lastLog = `error: plugins: a malformed world reply was dropped (${parsed.error.issues[0]?.message ?? 'invalid'})`;
      return;
    }
    p.worldStats = parsed.data.stats;
    p.worldInFlight = Math.max(0, p.worldInFlight - parsed.data.items.length);
    for (const r of parsed.data.items) {
      if (r.ok) this.reply(p, r.id, r.value === undefined ? { ok: true } : { ok: true, value: r.value });
      else this.reply(p, r.id, { ok: false, code: r.code, message: r.message });
    }
  }
}

/** Creates a host with its bus. */
export async function createPluginHost(options: PluginHostOptions = {}): Promise<PluginHost> {
  const bus = await createPluginBus({
    ...options.bus,
    // One clock for the host and its bus's anomaly buckets, when the host is given one.
    ...(options.now ? { now: options.now } : {}),
    onLoopCut: (plugins, message) => host.loopCut(plugins, message),
    onAnomaly: (score) => host.anomalous(score),
  });
  const host: PluginHost = new PluginHost(bus, options);
  return host;
}

export { PluginError };

/** The id of what looks like a sandbox request (`{t: 'request', id}` with a whole id), else null. */
function requestId(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as { t?: unknown; id?: unknown };
  return m.t === 'request' && typeof m.id === 'number' && Number.isSafeInteger(m.id) && m.id >= 0 ? m.id : null;
}
