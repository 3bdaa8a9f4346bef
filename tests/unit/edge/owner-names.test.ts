/** Owners' names (UUIDNameRequest/Reply) in the grid gateway: the book, and a real region's prims named by it. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_OWNER_NAME_QUEUE, MAX_OWNER_NAMES, OWNER_NAMES_PER_REQUEST, OwnerNames } from '../../../edge/grid/owner-names';
import { GridScene } from '../../../edge/grid/scene';
import { decodePacket, fieldText, isMessage, NULL_UUID } from '../../../shared/lludp';
import { artDatagrams } from './fixtures/stormart';

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('owner names book', () => {
  it('asks for each owner once, in batches, never for the null UUID or a name it knows', () => {
    const book = new OwnerNames();
    book.want(uuid(1));
    book.want(uuid(1).toUpperCase());
    book.want(NULL_UUID);
    for (let i = 2; i <= 20; i++) book.want(uuid(i));
    const first = book.take();
    expect(first).toHaveLength(OWNER_NAMES_PER_REQUEST);
    expect(first[0]).toBe(uuid(1));
    expect(book.take()).toHaveLength(20 - OWNER_NAMES_PER_REQUEST);
    expect(book.take()).toEqual([]);
    // Asked once: wanting it again (before or after its answer) asks nothing.
    book.want(uuid(1));
    expect(book.take()).toEqual([]);
    expect(book.learn(uuid(1), 'Test', 'User')).toBe('Test User');
    expect(book.get(uuid(1).toUpperCase())).toBe('Test User');
  });

  it('makes "First Last" from a reply, leaves out an empty last name, and keeps nothing for an empty one', () => {
    const book = new OwnerNames();
    expect(book.learn(uuid(1), ' Ada ', '')).toBe('Ada');
    expect(book.learn(uuid(2), '', '')).toBeNull();
    expect(book.get(uuid(2))).toBeUndefined();
    expect(book.learn(NULL_UUID, 'No', 'One')).toBeNull();
  });

  it('stays bounded: the queue and the book forget past their limits', () => {
    const book = new OwnerNames();
    for (let i = 0; i < MAX_OWNER_NAME_QUEUE + 50; i++) book.want(uuid(i));
    let asked = 0;
    for (let batch = book.take(); batch.length > 0; batch = book.take()) asked += batch.length;
    expect(asked).toBe(MAX_OWNER_NAME_QUEUE);
    for (let i = 0; i < MAX_OWNER_NAMES + 10; i++) book.learn(uuid(i), 'N', String(i));
    expect(book.size).toBe(MAX_OWNER_NAMES);
    expect(book.get(uuid(0))).toBeUndefined();
    expect(book.get(uuid(MAX_OWNER_NAMES + 9))).toBe(`N ${MAX_OWNER_NAMES + 9}`);
  });

  it('any reply gives a trimmed name of at most 128 characters, or nothing', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (id, first, last) => {
        const name = new OwnerNames().learn(id, first, last);
        if (name === null) return;
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(128);
        expect(name).toBe(name.trim());
      }),
    );
  });
});

describe('owner names on a real region (the StormArt capture)', () => {
  const messages = artDatagrams.map((d) => decodePacket(d).message);

  function namedScene(book: OwnerNames): GridScene {
    const scene = new GridScene();
    scene.ownerNames = book;
    for (const m of messages) if (isMessage(m, 'ObjectUpdate')) scene.applyObjectUpdate(m.blocks);
    for (const m of messages)
      if (isMessage(m, 'ObjectPropertiesFamily'))
        scene.applyName(
          m.blocks.ObjectData.ObjectID,
          fieldText(m.blocks.ObjectData.Name),
          fieldText(m.blocks.ObjectData.Description),
          m.blocks.ObjectData.OwnerID,
        );
    return scene;
  }
  const prims = (scene: GridScene) => [...scene.objects.values()].map((o) => o.entity).filter((e) => e.kind === 'prim');

  it('asks once for the owner the properties name, then every prim it owns carries the name, kept over later updates', () => {
    const book = new OwnerNames();
    const scene = namedScene(book);
    const owners = new Set(prims(scene).map((e) => e.owner?.uuid));
    const asked = book.take();
    expect(new Set(asked)).toEqual(owners);
    expect(prims(scene).every((e) => e.owner?.name === undefined)).toBe(true);
    const [owner] = asked;
    if (owner === undefined) throw new Error('no owner asked for');
    const name = book.learn(owner, 'Test', 'User');
    if (name === null) throw new Error('no name');
    scene.takeChanges();
    expect(scene.applyOwnerName(owner, name)).toBe(prims(scene).length);
    expect(prims(scene).every((e) => e.owner?.uuid === owner && e.owner.name === 'Test User')).toBe(true);
    // Sent to clients as changes.
    expect(scene.takeChanges().updates.filter((u) => 'owner' in u && u.owner?.name === 'Test User')).toHaveLength(
      prims(scene).length,
    );
    // A later ObjectUpdate (OwnerID null for most prims) keeps the owner with its name.
    for (const m of messages) if (isMessage(m, 'ObjectUpdate')) scene.applyObjectUpdate(m.blocks);
    expect(prims(scene).every((e) => e.owner?.name === 'Test User')).toBe(true);
  });

  it('a prim seen after its owner was named gets the name at once and asks nothing', () => {
    const book = new OwnerNames();
    namedScene(book);
    for (const id of book.take()) book.learn(id, 'Test', 'User');
    const later = namedScene(book);
    expect(book.take()).toEqual([]);
    expect(prims(later).every((e) => e.owner?.name === 'Test User')).toBe(true);
  });
});
