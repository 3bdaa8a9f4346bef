import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../shared/bytes/memory-store';

const b = (n: number) => new Uint8Array(n);

describe('the in-memory byte store', () => {
  it('gives back what it holds and null for what it does not', () => {
    const m = new MemoryStore(100);
    m.set('a', b(10));
    expect(m.get('a')?.byteLength).toBe(10);
    expect(m.has('a')).toBe(true);
    expect(m.get('z')).toBeNull();
    expect(m.has('z')).toBe(false);
  });

  it('drops the least recently used past its budget; a get counts as a use, has does not', () => {
    const m = new MemoryStore(25);
    m.set('a', b(10));
    m.set('b', b(10));
    m.get('a');
    m.has('b');
    m.set('c', b(10));
    expect(m.has('b')).toBe(false);
    expect(m.has('a')).toBe(true);
    expect(m.has('c')).toBe(true);
  });

  it('replaces what a key held without counting it twice, and refuses bytes over the whole budget', () => {
    const m = new MemoryStore(25);
    m.set('a', b(10));
    m.set('a', b(20));
    expect(m.get('a')?.byteLength).toBe(20);
    m.set('big', b(26));
    expect(m.has('big')).toBe(false);
    m.delete('a');
    m.delete('a');
    m.set('c', b(25));
    expect(m.has('c')).toBe(true);
  });
});
