/**
 * One visitor's view of several regions as one Storm world. Each region (RegionLink) keeps its objects under the
 * simulator's local ids, which collide across simulators; the view gives every object one Storm id for the whole
 * visit, keyed by its UUID, so an avatar or object that moves to another region keeps its id (your own avatar
 * included: a crossing never despawns it). Each region gets a slot (Entity.region) and an origin in the session
 * frame (the first region's south-west corner is (0, 0)); terrain patches are moved into the session frame.
 *
 * An object known to two regions at once (while it crosses) belongs to the region that last sent it in full;
 * motion and kills from the other are ignored.
 */
import type {
  Entity,
  EntityUpdate,
  Regions,
  SessionRegion,
  SoundPreload,
  SoundTrigger,
  TerrainPatch,
} from '../../shared/protocol';
import { MAX_NAME_BYTES, MAX_SESSION_REGIONS } from '../../shared/protocol';
import { handleCorner, type RegionLink } from './region-link';
import { clip } from './scene';

/** What one region changed, as Storm ids. */
export interface ViewChanges {
  updates: EntityUpdate[];
  despawned: number[];
}

interface Owned {
  uuid: string;
  link: string;
}

/** The view (see the module comment). */
export class GridView {
  private nextId = 1;
  private readonly ids = new Map<string, number>();
  private readonly owned = new Map<number, Owned>();
  /** Per region: simulator local id → Storm id. */
  private readonly locals = new Map<string, Map<number, number>>();
  private readonly slots = new Map<string, number>();
  private nextSlot = 0;
  /** The session frame's origin in global metres (the first region's corner). */
  readonly frame: [number, number];

  constructor(
    frameHandle: bigint,
    /** The visitor's agent UUID: its avatar is never despawned by one region's kill (it moves on to another). */
    private readonly selfUuid: string,
  ) {
    this.frame = handleCorner(frameHandle);
    this.slotOf(frameHandle.toString());
  }

  /** A region's slot (allocated on first use; slots are never reused within a visit). */
  slotOf(key: string): number {
    let s = this.slots.get(key);
    if (s === undefined) {
      s = this.nextSlot;
      this.nextSlot = (this.nextSlot + 1) & 0xffff;
      this.slots.set(key, s);
    }
    return s;
  }

  /** A region's origin in the session frame (metres). */
  origin(link: RegionLink): [number, number] {
    const [x, y] = link.corner;
    return [x - this.frame[0], y - this.frame[1]];
  }

  /** The Storm id of an object (allocating one on first sight). */
  idOf(uuid: string): number {
    let id = this.ids.get(uuid);
    if (id === undefined) {
      id = this.nextId;
      this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
      this.ids.set(uuid, id);
    }
    return id;
  }

  /** The Storm id an object of this UUID has (undefined when it was never seen). */
  known(uuid: string): number | undefined {
    return this.ids.get(uuid);
  }

  /** The Storm id of a region's local id, when that region sent it. */
  local(link: RegionLink, localId: number): number | undefined {
    return this.locals.get(link.key)?.get(localId);
  }

  private localMap(link: RegionLink): Map<number, number> {
    let m = this.locals.get(link.key);
    if (!m) {
      m = new Map();
      this.locals.set(link.key, m);
    }
    return m;
  }

  /**
   * One region's update as a Storm update: ids and the parent translated, the region slot added to a position.
   * Null when the object is owned by another region and this is not a full update, or its UUID is unknown.
   */
  translate<T extends EntityUpdate>(link: RegionLink, u: T): T | null {
    const uuid = u.uuid ?? link.scene.objects.get(u.id)?.uuid;
    if (uuid === undefined) return null;
    const id = this.idOf(uuid);
    const owner = this.owned.get(id);
    const full = u.kind !== undefined;
    if (owner && owner.link !== link.key && !full) return null;
    if (owner && owner.link !== link.key) {
      const old = this.locals.get(owner.link);
      if (old) for (const [k, v] of old) if (v === id) old.delete(k);
    }
    this.owned.set(id, { uuid, link: link.key });
    this.localMap(link).set(u.id, id);
    const out: T = { ...u, id };
    if (u.parent !== undefined && u.parent !== 0) {
      const parentUuid = link.scene.objects.get(u.parent)?.uuid;
      if (parentUuid === undefined) return null;
      out.parent = this.idOf(parentUuid);
    }
    if (u.position !== undefined) out.region = this.slotOf(link.key);
    return out;
  }

  /** One region's changes since the last call, translated. */
  changes(link: RegionLink): ViewChanges {
    const { updates, despawned } = link.scene.takeChanges();
    const out: EntityUpdate[] = [];
    for (const u of updates) {
      const t = this.translate(link, u);
      if (t) out.push(t);
    }
    return { updates: out, despawned: this.despawn(link, despawned) };
  }

  /** Local ids a region despawned → the Storm ids that go (only those it owns; never your own avatar). */
  despawn(link: RegionLink, localIds: readonly number[]): number[] {
    const map = this.locals.get(link.key);
    if (!map) return [];
    const out: number[] = [];
    for (const local of localIds) {
      const id = map.get(local);
      map.delete(local);
      if (id === undefined) continue;
      const o = this.owned.get(id);
      if (!o || o.link !== link.key || o.uuid === this.selfUuid) continue;
      this.owned.delete(id);
      out.push(id);
    }
    return out;
  }

  /** A region closed: every object it owned goes (except your own avatar, which lives on in another region). */
  dropRegion(key: string): number[] {
    const map = this.locals.get(key);
    this.locals.delete(key);
    if (!map) return [];
    const out: number[] = [];
    for (const id of map.values()) {
      const o = this.owned.get(id);
      if (!o || o.link !== key || o.uuid === this.selfUuid) continue;
      this.owned.delete(id);
      out.push(id);
    }
    return out;
  }

  /** Every visible object of the shown regions, as Storm entities (for a snapshot). */
  snapshot(links: readonly RegionLink[]): Entity[] {
    const out: Entity[] = [];
    const taken = new Set<number>();
    for (const link of links) {
      for (const e of link.scene.entities()) {
        const uuid = e.uuid;
        if (uuid === undefined) continue;
        const owner = this.owned.get(this.idOf(uuid));
        // Shown once, by its owner (or by the first region that has it when nobody owns it yet).
        if (owner && owner.link !== link.key && links.some((l) => l.key === owner.link)) continue;
        const t = this.translate(link, e);
        if (t && !taken.has(t.id)) {
          taken.add(t.id);
          out.push(t);
        }
      }
      link.scene.clearChanges();
    }
    return out;
  }

  /** A region's terrain patches moved into the session frame. */
  terrain(link: RegionLink, patches: readonly TerrainPatch[]): TerrainPatch[] {
    const [ox, oy] = this.origin(link);
    if (ox === 0 && oy === 0) return [...patches];
    return patches.map((p) => ({ ...p, x: p.x + ox, y: p.y + oy }));
  }

  /** A region's one-shot sounds: a triggered sound's parent as a Storm id, its free position in the session frame. */
  sounds(link: RegionLink, sounds: readonly (SoundTrigger | SoundPreload)[]): (SoundTrigger | SoundPreload)[] {
    const [ox, oy] = this.origin(link);
    return sounds.map((s) => {
      if (s.type !== 'sound_trigger') return s;
      const parent = s.parent === 0 ? 0 : (this.local(link, s.parent) ?? 0);
      const position: [number, number, number] =
        parent === 0 ? [s.position[0] + ox, s.position[1] + oy, s.position[2]] : [...s.position];
      return { ...s, parent, position };
    });
  }

  /** The regions frame for the shown regions (the root first, and current). */
  regions(links: readonly RegionLink[]): Regions {
    const regions: SessionRegion[] = links.slice(0, MAX_SESSION_REGIONS).map((l) => ({
      slot: this.slotOf(l.key),
      // A simulator names itself (up to 255 bytes in RegionHandshake); the frame carries MAX_NAME_BYTES.
      name: clip(l.name, MAX_NAME_BYTES),
      handle: l.key,
      size: [l.size[0], l.size[1]],
      origin: this.origin(l),
    }));
    const root = links[0];
    return { type: 'regions', current: root ? this.slotOf(root.key) : 0, regions };
  }
}
