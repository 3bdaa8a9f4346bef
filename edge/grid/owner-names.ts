/**
 * Owners' names for a grid session. Object properties name a prim's owner by UUID only; a viewer learns the name
 * with UUIDNameRequest (answered by UUIDNameReply: first and last name), as SL viewers do for the "Owner:" line of
 * their inspectors. Names are grid-wide, so one book serves every region link of the session. Each UUID is asked
 * for once; the book and its queue are bounded so a region full of owners cannot grow them without end.
 */
import { NULL_UUID } from '../../shared/lludp';

/** Names kept per session (the oldest learnt is forgotten past this). */
export const MAX_OWNER_NAMES = 4096;
/** UUIDs waiting to be asked for, at most (more are dropped: they are asked for when seen again). */
export const MAX_OWNER_NAME_QUEUE = 1024;
/** UUIDs per UUIDNameRequest. */
export const OWNER_NAMES_PER_REQUEST = 16;
/** Longest name kept (bytes of UTF-8 are bounded by the message; this bounds characters). */
const MAX_NAME_CHARS = 128;

export class OwnerNames {
  private readonly names = new Map<string, string>();
  /** Asked for (or waiting to be), so never asked twice. */
  private readonly asked = new Set<string>();
  private queue: string[] = [];

  /** The name learnt for `uuid` (lower-case), if any. */
  get(uuid: string): string | undefined {
    return this.names.get(uuid.toLowerCase());
  }

  /** Notes that `uuid`'s name is wanted: queued once unless known, already asked for, or the queue is full. */
  want(uuid: string): void {
    const id = uuid.toLowerCase();
    if (id === NULL_UUID || this.names.has(id) || this.asked.has(id)) return;
    if (this.queue.length >= MAX_OWNER_NAME_QUEUE) return;
    this.asked.add(id);
    this.queue.push(id);
  }

  /** Up to `max` UUIDs to ask for now (taken off the queue). */
  take(max = OWNER_NAMES_PER_REQUEST): string[] {
    return this.queue.splice(0, max);
  }

  /**
   * A UUIDNameReply's entry: the name is "First Last" (the last name left out when empty, as OpenSim's
   * one-word names have none), trimmed and clipped. Returns the name kept, or null when nothing usable came.
   */
  learn(uuid: string, first: string, last: string): string | null {
    const id = uuid.toLowerCase();
    const name = `${first.trim()} ${last.trim()}`.trim().slice(0, MAX_NAME_CHARS);
    if (name === '' || id === NULL_UUID) return null;
    if (!this.names.has(id) && this.names.size >= MAX_OWNER_NAMES) {
      const oldest = this.names.keys().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
    this.names.set(id, name);
    return name;
  }

  /** How many names are known (for tests and stats). */
  get size(): number {
    return this.names.size;
  }
}
