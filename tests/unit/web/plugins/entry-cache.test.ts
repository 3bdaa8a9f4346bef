import { describe, expect, it } from 'vitest';
import { EntryCache, type EntryStore, entryCacheUrl } from '../../../../web/plugins/entry-cache';
import { MAX_ENTRY_BYTES } from '../../../../web/plugins/manifest';

/** An in-memory Cache Storage cache, with a log of what was put. */
function memoryStore(): EntryStore & { readonly puts: string[]; readonly held: Map<string, Uint8Array> } {
  const held = new Map<string, Uint8Array>();
  const puts: string[] = [];
  return {
    held,
    puts,
    async match(request) {
      const bytes = held.get(request);
      return bytes ? new Response(new Uint8Array(bytes)) : undefined;
    },
    async put(request, response) {
      puts.push(request);
      held.set(request, new Uint8Array(await response.arrayBuffer()));
    },
  };
}

const bytesOf = (text: string) => new TextEncoder().encode(text);
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the plugin entry cache', () => {
  it('gives back an entry by its integrity and remembers it as its manifest’s', async () => {
    const cache = new EntryCache({ store: null });
    expect(cache.expected('https://p.example/a/storm-plugin.json')).toBeUndefined();
    cache.put('https://p.example/a/storm-plugin.json', 'sha384-AAA', bytesOf('export {}'));
    expect(cache.expected('https://p.example/a/storm-plugin.json')).toBe('sha384-AAA');
    expect(new TextDecoder().decode(await cache.get('sha384-AAA'))).toBe('export {}');
    expect(await cache.get('sha384-BBB')).toBeUndefined();
  });

  it('keeps the newest integrity per manifest: a new version replaces the old one as expected', async () => {
    const cache = new EntryCache({ store: null });
    cache.put('m', 'sha384-one', bytesOf('1'));
    cache.put('m', 'sha384-two', bytesOf('2'));
    expect(cache.expected('m')).toBe('sha384-two');
  });

  it('drops the least recently used entries past its memory budget, and forgets their manifests’ expectation', async () => {
    const cache = new EntryCache({ store: null, memoryBytes: 10 });
    cache.put('a', 'sha384-a', bytesOf('aaaa'));
    cache.put('b', 'sha384-b', bytesOf('bbbb'));
    await cache.get('sha384-a'); // a is now the most recently used
    cache.put('c', 'sha384-c', bytesOf('cccc'));
    expect(await cache.get('sha384-b')).toBeUndefined();
    expect(cache.expected('b')).toBeUndefined();
    expect(await cache.get('sha384-a')).toBeDefined();
    expect(await cache.get('sha384-c')).toBeDefined();
  });

  it('remembers at most its number of manifests', () => {
    const cache = new EntryCache({ store: null, manifests: 2 });
    cache.put('a', 'sha384-a', bytesOf('a'));
    cache.put('b', 'sha384-b', bytesOf('b'));
    cache.put('c', 'sha384-c', bytesOf('c'));
    expect(cache.expected('a')).toBeUndefined();
    expect(cache.expected('c')).toBe('sha384-c');
  });

  it('stores entries in Cache Storage, so a new cache over the same store (a later visit) finds them', async () => {
    const store = memoryStore();
    new EntryCache({ store }).put('m', 'sha384-x/y+z=', bytesOf('export const v = 1;'));
    await settle();
    expect(store.puts).toEqual([entryCacheUrl('sha384-x/y+z=')]);
    expect(entryCacheUrl('sha384-x/y+z=')).toBe('https://plugins.stormcore.invalid/sha384-x%2Fy%2Bz%3D');
    const later = new EntryCache({ store });
    expect(later.expected('m')).toBeUndefined(); // not in memory: the manifest's entry is fetched beside it as usual
    expect(new TextDecoder().decode(await later.get('sha384-x/y+z='))).toBe('export const v = 1;');
    expect(later.expected('m')).toBeUndefined();
  });

  it('treats a broken store as a miss, and an oversize stored body as absent', async () => {
    const broken: EntryStore = {
      match: () => Promise.reject(new Error('quota')),
      put: () => Promise.reject(new Error('quota')),
    };
    const cache = new EntryCache({ store: broken });
    cache.put('m', 'sha384-q', bytesOf('q'));
    await settle();
    expect(await new EntryCache({ store: broken }).get('sha384-q')).toBeUndefined();

    const store = memoryStore();
    store.held.set(entryCacheUrl('sha384-big'), new Uint8Array(MAX_ENTRY_BYTES + 1));
    expect(await new EntryCache({ store }).get('sha384-big')).toBeUndefined();
  });

  it('forgets a kept copy that failed its check, so good bytes put after it replace it in memory and the store', async () => {
    const store = memoryStore();
    store.held.set(entryCacheUrl('sha384-t'), bytesOf('tampered'));
    const cache = new EntryCache({ store });
    expect(new TextDecoder().decode(await cache.get('sha384-t'))).toBe('tampered');
    cache.forget('sha384-t');
    cache.put('m', 'sha384-t', bytesOf('good'));
    await settle();
    expect(new TextDecoder().decode(await cache.get('sha384-t'))).toBe('good');
    expect(new TextDecoder().decode(store.held.get(entryCacheUrl('sha384-t')))).toBe('good');
  });

  it('works where Cache Storage fails to open (memory only)', async () => {
    const cache = new EntryCache({ store: Promise.resolve(null) });
    cache.put('m', 'sha384-m', bytesOf('m'));
    expect(await cache.get('sha384-m')).toBeDefined();
  });
});
