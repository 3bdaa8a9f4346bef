/** The world store on Durable Object SQLite: JSON rows parsed with their schemas on the way out. */
import { z } from 'zod';
import { JournalEntry, WorldAction } from '../../shared/protocol';
import { StoredEntity, StoredPlan, StoredSession } from '../world/types';
import type { NewJournalEntry, WorldStore } from './world-store';

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS entities (id INTEGER PRIMARY KEY, data TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS plans (id TEXT PRIMARY KEY, data TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, plan_id TEXT NOT NULL, state TEXT NOT NULL,
     actor TEXT NOT NULL, at REAL NOT NULL, actions TEXT NOT NULL, entities TEXT NOT NULL)`,
  'CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, last_seen REAL NOT NULL, data TEXT NOT NULL)',
];

const JournalRow = z.object({
  seq: z.number(),
  plan_id: z.string(),
  state: z.string(),
  actor: z.string(),
  at: z.number(),
  actions: z.string(),
  entities: z.string(),
});
const DataRow = z.object({ data: z.string() });
const ValueRow = z.object({ value: z.string() });
const SeqRow = z.object({ seq: z.number() });

/** Parses a stored JSON column with its schema; a mismatch is our bug (the store wrote it). */
function parseStored<S extends z.ZodType>(schema: S, json: string, what: string): z.infer<S> {
  const r = schema.safeParse(JSON.parse(json));
  if (!r.success) throw new Error(`world-store: stored ${what} does not match its schema: ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
}

/** Opens (and creates the tables of) the world store in a Durable Object's SQLite storage. */
export function createSqlWorldStore(storage: DurableObjectStorage): WorldStore {
  const sql = storage.sql;
  for (const stmt of SCHEMA) sql.exec(stmt);
  const rows = <S extends z.ZodType>(schema: S, query: string, ...params: SqlStorageValue[]): z.infer<S>[] =>
    sql
      .exec(query, ...params)
      .toArray()
      .map((row) => {
        const r = schema.safeParse(row);
        if (!r.success) throw new Error(`world-store: a row of "${query}" has an unexpected shape`);
        return r.data;
      });
  return {
    transaction: (fn) => storage.transactionSync(fn),
    getMeta: (key) => rows(ValueRow, 'SELECT value FROM meta WHERE key = ?', key)[0]?.value ?? null,
    setMeta: (key, value) => void sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value),
    loadEntities: () =>
      rows(DataRow, 'SELECT data FROM entities ORDER BY id').map((r) => parseStored(StoredEntity, r.data, 'entity')),
    putEntity: (e) => void sql.exec('INSERT OR REPLACE INTO entities (id, data) VALUES (?, ?)', e.entity.id, JSON.stringify(e)),
    deleteEntity: (id) => void sql.exec('DELETE FROM entities WHERE id = ?', id),
    getPlan: (id) => {
      const row = rows(DataRow, 'SELECT data FROM plans WHERE id = ?', id)[0];
      return row ? parseStored(StoredPlan, row.data, 'plan') : null;
    },
    putPlan: (p) => void sql.exec('INSERT OR REPLACE INTO plans (id, data) VALUES (?, ?)', p.id, JSON.stringify(p)),
    appendJournal(e: NewJournalEntry): number {
      const row = rows(
        SeqRow,
        'INSERT INTO journal (plan_id, state, actor, at, actions, entities) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq',
        e.planId,
        e.state,
        e.actor,
        e.at,
        JSON.stringify(e.actions),
        JSON.stringify(e.entities),
      )[0];
      if (!row) throw new Error('world-store: the journal insert returned no sequence number');
      return row.seq;
    },
    listJournal: (limit, before) =>
      rows(
        JournalRow,
        'SELECT seq, plan_id, state, actor, at, actions, entities FROM journal WHERE seq < ? ORDER BY seq DESC LIMIT ?',
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      ).map((r) =>
        JournalEntry.parse({
          seq: r.seq,
          planId: r.plan_id,
          state: r.state,
          actor: r.actor,
          at: r.at,
          actions: parseStored(z.array(WorldAction), r.actions, 'journal actions'),
          entities: parseStored(z.array(z.number()), r.entities, 'journal entities'),
        }),
      ),
    getSession: (id) => {
      const row = rows(DataRow, 'SELECT data FROM sessions WHERE id = ?', id)[0];
      return row ? parseStored(StoredSession, row.data, 'session') : null;
    },
    putSession: (s) =>
      void sql.exec(
        'INSERT OR REPLACE INTO sessions (id, last_seen, data) VALUES (?, ?, ?)',
        s.id,
        s.lastSeen,
        JSON.stringify(s),
      ),
    dropSessionsBefore: (time) => void sql.exec('DELETE FROM sessions WHERE last_seen < ?', time),
  };
}
