/** Byte arrays in memory up to a byte budget, least recently used out first (a bounded cache for fetched bytes). */
export class MemoryStore {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  /** Whether `key` is held (without counting as a use). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The bytes held under `key`, now the most recently used; null when none. */
  get(key: string): Uint8Array | null {
    const bytes = this.entries.get(key);
    if (!bytes) return null;
    this.entries.delete(key);
    this.entries.set(key, bytes);
    return bytes;
  }

  /** Holds `bytes` under `key` (replacing what was there), dropping the least recently used past the budget. */
  set(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.budget) return;
    this.delete(key);
    this.entries.set(key, bytes);
    this.bytes += bytes.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.budget) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  /** Drops what is held under `key`, if anything. */
  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.bytes -= old.byteLength;
    this.entries.delete(key);
  }
}
