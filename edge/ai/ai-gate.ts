/**
 * Rate limits and the daily token budget of the language tier, per world (the WorldRoom holds one): requests per
 * visitor and per world in a sliding minute, and tokens per UTC day.
 */

export interface AiLimits {
  readonly perVisitorPerMinute: number;
  readonly perWorldPerMinute: number;
  readonly dailyTokens: number;
}

/** Requests a visitor and a world may make per minute (the operator sets the daily tokens). */
export const AI_PER_VISITOR_PER_MINUTE = 6;
export const AI_PER_WORLD_PER_MINUTE = 30;

/** Tokens used on one UTC day (persisted by the room). */
export interface AiBudget {
  day: string;
  used: number;
}

export type AiRefusal = { code: 'ai_rate_limited' | 'ai_budget_exhausted'; message: string };

const MINUTE_MS = 60_000;

/** The UTC day of `now`, as YYYY-MM-DD. */
export function dayOf(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export class AiGate {
  private readonly visitors = new Map<string, number[]>();
  private world: number[] = [];

  /** Counts a request of `actor` at `now` unless a limit refuses it (then nothing is counted). */
  admit(actor: string, now: number, budget: AiBudget, limits: AiLimits): AiRefusal | null {
    const used = budget.day === dayOf(now) ? budget.used : 0;
    if (used >= limits.dailyTokens)
      return {
        code: 'ai_budget_exhausted',
        message: `ai: this world has used its ${limits.dailyTokens} language-model tokens for today (UTC); try again tomorrow`,
      };
    const since = now - MINUTE_MS;
    this.world = this.world.filter((t) => t > since);
    const mine = (this.visitors.get(actor) ?? []).filter((t) => t > since);
    if (mine.length >= limits.perVisitorPerMinute)
      return {
        code: 'ai_rate_limited',
        message: `ai: at most ${limits.perVisitorPerMinute} requests a minute per visitor; wait a little`,
      };
    if (this.world.length >= limits.perWorldPerMinute)
      return {
        code: 'ai_rate_limited',
        message: `ai: this world takes at most ${limits.perWorldPerMinute} requests a minute; wait a little`,
      };
    mine.push(now);
    this.world.push(now);
    this.visitors.set(actor, mine);
    // Forget visitors with nothing in the window, so the map stays as small as the minute's traffic.
    for (const [key, times] of this.visitors) if (times.every((t) => t <= since)) this.visitors.delete(key);
    return null;
  }
}

/** The budget after spending `tokens` at `now` (a new day starts from zero). */
export function spend(budget: AiBudget, tokens: number, now: number): AiBudget {
  const day = dayOf(now);
  return { day, used: (budget.day === day ? budget.used : 0) + Math.max(0, Math.floor(tokens)) };
}
