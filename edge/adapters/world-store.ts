/** Storage for one world: the interface the world logic uses, kept small so an in-memory twin can implement it. */
import type { JournalEntry } from '../../shared/protocol';
import type { StoredEntity, StoredPlan, StoredSession } from '../world/types';

/** A journal entry before the store numbers it. */
export type NewJournalEntry = Omit<JournalEntry, 'seq'>;

/**
 * Synchronous storage of one world (Durable Object SQLite is synchronous). Everything written inside
 * `transaction` lands together or not at all.
 */
export interface WorldStore {
  transaction<T>(fn: () => T): T;
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;
  loadEntities(): StoredEntity[];
  putEntity(entity: StoredEntity): void;
  deleteEntity(id: number): void;
  getPlan(id: string): StoredPlan | null;
  putPlan(plan: StoredPlan): void;
  /** Appends to the WorldLine journal (append-only) and returns the entry's sequence number. */
  appendJournal(entry: NewJournalEntry): number;
  /** The newest entries first, `limit` of them, older than `before` when given. */
  listJournal(limit: number, before?: number): JournalEntry[];
  getSession(id: string): StoredSession | null;
  putSession(session: StoredSession): void;
  /** Forgets sessions last seen before `time`. */
  dropSessionsBefore(time: number): void;
}
