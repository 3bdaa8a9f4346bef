/**
 * The plugin event bus (seed 13.4): publish/subscribe by event name with patterns. Every publish carries a token
 * the host signed for the publishing plugin (HMAC-SHA-256 with WebCrypto, expiring, scoped to its publish
 * permissions); the token is checked on every publish (its signature once per token, then from a cache of
 * verified tokens; expiry and scope every time). Per-plugin rate limits (a token bucket), anomaly scores (a plugin
 * whose traffic — its publishes and the requests it makes of the host — runs far over its own baseline for two
 * seconds is throttled: shared/anomaly) and loop detection: a
 * published event carries the chain of events that caused it, and a chain that comes back to the same
 * plugin and event is cut.
 */
import { z } from 'zod';
import {
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  type AnomalyScore,
  createAnomalyDetector,
} from '../../shared/anomaly/detector';
import { PluginCode, pluginError } from './errors';
import { matchesPattern } from './manifest';

/** One step of a causal chain: `plugin` published `event`. */
export interface Hop {
  readonly plugin: string;
  readonly event: string;
}

/** What a subscriber receives. */
export interface BusDelivery {
  readonly event: string;
  readonly payload: unknown;
  readonly from: string;
  /** The chain that led to this event, this event last. */
  readonly chain: readonly Hop[];
}

export interface BusOptions {
  readonly now?: () => number;
  /** Token lifetime (default 60 s). */
  readonly tokenTtlMs?: number;
  /** Sustained publishes per second per plugin (default 2,000). */
  readonly ratePerSecond?: number;
  /** Bucket size (default the rate). */
  readonly burst?: number;
  /** Longest causal chain (default 8). */
  readonly maxChain?: number;
  /** Told when a loop is cut, with the plugins involved. */
  readonly onLoopCut?: (plugins: readonly string[], message: string) => void;
  /** The anomaly detector's settings for traffic per plugin (shared/anomaly/detector.ts); its clock is the bus's. */
  readonly anomaly?: Omit<AnomalyDetectorOptions, 'now' | 'onAnomaly'>;
  /**
   * Told once when a plugin's traffic (publishes and requests) turns anomalous (it is throttled), with the features
   * that drove it.
   */
  readonly onAnomaly?: (score: AnomalyScore) => void;
}

const TokenClaims = z
  .object({
    p: z.string().max(64),
    s: z.array(z.string().max(300)).max(32),
    exp: z.number().finite(),
    n: z.string().max(32),
  })
  .strict();
export type TokenClaims = z.infer<typeof TokenClaims>;

const MAX_TOKEN = 4096;

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

interface Subscription {
  readonly plugin: string;
  readonly pattern: string;
  readonly deliver: (d: BusDelivery) => void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Per-plugin counters (events in and out since registration). */
export interface BusCounters {
  published: number;
  delivered: number;
  refused: number;
}

/** Up to two events a frame at 60 fps is never anomalous (a plugin that starts publishing each frame). */
export const BUS_ANOMALY_FLOOR = { events_per_s: 120 } as const;

/**
 * What one request a plugin makes of the host (a world query or local-entity call, ctx.fetch, a chat line, storage,
 * a panel, the camera) counts in its traffic, in publishes: a fifth, so the floor stands for ten requests a frame at
 * 60 fps (600 a second, under the 1,000 world requests a second the host allows), and a request flood scores as
 * the plugin's own traffic even when it never publishes.
 */
export const PLUGIN_REQUEST_WEIGHT = 0.2;

/** The bus. Create with `createPluginBus` (it makes the signing key). */
export class PluginBus {
  private readonly subs: Subscription[] = [];
  private readonly verified = new Map<string, TokenClaims>();
  private readonly verifying = new Map<string, Promise<TokenClaims>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly counters = new Map<string, BusCounters>();
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxChain: number;
  private readonly anomaly: AnomalyDetector;

  constructor(
    private readonly key: CryptoKey,
    private readonly options: BusOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now() + performance.timeOrigin);
    this.ttl = options.tokenTtlMs ?? 60_000;
    this.rate = options.ratePerSecond ?? 2000;
    this.burst = options.burst ?? this.rate;
    this.maxChain = options.maxChain ?? 8;
    this.anomaly = createAnomalyDetector({
      floor: BUS_ANOMALY_FLOOR,
      ...options.anomaly,
      now: this.now,
      ...(options.onAnomaly ? { onAnomaly: options.onAnomaly } : {}),
    });
  }

  /**
   * Every plugin's current anomaly score (its traffic a second — publishes, and its requests of the host at
   * PLUGIN_REQUEST_WEIGHT each — against its own baseline), highest first.
   */
  anomalyScores(): AnomalyScore[] {
    this.anomaly.flush();
    return this.anomaly.scores();
  }

  /** Signs a token for `plugin`, scoped to its publish patterns, valid for the token lifetime. */
  async issueToken(plugin: string, patterns: readonly string[]): Promise<string> {
    const nonce = b64url(crypto.getRandomValues(new Uint8Array(9)));
    const claims: TokenClaims = { p: plugin, s: [...patterns], exp: this.now() + this.ttl, n: nonce };
    const body = b64url(new TextEncoder().encode(JSON.stringify(claims)));
    const sig = new Uint8Array(await crypto.subtle.sign('HMAC', this.key, new TextEncoder().encode(body)));
    return `${body}.${b64url(sig)}`;
  }

  /** When a plugin's token expires, so the host can renew it first. */
  get tokenTtlMs(): number {
    return this.ttl;
  }

  /**
   * Checks a token for `plugin`: signature (once per token), owner, expiry. Throws `plugin_token_invalid` or
   * `plugin_token_expired`.
   */
  async verifyToken(token: string, plugin: string): Promise<TokenClaims> {
    let claims = this.verified.get(token);
    if (!claims) {
      // One signature check per token, however many publishes carry it at once.
      let pending = this.verifying.get(token);
      if (!pending) {
        pending = this.verifySignature(token, plugin).finally(() => this.verifying.delete(token));
        this.verifying.set(token, pending);
      }
      claims = await pending;
    }
    if (claims.p !== plugin)
      throw pluginError(PluginCode.TokenInvalid, `${plugin}: bus token was issued to ${claims.p}, not to ${plugin}`);
    if (claims.exp <= this.now()) {
      this.verified.delete(token);
      throw pluginError(PluginCode.TokenExpired, `${plugin}: bus token expired; the host renews tokens, wait for the new one`);
    }
    return claims;
  }

  /** Checks a token's form and signature and parses its claims (cached once verified). */
  private async verifySignature(token: string, plugin: string): Promise<TokenClaims> {
    if (token.length > MAX_TOKEN) throw pluginError(PluginCode.TokenInvalid, `${plugin}: bus token too long`);
    const [body, sig, extra] = token.split('.');
    const sigBytes = fromB64url(sig ?? '');
    if (!body || !sigBytes || extra !== undefined)
      throw pluginError(PluginCode.TokenInvalid, `${plugin}: bus token is not body.signature`);
    const ok = await crypto.subtle.verify('HMAC', this.key, sigBytes, new TextEncoder().encode(body));
    if (!ok) throw pluginError(PluginCode.TokenInvalid, `${plugin}: bus token signature does not verify (forged or altered)`);
    let json: unknown = null;
    try {
      json = JSON.parse(new TextDecoder().decode(fromB64url(body) ?? new Uint8Array()));
    } catch {
      json = null;
    }
    const parsed = TokenClaims.safeParse(json);
    if (!parsed.success) throw pluginError(PluginCode.TokenInvalid, `${plugin}: bus token claims do not parse`);
    if (this.verified.size > 4096) this.verified.clear();
    this.verified.set(token, parsed.data);
    return parsed.data;
  }

  /** Subscribes `plugin` to a pattern; returns the unsubscribe function. */
  subscribe(plugin: string, pattern: string, deliver: (d: BusDelivery) => void): () => void {
    const sub = { plugin, pattern, deliver };
    this.subs.push(sub);
    return () => {
      const i = this.subs.indexOf(sub);
      if (i >= 0) this.subs.splice(i, 1);
    };
  }

  /** Removes a plugin's subscriptions, bucket and counters. */
  unregister(plugin: string): void {
    for (let i = this.subs.length - 1; i >= 0; i--) if (this.subs[i]?.plugin === plugin) this.subs.splice(i, 1);
    this.buckets.delete(plugin);
    this.counters.delete(plugin);
    this.anomaly.forget(plugin);
  }

  /** The counters of a plugin. */
  countersOf(plugin: string): BusCounters {
    let c = this.counters.get(plugin);
    if (!c) {
      c = { published: 0, delivered: 0, refused: 0 };
      this.counters.set(plugin, c);
    }
    return c;
  }

  /**
   * Publishes `event` from `from` with its token; `cause` is the chain of the event the publisher was handling
   * (empty when none). Returns how many subscribers got it. Throws the token's errors, `plugin_permission_denied`
   * (event outside the token's scope), `plugin_rate_limited` or `plugin_loop_cut`.
   */
  async publish(from: string, event: string, payload: unknown, token: string, cause: readonly Hop[] = []): Promise<number> {
    const counters = this.countersOf(from);
    try {
      const claims = await this.verifyToken(token, from);
      if (!claims.s.some((p) => matchesPattern(p, event)))
        throw pluginError(
          PluginCode.PermissionDenied,
          `${from} may not publish ${event} (its publish permissions: ${claims.s.join(', ') || 'none'})`,
        );
      this.countTraffic(from, 1, 'events');
      this.take(from);
      return this.dispatch(from, event, payload, cause);
    } catch (err) {
      counters.refused++;
      throw err;
    }
  }

  /**
   * Counts one request `plugin` made of the host (not a publish: a world call, fetch, chat, storage, panel or camera)
   * as PLUGIN_REQUEST_WEIGHT of its traffic. Throws `plugin_throttled` while its traffic is anomalous (and for the
   * cooldown after): the host refuses the request.
   */
  countRequest(plugin: string): void {
    this.countTraffic(plugin, PLUGIN_REQUEST_WEIGHT, 'requests');
  }

  /** Counts `units` of a plugin's traffic for its anomaly score; throws `plugin_throttled` while it is throttled. */
  private countTraffic(plugin: string, units: number, dropped: 'events' | 'requests'): void {
    if (this.anomaly.observe(plugin, 0, units)) return;
    const score = this.anomaly.score(plugin);
    const top = score?.features[0];
    throw pluginError(
      PluginCode.Throttled,
      `${plugin} is throttled: its traffic (publishes and requests) scored ${score?.score.toFixed(1) ?? '?'} (alarm ${score?.threshold ?? '?'})${top ? `, ${top.feature} ${top.value.toFixed(0)} against ${top.mean.toFixed(0)} ± ${top.std.toFixed(0)}` : ''}; ${dropped} dropped`,
    );
  }

  /** Publishes from the host itself (engine events bridged onto the bus): no token, no rate limit. */
  publishFromHost(event: string, payload: unknown): number {
    return this.dispatch('engine', event, payload, []);
  }

  private dispatch(from: string, event: string, payload: unknown, cause: readonly Hop[]): number {
    const hop = { plugin: from, event };
    if (cause.some((h) => h.plugin === from && h.event === event) || cause.length + 1 > this.maxChain) {
      const chain = [...cause, hop];
      const plugins = [...new Set(chain.map((h) => h.plugin))];
      const message = `plugins: loop cut: ${chain.map((h) => `${h.plugin}:${h.event}`).join(' -> ')}`;
      this.options.onLoopCut?.(plugins, message);
      throw pluginError(PluginCode.LoopCut, message);
    }
    const chain = [...cause, hop];
    this.countersOf(from).published++;
    let n = 0;
    for (const sub of this.subs) {
      if (sub.plugin === from || !matchesPattern(sub.pattern, event)) continue;
      this.countersOf(sub.plugin).delivered++;
      sub.deliver({ event, payload, from, chain });
      n++;
    }
    return n;
  }

  private take(plugin: string): void {
    const now = this.now();
    let b = this.buckets.get(plugin);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(plugin, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1)
      throw pluginError(PluginCode.RateLimited, `${plugin} publishes faster than ${this.rate} events/s; events dropped`);
    b.tokens -= 1;
  }
}

/** Creates a bus with a fresh, non-extractable HMAC key. */
export async function createPluginBus(options: BusOptions = {}): Promise<PluginBus> {
  const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return new PluginBus(key, options);
}
