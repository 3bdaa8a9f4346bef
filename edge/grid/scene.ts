/**
 * The region's objects as the gateway sees them, translated to Storm entities: ObjectUpdate,
 * ObjectUpdateCompressed, ObjectUpdateCached, ImprovedTerseObjectUpdate, KillObject and ObjectPropertiesFamily
 * (names, descriptions) in; full entities, changes and despawns out. Storm ids are the simulator's local ids and
 * `uuid` the object's UUID; linkset children keep positions relative to their parent (as LLUDP sends them) and
 * wait until their parent is known. Appearance (materials, sculpt, hover text) is translated in appearance.ts.
 */
import {
  CompressedFlags,
  type CompressedObject,
  decodeCompressedObject,
  decodeObjectMotion,
  decodeTerseUpdate,
  decodeTextureEntry,
  LludpError,
  type MessageOf,
  NULL_UUID,
  type TextureEntry,
  textureFace,
} from '../../shared/lludp';
import {
  type Color,
  type Entity,
  type EntitySculpt,
  type EntitySound,
  type EntityUpdate,
  type HoverText,
  MAX_DESCRIPTION_BYTES,
  MAX_FACES,
  MAX_NAME_BYTES,
  MAX_PRELOAD_SOUNDS,
  MAX_SOUND_RADIUS,
  NO_SOUND_ASSET,
  pickPrimShape,
  primShapeFromOpenSim,
  type Quat,
  SOUND_FLAGS,
  type SoundPreload,
  type SoundTrigger,
  utf8Length,
  type Vec3,
} from '../../shared/protocol';
import {
  faceMaterials,
  hoverText,
  objectFaceCount,
  parseExtraParams,
  sculptChange,
  sculptFromExtraParams,
  textureAnimChange,
  textureAnimOf,
  textureEntryFaces,
} from './appearance';
import type { OwnerNames } from './owner-names';

/**
 * An owner UUID as an entity's owner (the null UUID: none). Its name is added from the session's OwnerNames
 * (UUIDNameRequest) once known (GridScene.named). ObjectUpdate's OwnerID is set by OpenSim only for prims with a sound (as
 * recorded from the real simulator); the object properties (asked for every prim, for its name) always name it.
 */
function ownerOf(id: string | undefined): Entity['owner'] {
  return id === undefined || id === NULL_UUID ? undefined : { uuid: id.toLowerCase() };
}

/** LLUDP PCodes the gateway shows. */
export const PCODE = { prim: 9, avatar: 47 } as const;

/** An object of the region. */
export interface SceneObject {
  entity: Entity;
  uuid: string;
  crc: number;
  /** The prim's own description (object properties), once known: it then replaces the hover text there. */
  description?: string;
}

/** What changed since the last `takeChanges`. */
export interface SceneChanges {
  updates: EntityUpdate[];
  despawned: number[];
}

const MIN_SCALE = 0.001;

/** Truncates a string to `max` UTF-8 bytes. */
export function clip(text: string, max: number): string {
  let s = text;
  while (utf8Length(s) > max) s = s.slice(0, -1);
  return s;
}

function cString(bytes: Uint8Array | undefined): string {
  if (!bytes) return '';
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function quat(q: readonly number[]): Quat {
  const [x = 0, y = 0, z = 0, w = 1] = q;
  const len = Math.hypot(x, y, z, w);
  if (!(len > 1e-6) || !Number.isFinite(len)) return [0, 0, 0, 1];
  const c = (v: number) => Math.max(-1, Math.min(1, v / len));
  return [c(x), c(y), c(z), c(w)];
}

function vec(v: readonly number[]): Vec3 {
  const f = (n: number | undefined) => (Number.isFinite(n) ? (n as number) : 0);
  return [f(v[0]), f(v[1]), f(v[2])];
}

function scale(v: readonly number[]): Vec3 {
  const f = (n: number | undefined) => (Number.isFinite(n) && (n as number) > MIN_SCALE ? (n as number) : MIN_SCALE);
  return [f(v[0]), f(v[1]), f(v[2])];
}

/** Most sound messages kept for the Storm side between two takes (older ones are dropped: a one-shot is stale). */
export const MAX_PENDING_SOUNDS = 256;

const unit = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
const radius = (v: number): number => (Number.isFinite(v) ? Math.min(MAX_SOUND_RADIUS, Math.max(0, v)) : 0);

/**
 * An object's sound from an update's sound fields: LLUDP's nil UUID is "no sound", which clears a sound the
 * object had (sent as NO_SOUND_ASSET) and is left out where it never had one.
 */
export function objectSound(
  asset: string,
  gain: number,
  r: number,
  flags: number,
  had: EntitySound | undefined,
): EntitySound | undefined {
  if (asset === NO_SOUND_ASSET || asset === '') return had ? { asset: NO_SOUND_ASSET, gain: 0, radius: 0, flags: 0 } : undefined;
  return { asset: asset.toLowerCase(), gain: unit(gain), radius: radius(r), flags: flags & 0xff };
}

const byte = (x: number) => Math.max(0, Math.min(255, Math.round(x * 255)));

/**
 * Face colours from a TextureEntry, RGBA bytes: one per face (`faces`, else up to the last face overridden), then
 * trailing faces of colors[0]'s colour left out (the protocol gives faces past the list colors[0]).
 */
export function faceColors(te: Uint8Array | TextureEntry, faces?: number): Color[] {
  const entry = te instanceof Uint8Array ? decodeTextureEntry(te) : te;
  const n = Math.max(1, Math.min(MAX_FACES, faces ?? textureEntryFaces(entry)));
  const out: Color[] = [];
  for (let i = 0; i < n; i++) {
    const c = textureFace(entry, i).color;
    out.push([byte(c[0]), byte(c[1]), byte(c[2]), byte(c[3])]);
  }
  const first = out[0];
  while (out.length > 1 && first && out[out.length - 1]?.every((v, k) => v === first[k])) out.pop();
  return out;
}

/** An avatar's name from its NameValue text ("FirstName STRING RW SV Test\nLastName STRING RW SV User"). */
export function avatarName(nameValues: string): string {
  const get = (key: string) => new RegExp(`^${key}\\s+\\S+\\s+\\S+\\s+\\S+\\s+(.*)$`, 'm').exec(nameValues)?.[1]?.trim() ?? '';
  return `${get('FirstName')} ${get('LastName')}`.trim();
}

/** The objects of one region. */
export class GridScene {
  readonly objects = new Map<number, SceneObject>();
  readonly byUuid = new Map<string, number>();
  private readonly dirty = new Map<number, 'full' | 'motion'>();
  private despawned: number[] = [];
  /** Local ids announced (cached or terse) but not yet known: ask for them with RequestMultipleObjects. */
  private wanted = new Set<number>();
  /** Prims new since the last `takeNewPrims` (their names are asked for). */
  private newPrims: { id: number; uuid: string; child: boolean }[] = [];
  /** Payloads that did not decode (counted, skipped). */
  badPayloads = 0;
  /** Triggered sounds and preloads since the last `takeSounds`. */
  private sounds: (SoundTrigger | SoundPreload)[] = [];
  /** The session's owners' names (set by the grid client; null: owners go by UUID alone). */
  ownerNames: OwnerNames | null = null;

  /** `owner` with its name where the book knows it; otherwise as it is, and its name is asked for. */
  private named(owner: NonNullable<Entity['owner']>): NonNullable<Entity['owner']> {
    if (owner.uuid === undefined || owner.name !== undefined || !this.ownerNames) return owner;
    const name = this.ownerNames.get(owner.uuid);
    if (name === undefined) {
      this.ownerNames.want(owner.uuid);
      return owner;
    }
    return { uuid: owner.uuid, name: clip(name, MAX_NAME_BYTES) };
  }

  /** A name learnt for owner `uuid` (UUIDNameReply): every prim it owns says it, sent to clients as a change. */
  applyOwnerName(uuid: string, name: string): number {
    const id = uuid.toLowerCase();
    const clipped = clip(name, MAX_NAME_BYTES);
    let changed = 0;
    for (const o of this.objects.values()) {
      const owner = o.entity.owner;
      if (owner?.uuid !== id || owner.name === clipped || clipped === '') continue;
      o.entity.owner = { uuid: id, name: clipped };
      this.dirty.set(o.entity.id, 'full');
      changed++;
    }
    return changed;
  }

  /** Whether an object (and, for a linkset child, its chain of parents) is known, so it can be shown. */
  visible(id: number): boolean {
    let o = this.objects.get(id);
    for (let depth = 0; o && depth < 256; depth++) {
      if (o.entity.parent === 0) return true;
      o = this.objects.get(o.entity.parent);
    }
    return false;
  }

  /** Every visible entity, parents before children. */
  entities(): Entity[] {
    const out: Entity[] = [];
    const done = new Set<number>();
    const add = (o: SceneObject): void => {
      if (done.has(o.entity.id)) return;
      const parent = o.entity.parent === 0 ? undefined : this.objects.get(o.entity.parent);
      if (o.entity.parent !== 0 && !parent) return;
      done.add(o.entity.id);
      if (parent) add(parent);
      out.push({ ...o.entity });
    };
    for (const o of this.objects.values()) if (this.visible(o.entity.id)) add(o);
    return out;
  }

  private put(entity: Entity, uuid: string, crc: number): void {
    const had = this.objects.get(entity.id);
    if (had && had.uuid !== uuid) this.byUuid.delete(had.uuid);
    const same = had !== undefined && had.uuid === uuid;
    // Object updates carry no prim name or description; keep those learnt from the object's properties.
    if (same && entity.kind === 'prim' && entity.name === '') entity.name = had.entity.name;
    const description = same ? had.description : undefined;
    if (description !== undefined) entity.description = description;
    // The owner the object's properties said outlasts updates that leave OwnerID null (and keeps its name).
    if (same && had.entity.owner && (!entity.owner || entity.owner.uuid === had.entity.owner.uuid))
      entity.owner = had.entity.owner;
    if (entity.owner) entity.owner = this.named(entity.owner);
    entity.uuid = uuid;
    for (const key of ['sound', 'materials', 'sculpt', 'text', 'owner', 'textureAnim'] as const)
      if (entity[key] === undefined) delete entity[key];
    if (!same && entity.kind === 'prim') this.newPrims.push({ id: entity.id, uuid, child: entity.parent !== 0 });
    this.objects.set(entity.id, description === undefined ? { entity, uuid, crc } : { entity, uuid, crc, description });
    this.byUuid.set(uuid, entity.id);
    this.wanted.delete(entity.id);
    this.dirty.set(entity.id, 'full');
    // Children that waited for this parent become visible now.
    for (const o of this.objects.values()) if (o.entity.parent === entity.id) this.dirty.set(o.entity.id, 'full');
  }

  /** The object with this id, if it is the same object (id and UUID): what an update changes. */
  private previous(id: number, uuid: string): SceneObject | undefined {
    const o = this.objects.get(id);
    return o && o.uuid === uuid ? o : undefined;
  }

  /**
   * Colours, and for prims materials (one per face the object has, compact), sculpt and hover text. A sculpt or
   * hover text the object had and lost is sent as removed (null, empty text). Avatars' TextureEntries are their
   * baked layers, not faces: they get colours only.
   */
  private appearance(
    avatar: boolean,
    shape: Entity['shape'],
    te: Uint8Array,
    extraParams: readonly { type: number; data: Uint8Array }[],
    text: string,
    textColor: Uint8Array | undefined,
    textureAnim: Uint8Array | undefined,
    had: SceneObject | undefined,
  ): Pick<Entity, 'colors' | 'materials' | 'sculpt' | 'text' | 'textureAnim'> {
    const entry = decodeTextureEntry(te);
    if (avatar) return { colors: faceColors(entry) };
    const sculpt: EntitySculpt | null = sculptFromExtraParams(extraParams);
    const hover: HoverText | undefined = hoverText(text, textColor, had?.entity.text);
    const faces = objectFaceCount(shape, sculpt, entry);
    return {
      colors: faceColors(entry, faces),
      materials: faceMaterials(entry, faces),
      sculpt: sculptChange(sculpt, had?.entity.sculpt),
      text: hover,
      textureAnim: textureAnimChange(textureAnimOf(textureAnim), had?.entity.textureAnim),
    };
  }

  /** Full ObjectUpdate. */
  applyObjectUpdate(m: MessageOf<'ObjectUpdate'>['blocks']): void {
    for (const d of m.ObjectData) {
      if (d.PCode !== PCODE.prim && d.PCode !== PCODE.avatar) continue;
      try {
        const motion = decodeObjectMotion(d.ObjectData);
        const avatar = d.PCode === PCODE.avatar;
        const text = cString(d.Text);
        const shape = primShapeFromOpenSim(d);
        const look = this.appearance(
          avatar,
          shape,
          d.TextureEntry,
          parseExtraParams(d.ExtraParams),
          text,
          d.TextColor,
          d.TextureAnim,
          this.previous(d.ID, d.FullID),
        );
        this.put(
          {
            id: d.ID,
            kind: avatar ? 'avatar' : 'prim',
            parent: d.ParentID,
            name: clip(avatar ? avatarName(cString(d.NameValue)) : '', MAX_NAME_BYTES),
            description: clip(text, MAX_DESCRIPTION_BYTES),
            position: vec(motion.position),
            rotation: quat(motion.rotation),
            scale: scale(d.Scale),
            velocity: vec(motion.velocity),
            shape,
            ...look,
            sound: objectSound(d.Sound, d.Gain, d.Radius, d.Flags, this.hadSound(d.ID, d.FullID)),
            owner: ownerOf(d.OwnerID),
          },
          d.FullID,
          d.CRC,
        );
      } catch (err) {
        if (!(err instanceof LludpError)) throw err;
        this.badPayloads += 1;
      }
    }
  }

  /** ObjectUpdateCompressed (how OpenSim sends most prims). */
  applyCompressed(m: MessageOf<'ObjectUpdateCompressed'>['blocks']): void {
    for (const d of m.ObjectData) {
      let o: CompressedObject;
      try {
        o = decodeCompressedObject(d.Data);
        if (o.pcode !== PCODE.prim && o.pcode !== PCODE.avatar) continue;
        const shape = pickPrimShape(o.shape);
        const text = o.flags & CompressedFlags.hasText ? cString(o.text) : '';
        const look = this.appearance(
          o.pcode === PCODE.avatar,
          shape,
          o.textureEntry,
          o.extraParams,
          text,
          o.textColor,
          o.textureAnim ?? new Uint8Array(0),
          this.previous(o.localId, o.fullId),
        );
        this.put(
          {
            id: o.localId,
            kind: o.pcode === PCODE.avatar ? 'avatar' : 'prim',
            parent: o.parentId,
            name: clip(o.pcode === PCODE.avatar ? avatarName(cString(o.nameValues)) : '', MAX_NAME_BYTES),
            description: clip(text, MAX_DESCRIPTION_BYTES),
            position: vec(o.position),
            rotation: quat(o.rotation),
            scale: scale(o.scale),
            velocity: [0, 0, 0],
            shape,
            ...look,
            sound: o.sound
              ? objectSound(o.sound.id, o.sound.gain, o.sound.radius, o.sound.flags, this.hadSound(o.localId, o.fullId))
              : objectSound(NO_SOUND_ASSET, 0, 0, 0, this.hadSound(o.localId, o.fullId)),
            owner: ownerOf(o.ownerId),
          },
          o.fullId,
          o.crc,
        );
      } catch (err) {
        if (!(err instanceof LludpError)) throw err;
        this.badPayloads += 1;
      }
    }
  }

  /** The sound an object (the same one: id and UUID) had, to know whether a silent update stops it. */
  private hadSound(id: number, uuid: string): EntitySound | undefined {
    const o = this.objects.get(id);
    return o && o.uuid === uuid ? o.entity.sound : undefined;
  }

  private queueSound(m: SoundTrigger | SoundPreload): void {
    if (this.sounds.length >= MAX_PENDING_SOUNDS) this.sounds.shift();
    this.sounds.push(m);
  }

  /**
   * AttachedSound (llLoopSound, llPlaySound, llStopSound): a looped sound becomes the object's sound; a sound
   * played once is a trigger at the object (and ends a loop it had); the stop flag silences it.
   */
  applyAttachedSound(m: MessageOf<'AttachedSound'>['blocks']): void {
    const d = m.DataBlock;
    const id = this.byUuid.get(d.ObjectID);
    const o = id === undefined ? undefined : this.objects.get(id);
    if (!o) return;
    const loops = (d.Flags & SOUND_FLAGS.loop) !== 0 && (d.Flags & SOUND_FLAGS.stop) === 0;
    if (loops && d.SoundID !== NO_SOUND_ASSET) {
      o.entity.sound = {
        asset: d.SoundID,
        gain: unit(d.Gain),
        radius: o.entity.sound?.radius ?? 0,
        flags: d.Flags & 0xff,
      };
    } else {
      if (o.entity.sound) o.entity.sound = { asset: NO_SOUND_ASSET, gain: 0, radius: 0, flags: 0 };
      if ((d.Flags & SOUND_FLAGS.stop) === 0 && d.SoundID !== NO_SOUND_ASSET)
        this.queueSound({
          type: 'sound_trigger',
          asset: d.SoundID,
          position: this.worldPosition(o),
          gain: unit(d.Gain),
          parent: o.entity.id,
          ...(d.OwnerID === NO_SOUND_ASSET ? {} : { owner: d.OwnerID }),
        });
    }
    this.dirty.set(o.entity.id, 'full');
  }

  /** AttachedSoundGainChange: a new gain for an object's sound. */
  applyAttachedSoundGainChange(m: MessageOf<'AttachedSoundGainChange'>['blocks']): void {
    const d = m.DataBlock;
    const id = this.byUuid.get(d.ObjectID);
    const o = id === undefined ? undefined : this.objects.get(id);
    if (!o?.entity.sound || o.entity.sound.asset === NO_SOUND_ASSET) return;
    o.entity.sound = { ...o.entity.sound, gain: unit(d.Gain) };
    this.dirty.set(o.entity.id, 'full');
  }

  /** SoundTrigger (llTriggerSound, collision sounds, gestures): a one-shot at a region position. */
  applySoundTrigger(m: MessageOf<'SoundTrigger'>['blocks']): void {
    const d = m.SoundData;
    if (d.SoundID === NO_SOUND_ASSET) return;
    const parent = this.byUuid.get(d.ObjectID) ?? this.byUuid.get(d.ParentID) ?? 0;
    this.queueSound({
      type: 'sound_trigger',
      asset: d.SoundID,
      position: vec(d.Position),
      gain: unit(d.Gain),
      parent,
      ...(d.OwnerID === NO_SOUND_ASSET ? {} : { owner: d.OwnerID }),
    });
  }

  /** PreloadSound: assets to fetch ahead of playing them. */
  applyPreloadSound(m: MessageOf<'PreloadSound'>['blocks']): void {
    const assets = [...new Set(m.DataBlock.map((d) => d.SoundID))].filter((a) => a !== NO_SOUND_ASSET);
    for (let i = 0; i < assets.length; i += MAX_PRELOAD_SOUNDS)
      this.queueSound({ type: 'sound_preload', assets: assets.slice(i, i + MAX_PRELOAD_SOUNDS) });
  }

  /** Triggered sounds and preloads since the last call, oldest first. */
  takeSounds(): (SoundTrigger | SoundPreload)[] {
    const out = this.sounds;
    this.sounds = [];
    return out;
  }

  /** An object's region position: a child's offset turned by its root and added to it. */
  private worldPosition(o: SceneObject): Vec3 {
    const p = o.entity.position;
    const root = o.entity.parent === 0 ? undefined : this.objects.get(o.entity.parent);
    if (!root) return [...p];
    const [x, y, z, w] = root.entity.rotation;
    // v' = v + 2w(q×v) + 2q×(q×v)
    const cx = y * p[2] - z * p[1];
    const cy = z * p[0] - x * p[2];
    const cz = x * p[1] - y * p[0];
    const r = root.entity.position;
    return [
      r[0] + p[0] + 2 * (w * cx + (y * cz - z * cy)),
      r[1] + p[1] + 2 * (w * cy + (z * cx - x * cz)),
      r[2] + p[2] + 2 * (w * cz + (x * cy - y * cx)),
    ];
  }

  /**
   * A prim's name, and its description where the message carries one (ObjectPropertiesFamily answers
   * RequestObjectPropertiesFamily, ObjectProperties answers ObjectSelect): sent to clients as a change. Once the
   * real description is known it replaces the hover text that stood in `description` until then (hover text
   * travels in `text`). Returns false when the object is not known (yet).
   */
  applyName(uuid: string, name: string, description?: string, owner?: string): boolean {
    const id = this.byUuid.get(uuid);
    const o = id === undefined ? undefined : this.objects.get(id);
    if (o?.entity.kind !== 'prim') return false;
    const said = ownerOf(owner);
    if (said && said.uuid !== o.entity.owner?.uuid) {
      o.entity.owner = this.named(said);
      this.dirty.set(o.entity.id, 'full');
    }
    const clipped = clip(name, MAX_NAME_BYTES);
    if (o.entity.name !== clipped) {
      o.entity.name = clipped;
      this.dirty.set(o.entity.id, 'full');
    }
    if (description !== undefined) {
      const d = clip(description, MAX_DESCRIPTION_BYTES);
      o.description = d;
      if (o.entity.description !== d) {
        o.entity.description = d;
        this.dirty.set(o.entity.id, 'full');
      }
    }
    return true;
  }

  /** ObjectUpdateCached: we keep no cache, so every object not known with that CRC is wanted. */
  applyCached(m: MessageOf<'ObjectUpdateCached'>['blocks']): void {
    for (const d of m.ObjectData) {
      const known = this.objects.get(d.ID);
      if (!known || known.crc !== d.CRC) this.wanted.add(d.ID);
    }
  }

  /** ImprovedTerseObjectUpdate: position, rotation, velocity of known objects; unknown ones are wanted. */
  applyTerse(m: MessageOf<'ImprovedTerseObjectUpdate'>['blocks']): void {
    for (const d of m.ObjectData) {
      try {
        const t = decodeTerseUpdate(d.Data);
        const o = this.objects.get(t.localId);
        if (!o) {
          this.wanted.add(t.localId);
          continue;
        }
        o.entity.position = vec(t.position);
        o.entity.rotation = quat(t.rotation);
        o.entity.velocity = vec(t.velocity);
        if (d.TextureEntry.length > 4) {
          const entry = decodeTextureEntry(d.TextureEntry.subarray(4));
          if (o.entity.kind === 'prim') {
            const faces = objectFaceCount(o.entity.shape, o.entity.sculpt ?? null, entry);
            o.entity.colors = faceColors(entry, faces);
            o.entity.materials = faceMaterials(entry, faces);
          } else o.entity.colors = faceColors(entry);
        }
        if (this.dirty.get(t.localId) !== 'full') this.dirty.set(t.localId, d.TextureEntry.length > 4 ? 'full' : 'motion');
      } catch (err) {
        if (!(err instanceof LludpError)) throw err;
        this.badPayloads += 1;
      }
    }
  }

  /** KillObject: the objects (and any children left without a parent) are gone. */
  applyKill(m: MessageOf<'KillObject'>['blocks']): void {
    const gone = new Set<number>();
    for (const d of m.ObjectData) {
      const o = this.objects.get(d.ID);
      this.wanted.delete(d.ID);
      if (!o) continue;
      gone.add(d.ID);
    }
    for (const o of this.objects.values()) if (gone.has(o.entity.parent)) gone.add(o.entity.id);
    for (const id of gone) {
      const o = this.objects.get(id);
      if (!o) continue;
      const wasVisible = this.visible(id);
      this.objects.delete(id);
      this.byUuid.delete(o.uuid);
      this.dirty.delete(id);
      if (wasVisible) this.despawned.push(id);
    }
  }

  /** Prims that arrived since the last call (to ask for their names). */
  takeNewPrims(): { id: number; uuid: string; child: boolean }[] {
    const out = this.newPrims;
    this.newPrims = [];
    return out;
  }

  /** Local ids to ask for with RequestMultipleObjects (taken: each is asked for once per announcement). */
  takeWanted(): number[] {
    const ids = [...this.wanted];
    this.wanted = new Set();
    return ids;
  }

  /** Changes since the last call: new or changed visible entities, and despawned ids. */
  takeChanges(): SceneChanges {
    const updates: EntityUpdate[] = [];
    const ready = [...this.dirty].filter(([id]) => this.visible(id));
    // Parents first, so a client can place children.
    ready.sort(([a], [b]) => this.depth(a) - this.depth(b));
    for (const [id, what] of ready) {
      this.dirty.delete(id);
      const o = this.objects.get(id);
      if (!o) continue;
      const e = o.entity;
      updates.push(what === 'full' ? { ...e } : { id, position: e.position, rotation: e.rotation, velocity: e.velocity });
    }
    const despawned = this.despawned;
    this.despawned = [];
    return { updates, despawned };
  }

  /** Forgets pending changes (after a snapshot that holds everything). */
  clearChanges(): void {
    for (const id of [...this.dirty.keys()]) if (this.visible(id)) this.dirty.delete(id);
    this.despawned = [];
  }

  private depth(id: number): number {
    let d = 0;
    let o = this.objects.get(id);
    while (o && o.entity.parent !== 0 && d < 256) {
      d++;
      o = this.objects.get(o.entity.parent);
    }
    return d;
  }
}
