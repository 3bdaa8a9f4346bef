/**
 * Render-side extraction: attaches to the world worker's ECS columns and turns them into an instance batch,
 * rebuilding meshes and colours only when the structure version moves (over the slots of the render list the
 * world App's render-extract system writes: no slot scan), and transforms every frame.
 */

import type { MeshData } from '../../shared/geometry/mesh-data';
import { primParamsFromWire, type WireShape } from '../../shared/geometry/prim-from-wire';
import { generatePrimLods, PRIM_LOD_COUNT } from '../../shared/geometry/prim-mesh';
import { primParamsKey } from '../../shared/geometry/prim-params';
import { PRIM_SHAPE_KEYS } from '../../shared/protocol';
import { attachWorld, type WorldMemory, type WorldView } from '../engine';
import {
  Avatar,
  Faces,
  MAX_FACE_COLORS,
  Model,
  modelHashAt,
  Sculpt,
  Shape,
  Surface,
  surfaceMaterial,
  TextureAnimation,
  Transform,
} from '../scene/components';
import { MaterialTableReader } from '../scene/material-table';
import { RenderListReader } from '../scene/render-list';
import { SyncReader } from '../scene/sync-header';
import type { GeometryStream } from './geometry-stream';
import { createInstanceBatch, type FaceLook, type InstanceBatch, PLAIN_FACE, pushInstance, type Rgba } from './instance-batch';
import type { Vec3 } from './math';
import { generateAvatarMesh } from './mesh/avatar-mesh';
import type { ModelStream } from './model-stream';
import type { ModelTextures } from './model-textures';
import { FACE_FLOATS, FACE_OFFSETS, INSTANCE_FLOATS, INSTANCE_OFFSETS } from './schemas';
import { animatesFace, type TextureAnimParams, textureAnimFrame } from './texture-anim';
import type { TextureStream } from './texture-stream';

/** Where the extractor gets textures and sculpt/mesh geometry (absent: faces untextured, sculpts as base prims). */
export interface ExtractStreams {
  textures: TextureStream;
  geometry: GeometryStream;
}

const P = INSTANCE_OFFSETS.position;
const S = INSTANCE_OFFSETS.scale;
const R = INSTANCE_OFFSETS.rotation;

/** What changed since the last extraction. */
export type ExtractChange = 'none' | 'transforms' | 'structure';

const AVATAR_KEY = 'avatar';

/** An instance whose texture animates: its face records and each face's own transform (what the animation leaves). */
interface AnimatedInstance {
  anim: TextureAnimParams;
  /** When the animation started (ms, performance.now()): the first rebuild that saw it. */
  since: number;
  faceBase: number;
  looks: FaceLook[];
}
/** Metres you move before the extractor asks for textures and geometry by distance again. */
const REFRESH_METRES = 8;

export class WorldExtractor {
  readonly meshes: MeshData[][] = [];
  meshesChanged = false;
  batch: InstanceBatch = createInstanceBatch(1);
  private readonly view: WorldView;
  private readonly sync: SyncReader;
  private readonly list: RenderListReader;
  private readonly meshIds = new Map<string, number>();
  /** ECS slot of each instance, in batch order. */
  private slots = new Uint32Array(0);
  private structure = -1;
  private readonly materials: MaterialTableReader | null;
  /** Stream versions the current batch was built with. */
  private streamVersions = '';
  /** Where you stood at the last rebuild: after moving REFRESH_METRES the asks by distance are made again. */
  private rebuiltAt: Vec3 | null = null;
  /** Finalverse glTF models (absent: model entities are drawn as their base box). */
  private models: ModelStream | null = null;
  /** The models' base colour images (absent: models are drawn in their colours only). */
  private modelTextures: ModelTextures | null = null;
  /** Instances with a texture animation, rewritten by animate(). */
  private animated: AnimatedInstance[] = [];
  /** When each animation was first seen (ECS slot + its numbers), so a rebuild does not restart it. */
  private animStarts = new Map<string, number>();

  constructor(
    memory: WorldMemory,
    syncBuffer: SharedArrayBuffer,
    renderList: SharedArrayBuffer,
    materials: ArrayBufferLike | null = null,
    private streams: ExtractStreams | null = null,
  ) {
    this.view = attachWorld(memory);
    this.sync = new SyncReader(syncBuffer);
    this.list = new RenderListReader(renderList);
    this.materials = materials ? new MaterialTableReader(materials) : null;
  }

  /** Uses new streams (after device loss); the next extraction rebuilds. */
  setStreams(streams: ExtractStreams | null): void {
    this.streams = streams;
    this.structure = -1;
  }

  /** Uses a model stream (null: none); the next extraction rebuilds. */
  setModels(models: ModelStream | null): void {
    this.models = models;
    this.structure = -1;
  }

  /** Uses model textures over the current texture layers (null: none); the next extraction rebuilds. */
  setModelTextures(textures: ModelTextures | null): void {
    this.modelTextures = textures;
    this.structure = -1;
  }

  /** True when you moved far enough since the last rebuild that textures may want a sharper decode. */
  private movedFar(): boolean {
    if (!this.streams) return false;
    const at = this.selfPosition();
    const was = this.rebuiltAt;
    if (!at || !was) return false;
    return Math.hypot(at[0] - was[0], at[1] - was[1], at[2] - was[2]) > REFRESH_METRES;
  }

  private versions(): string {
    const s = this.streams;
    const m = (this.models ? `/${this.models.version}` : '') + (this.modelTextures ? `/${this.modelTextures.version}` : '');
    return (s ? `${s.textures.version}/${s.geometry.version}` : '') + m;
  }

  /** Reads the columns into the batch; returns what changed (the caller re-uploads accordingly). */
  extract(): ExtractChange {
    let change: ExtractChange = 'none';
    const ok = this.sync.readConsistent(() => {
      this.view.refresh();
      const structure = this.sync.structure();
      if (structure !== this.structure || this.versions() !== this.streamVersions || this.movedFar()) {
        this.rebuild();
        this.structure = structure;
        this.streamVersions = this.versions();
        change = 'structure';
      } else {
        this.copyTransforms();
        change = 'transforms';
      }
    });
    return ok ? change : 'none';
  }

  /**
   * Whether the next extraction would rebuild (the world's structure or a stream's version moved since the last): a
   * hint, read without the sequence lock.
   */
  rebuildPending(): boolean {
    return this.sync.structure() !== this.structure || this.versions() !== this.streamVersions;
  }

  /** World position of your avatar, for the follow camera (null when you have none yet). */
  selfPosition(): Vec3 | null {
    const index = this.sync.self();
    if (index < 0) return null;
    const p = this.view.column(Transform, 'position');
    return [p[index * 3] ?? 0, p[index * 3 + 1] ?? 0, p[index * 3 + 2] ?? 0];
  }

  private meshFor(key: string, make: () => MeshData[]): number {
    let id = this.meshIds.get(key);
    if (id === undefined) {
      id = this.meshes.length;
      this.meshes.push(make());
      this.meshIds.set(key, id);
      this.meshesChanged = true;
    }
    return id;
  }

  private rebuild(): void {
    const view = this.view;
    const avatarId = view.component(Avatar).id;
    const surfaceId = view.component(Surface).id;
    const sculptId = view.component(Sculpt).id;
    const modelId = view.component(Model).id;
    const modelHash = view.column(Model, 'hash');
    const slots = this.list.read();
    const batch = createInstanceBatch(Math.max(1, slots.length), Math.max(1, slots.length) * 4);
    const count = view.column(Faces, 'count');
    const rgba = view.column(Faces, 'rgba');
    const surfaceCount = view.column(Surface, 'count');
    const surface = view.column(Surface, 'material');
    const animId = view.component(TextureAnimation).id;
    const animCols = {
      mode: view.column(TextureAnimation, 'mode'),
      face: view.column(TextureAnimation, 'face'),
      sizeX: view.column(TextureAnimation, 'sizeX'),
      sizeY: view.column(TextureAnimation, 'sizeY'),
      start: view.column(TextureAnimation, 'start'),
      length: view.column(TextureAnimation, 'length'),
      rate: view.column(TextureAnimation, 'rate'),
    };
    const animated: AnimatedInstance[] = [];
    const starts = new Map<string, number>();
    const sculptType = view.column(Sculpt, 'type');
    const sculptAsset = view.column(Sculpt, 'asset');
    const pos = view.column(Transform, 'position');
    const shapeColumns = PRIM_SHAPE_KEYS.map((f) => view.column(Shape, f));
    const eye = this.selfPosition();
    this.rebuiltAt = eye;
    this.streams?.textures.beginPass();
    this.models?.beginPass();
    this.modelTextures?.beginPass();
    const kept: number[] = [];
    for (const i of slots) {
      const avatar = view.hasBit(i, avatarId);
      // Nearest first: the distance from your avatar orders texture and geometry loads.
      const priority = eye
        ? Math.hypot((pos[i * 3] ?? 0) - eye[0], (pos[i * 3 + 1] ?? 0) - eye[1], (pos[i * 3 + 2] ?? 0) - eye[2])
        : 0;
      let mesh: number;
      let modelColors: readonly Rgba[] | null = null;
      let modelLooks: FaceLook[] | null = null;
      const hash = !avatar && this.models && view.hasBit(i, modelId) ? modelHashAt(modelHash, i) : '';
      const model = hash ? (this.models?.meshOf(hash, priority) ?? null) : null;
      if (model) {
        mesh = this.meshFor(`model:${hash}`, () => model.lods);
        modelColors = model.colors;
        modelLooks = model.looks.map((l) => {
          const image = l.image >= 0 ? model.images[l.image] : undefined;
          const resident = image && this.modelTextures ? this.modelTextures.layerOf(hash, l.image, image, priority) : null;
          return {
            ...PLAIN_FACE,
            layer: resident?.layer ?? -1,
            alphaMode: l.alphaMode,
            alphaCutoff: l.alphaCutoff,
            textureAlpha: resident?.alpha ?? false,
          };
        });
      } else if (avatar) {
        mesh = this.meshFor(AVATAR_KEY, () => Array.from({ length: PRIM_LOD_COUNT }, (_, lod) => generateAvatarMesh(lod)));
      } else {
        let sculpted: MeshData[] | null = null;
        let sculptKey = '';
        if (view.hasBit(i, sculptId) && this.streams && this.materials) {
          const uuid = this.materials.assetId(sculptAsset[i] ?? 0);
          const type = sculptType[i] ?? 0;
          sculptKey = `sculpt:${uuid}:${type}`;
          sculpted = this.streams.geometry.meshOf(uuid, type, priority);
        }
        if (sculpted) {
          const lods = sculpted;
          mesh = this.meshFor(sculptKey, () => lods);
        } else {
          const wire = {} as Record<keyof WireShape, number>;
          PRIM_SHAPE_KEYS.forEach((f, k) => {
            wire[f] = shapeColumns[k]?.[i] ?? 0;
          });
          const params = primParamsFromWire(wire);
          mesh = this.meshFor(primParamsKey(params), () => generatePrimLods(params));
        }
      }
      const n = Math.min(MAX_FACE_COLORS, count[i] ?? 0);
      const colors: Rgba[] = [];
      for (let f = 0; f < Math.max(1, n); f++) {
        const o = (i * MAX_FACE_COLORS + f) * 4;
        colors.push(
          n === 0
            ? [0.8, 0.8, 0.8, 1]
            : [(rgba[o] ?? 0) / 255, (rgba[o + 1] ?? 0) / 255, (rgba[o + 2] ?? 0) / 255, (rgba[o + 3] ?? 255) / 255],
        );
      }
      if (modelColors) {
        // A model's faces are its materials' colours, tinted by the entity's colour.
        const tint = colors[0] ?? [1, 1, 1, 1];
        colors.length = 0;
        for (const c of modelColors) colors.push([c[0] * tint[0], c[1] * tint[1], c[2] * tint[2], c[3] * tint[3]]);
        if (colors.length === 0) colors.push(tint);
      }
      let looks: FaceLook[] | undefined;
      if (modelLooks) looks = modelLooks;
      else if (!avatar && this.materials && view.hasBit(i, surfaceId)) {
        const m = Math.min(MAX_FACE_COLORS, surfaceCount[i] ?? 0);
        looks = [];
        for (let f = 0; f < m; f++) looks.push(this.look(surfaceMaterial(surface, i, f), priority));
      }
      const faceBase = batch.faceCount;
      const k = pushInstance(batch, {
        mesh,
        position: [0, 0, 0],
        rotation: [0, 0, 0, 1],
        scale: [1, 1, 1],
        faceColors: colors,
        ...(looks ? { faceLooks: looks } : {}),
      });
      if (!avatar && !modelLooks && view.hasBit(i, animId)) {
        const anim: TextureAnimParams = {
          mode: animCols.mode[i] ?? 0,
          face: animCols.face[i] ?? -1,
          sizeX: animCols.sizeX[i] ?? 0,
          sizeY: animCols.sizeY[i] ?? 0,
          start: animCols.start[i] ?? 0,
          length: animCols.length[i] ?? 0,
          rate: animCols.rate[i] ?? 0,
        };
        const key = `${i}:${anim.mode}:${anim.face}:${anim.sizeX}:${anim.sizeY}:${anim.start}:${anim.length}:${anim.rate}`;
        const since = this.animStarts.get(key) ?? performance.now();
        starts.set(key, since);
        const n = batch.words[k * INSTANCE_FLOATS + INSTANCE_OFFSETS.faceCount] ?? 1;
        const own = looks && looks.length > 0 ? looks : [PLAIN_FACE];
        animated.push({
          anim,
          since,
          faceBase,
          looks: Array.from({ length: n }, (_, f) => own[Math.min(f, own.length - 1)] ?? PLAIN_FACE),
        });
      }
      kept.push(i);
    }
    this.slots = Uint32Array.from(kept);
    this.batch = batch;
    this.animated = animated;
    this.animStarts = starts;
    this.copyTransforms();
  }

  /** Whether some drawn prim's texture animates (then animate() rewrites face records every frame). */
  get animating(): boolean {
    return this.animated.length > 0;
  }

  /**
   * Moves animated textures to time `now` (ms, performance.now()): rewrites the repeats, offset and rotation of the
   * animated faces in the batch's face records. Returns whether any record was written (upload the faces then).
   */
  animate(now: number): boolean {
    const faces = this.batch.faces;
    for (const a of this.animated) {
      const frame = textureAnimFrame(a.anim, (now - a.since) / 1000);
      a.looks.forEach((look, f) => {
        if (!animatesFace(a.anim, f, a.looks.length)) return;
        const o = (a.faceBase + f) * FACE_FLOATS;
        const repeats = frame.repeats ?? look.repeats;
        const offset = frame.offset ?? look.offset;
        faces[o + FACE_OFFSETS.uvTransform] = repeats[0];
        faces[o + FACE_OFFSETS.uvTransform + 1] = repeats[1];
        faces[o + FACE_OFFSETS.uvTransform + 2] = offset[0];
        faces[o + FACE_OFFSETS.uvTransform + 3] = offset[1];
        faces[o + FACE_OFFSETS.rotation] = frame.rotation ?? look.rotation;
      });
    }
    return this.animated.length > 0;
  }

  /** How material `index` is drawn now: its texture's layer when resident (else untextured for the moment). */
  private look(index: number, priority: number): FaceLook {
    const table = this.materials;
    if (!table || index <= 0 || index >= table.materialCount) return PLAIN_FACE;
    const m = table.read(index);
    let layer = -1;
    let textureAlpha = false;
    if (m.texture > 0 && this.streams) {
      const resident = this.streams.textures.layerOf(table.assetId(m.texture), priority);
      if (resident) {
        layer = resident.layer;
        textureAlpha = resident.alpha;
      }
    }
    return {
      layer,
      repeats: m.repeats,
      offset: m.offset,
      rotation: m.rotation,
      glow: m.glow,
      fullbright: m.fullbright,
      alphaMode: m.alphaMode,
      alphaCutoff: m.alphaCutoff,
      textureAlpha,
      planar: m.planar,
    };
  }

  /** Copies pose and size from the columns into the batch records and cull spheres. */
  private copyTransforms(): void {
    const view = this.view;
    const pos = view.column(Transform, 'position');
    const rot = view.column(Transform, 'rotation');
    const scl = view.column(Transform, 'scale');
    const avatarId = view.component(Avatar).id;
    const { records, spheres } = this.batch;
    for (let k = 0; k < this.slots.length; k++) {
      const i = this.slots[k] ?? 0;
      const o = k * INSTANCE_FLOATS;
      let sx = scl[i * 3] ?? 1;
      let sy = scl[i * 3 + 1] ?? 1;
      const sz = scl[i * 3 + 2] ?? 1;
      // The avatar figure is unit height: scale it uniformly by the avatar's height.
      if (view.hasBit(i, avatarId)) sx = sy = sz;
      const px = pos[i * 3] ?? 0;
      const py = pos[i * 3 + 1] ?? 0;
      const pz = pos[i * 3 + 2] ?? 0;
      records[o + P] = px;
      records[o + P + 1] = py;
      records[o + P + 2] = pz;
      records[o + S] = sx;
      records[o + S + 1] = sy;
      records[o + S + 2] = sz;
      records[o + R] = rot[i * 4] ?? 0;
      records[o + R + 1] = rot[i * 4 + 1] ?? 0;
      records[o + R + 2] = rot[i * 4 + 2] ?? 0;
      records[o + R + 3] = rot[i * 4 + 3] ?? 1;
      spheres[k * 4] = px;
      spheres[k * 4 + 1] = py;
      spheres[k * 4 + 2] = pz;
      spheres[k * 4 + 3] = 0.5 * Math.hypot(sx, sy, sz);
    }
  }
}
