/**
 * A plugin's world queries (`ctx.world.query`, docs/plugins.md) go through the engine's query normalizer and cache
 * (seed 12.2) like the engine's own: the spec, by component names, becomes an engine expression, normalized to one
 * canonical key (so `{all: [A, B]}`, `{all: [B, A]}` and `{all: [A, A, B]}` are one query), answered by the world's
 * cached query, and its rows (id, position, kind) are kept for the rest of the world tick: every asker of an
 * equivalent query in the same tick gets the same frozen rows. Hits and misses are counted per plugin (its profile).
 */
import { z } from 'zod';
import { and, type ComponentDef, type Expr, keyOf, normalize, not, or, type World } from '../engine';
import { PluginCode, pluginError } from '../plugins/errors';
import { Avatar, Faces, Local, NetId, Parent, Shape, Sound, Transform } from '../scene/components';

/** The components a plugin may name in a query (what they mean is in docs/plugins.md). */
export const QUERYABLE: Readonly<Record<string, ComponentDef>> = {
  Transform,
  Shape,
  Faces,
  Avatar,
  NetId,
  Local,
  Parent,
  Sound,
};

/** Most rows one query answers (the first ones in the world's order). */
export const MAX_QUERY_ROWS = 4096;

const names = z
  .array(z.enum(Object.keys(QUERYABLE) as [string, ...string[]]))
  .max(8)
  .optional();

/** What `ctx.world.query` takes. */
export const PluginQuery = z.object({ all: names, any: names, none: names }).strict();
export type PluginQuery = z.infer<typeof PluginQuery>;

/** One answer row: the entity, where it is (or null without a Transform), and what it is. */
export interface QueryRow {
  readonly id: number;
  readonly position: readonly [number, number, number] | null;
  readonly kind: 'avatar' | 'prim' | 'local' | 'other';
}

/** A query's answer. */
export interface QueryAnswer {
  /** How many entities match (rows holds at most MAX_QUERY_ROWS of them). */
  readonly count: number;
  readonly rows: readonly QueryRow[];
  /** The normalized key (equivalent queries have the same one). */
  readonly key: string;
}

/** The normalized engine expression and canonical key of a plugin's query; throws plugin_bad_query. */
export function normalizeQuery(plugin: string, spec: unknown): { expr: Expr; key: string } {
  const parsed = PluginQuery.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw pluginError(
      PluginCode.BadQuery,
      `${plugin}: query ${issue?.path.join('.') || 'spec'}: ${issue?.message ?? 'invalid'} (components: ${Object.keys(QUERYABLE).join(', ')})`,
    );
  }
  const q = parsed.data;
  const def = (n: string) => QUERYABLE[n] as ComponentDef;
  const parts: Expr[] = [];
  if (q.all && q.all.length > 0) parts.push(and(...q.all.map(def)));
  if (q.any && q.any.length > 0) parts.push(or(...q.any.map(def)));
  for (const n of q.none ?? []) parts.push(not(def(n)));
  if (parts.length === 0) throw pluginError(PluginCode.BadQuery, `${plugin}: a query names at least one component`);
  const expr = normalize(and(...parts));
  return { expr, key: keyOf(expr) };
}

/** Per-tick cache of plugins' query answers over one world. */
export class PluginQueries {
  private readonly answers = new Map<string, QueryAnswer>();
  private tick = -1;
  private readonly stats = new Map<string, { hits: number; misses: number }>();

  constructor(private readonly world: World) {}

  /** A new world tick: answers kept so far are stale. */
  nextTick(tick: number): void {
    if (tick === this.tick) return;
    this.tick = tick;
    this.answers.clear();
  }

  /** Answers `spec` for `plugin` (from this tick's cache when an equivalent query was answered already). */
  run(plugin: string, spec: unknown): QueryAnswer {
    const { expr, key } = normalizeQuery(plugin, spec);
    const s = this.statsOf(plugin);
    const cached = this.answers.get(key);
    if (cached) {
      s.hits++;
      return cached;
    }
    s.misses++;
    const world = this.world;
    const q = world.query(expr);
    const slots = q.entities();
    const n = Math.min(slots.length, MAX_QUERY_ROWS);
    const rows: QueryRow[] = [];
    for (let k = 0; k < n; k++) {
      const id = world.idAt(slots[k] as number);
      const p = world.has(id, Transform) ? (world.get(id, Transform).position as number[]) : null;
      const kind = world.has(id, Local) ? 'local' : world.has(id, Avatar) ? 'avatar' : world.has(id, Shape) ? 'prim' : 'other';
      rows.push(
        Object.freeze({ id, position: p ? (Object.freeze([p[0], p[1], p[2]]) as [number, number, number]) : null, kind }),
      );
    }
    const answer: QueryAnswer = Object.freeze({ count: slots.length, rows: Object.freeze(rows), key });
    this.answers.set(key, answer);
    return answer;
  }

  /** `plugin`'s hits and misses so far. */
  statsOf(plugin: string): { hits: number; misses: number } {
    let s = this.stats.get(plugin);
    if (!s) {
      s = { hits: 0, misses: 0 };
      this.stats.set(plugin, s);
    }
    return s;
  }

  /** Forgets `plugin`'s counters (it unloaded). */
  forget(plugin: string): void {
    this.stats.delete(plugin);
  }
}
