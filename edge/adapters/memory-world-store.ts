/** In-memory twin of the SQLite world store, for tests. Transactions roll back on a throw. */
import type { JournalEntry } from '../../shared/protocol';
import type { StoredEntity, StoredPlan, StoredSession } from '../world/types';
import type { NewJournalEntry, WorldStore } from './world-store';

interface Tables {
  meta: Map<string, string>;
  entities: Map<number, StoredEntity>;
  plans: Map<string, StoredPlan>;
  journal: JournalEntry[];
  sessions: Map<string, StoredSession>;
}

const copyTables = (t: Tables): Tables => structuredClone(t);

/** Creates an empty in-memory world store. */
export function createMemoryWorldStore(): WorldStore {
  let t: Tables = { meta: new Map(), entities: new Map(), plans: new Map(), journal: [], sessions: new Map() };
  return {
    transaction<T>(fn: () => T): T {
      const saved = copyTables(t);
      try {
        return fn();
      } catch (err) {
        t = saved;
        throw err;
      }
    },
    getMeta: (key) => t.meta.get(key) ?? null,
    setMeta: (key, value) => void t.meta.set(key, value),
    loadEntities: () => [...t.entities.values()].map((e) => structuredClone(e)),
    putEntity: (e) => void t.entities.set(e.entity.id, structuredClone(e)),
    deleteEntity: (id) => void t.entities.delete(id),
    getPlan: (id) => {
      const p = t.plans.get(id);
      return p ? structuredClone(p) : null;
    },
    putPlan: (p) => void t.plans.set(p.id, structuredClone(p)),
    appendJournal(entry: NewJournalEntry): number {
      const seq = t.journal.length + 1;
      t.journal.push({ ...structuredClone(entry), seq });
      return seq;
    },
    listJournal: (limit, before) =>
      t.journal
        .filter((e) => before === undefined || e.seq < before)
        .slice(-limit)
        .reverse(),
    getSession: (id) => t.sessions.get(id) ?? null,
    putSession: (s) => void t.sessions.set(s.id, { ...s }),
    dropSessionsBefore: (time) => {
      for (const [id, s] of t.sessions) if (s.lastSeen < time) t.sessions.delete(id);
    },
  };
}
