/** Seeds for new worlds: the demo world "plaza" (hills, a paved square, a few dozen prims) and empty worlds. */
import { AVATAR_HALF_HEIGHT } from '../../shared/physics/constants';
import {
  type Bounds,
  BUILTIN_SOUNDS,
  type Color,
  type EntitySound,
  type Quat,
  type ShapePreset,
  SOUND_FLAGS,
  type Vec3,
} from '../../shared/protocol';
import { createHeightfield, type Heightfield, heightAt } from './terrain';

/** The name of the built-in demo world, seeded on first use. */
export const DEMO_WORLD = 'plaza';
/** Every world is one 256 m region for now. */
export const REGION_SIZE = 256;
export const WORLD_BOUNDS: Bounds = { min: [0, 0, -16], max: [REGION_SIZE, REGION_SIZE, 240] };
const TERRAIN_SPACING = 4;
const CENTRE = REGION_SIZE / 2;

/** A prim to place when seeding. */
export interface SeedPrim {
  shape: ShapePreset;
  name: string;
  position: Vec3;
  rotation: Quat;
  scale: Vec3;
  color: Color;
  /** The world simulates it: it falls, rolls and can be pushed. */
  physical?: boolean;
  /** A sound it plays (a built-in one: BUILTIN_SOUNDS). */
  sound?: EntitySound;
}

/** What a new world starts with. */
export interface WorldSeed {
  terrain: Heightfield;
  spawn: Vec3;
  prims: SeedPrim[];
}

const IDENTITY: Quat = [0, 0, 0, 1];
const yaw = (angle: number): Quat => [0, 0, Math.sin(angle / 2), Math.cos(angle / 2)];

/** Gentle hills around a flat square in the middle. */
function plazaHeight(x: number, y: number): number {
  const hills = 22 + 6 * Math.sin(x / 37) * Math.cos(y / 29) + 3 * Math.sin((x + y) / 23);
  const d = Math.hypot(x - CENTRE, y - CENTRE);
  const t = Math.min(1, Math.max(0, (d - 40) / 30));
  const blend = t * t * (3 - 2 * t);
  return 21 * (1 - blend) + hills * blend;
}

/** The demo world: a paved square ringed by pillars, a fountain, benches and a few curiosities. */
export function plazaSeed(): WorldSeed {
  const terrain = createHeightfield(REGION_SIZE, TERRAIN_SPACING, plazaHeight);
  const ground = (x: number, y: number) => heightAt(terrain, x, y);
  const prims: SeedPrim[] = [];
  const place = (
    shape: ShapePreset,
    name: string,
    x: number,
    y: number,
    scale: Vec3,
    color: Color,
    rotation = IDENTITY,
    lift = 0,
  ) => prims.push({ shape, name, position: [x, y, ground(x, y) + scale[2] / 2 + lift], rotation, scale, color });

  // The paving sits mostly in the ground, its top 5 cm above it, so avatars (standing on the terrain) do not sink.
  place('box', 'Plaza paving', CENTRE, CENTRE, [48, 48, 0.2], [196, 186, 170, 255], IDENTITY, -0.15);
  place('cylinder', 'Fountain basin', CENTRE, CENTRE, [8, 8, 0.8], [120, 130, 150, 255], IDENTITY, 0.05);
  place('torus', 'Fountain rim', CENTRE, CENTRE, [8.4, 8.4, 1.2], [90, 100, 120, 255], IDENTITY, 0.45);
  place('sphere', 'Fountain orb', CENTRE, CENTRE, [1.6, 1.6, 1.6], [80, 170, 255, 200], IDENTITY, 1.45);
  // The fountain's water: heard within 24 m of the orb.
  const orb = prims.at(-1);
  if (orb) orb.sound = { asset: BUILTIN_SOUNDS.fountain, gain: 0.6, radius: 24, flags: SOUND_FLAGS.loop };
  const pillarColors: Color[] = [
    [230, 80, 70, 255],
    [240, 180, 60, 255],
    [90, 200, 110, 255],
    [70, 140, 230, 255],
  ];
  for (let i = 0; i < 12; i++) {
    const a = (i / 12) * Math.PI * 2;
    const x = CENTRE + Math.cos(a) * 22;
    const y = CENTRE + Math.sin(a) * 22;
    place('cylinder', `Pillar ${i + 1}`, x, y, [1, 1, 6], pillarColors[i % 4] ?? [200, 200, 200, 255], IDENTITY, 0.05);
    if (i % 3 === 0) place('ring', `Pillar crown ${i + 1}`, x, y, [1.6, 1.6, 0.6], [250, 220, 120, 255], IDENTITY, 6.05);
  }
  for (let i = 0; i < 6; i++) {
    const a = (i / 6) * Math.PI * 2 + Math.PI / 6;
    const x = CENTRE + Math.cos(a) * 12;
    const y = CENTRE + Math.sin(a) * 12;
    place('box', `Bench ${i + 1}`, x, y, [2.4, 0.6, 0.5], [140, 90, 50, 255], yaw(a + Math.PI / 2), 0.05);
  }
  const curiosities: [ShapePreset, string, number, number, Vec3, Color][] = [
    ['prism', 'Red prism', CENTRE + 40, CENTRE + 8, [2, 2, 2], [220, 40, 60, 255]],
    ['tube', 'Green tube', CENTRE - 38, CENTRE - 12, [3, 3, 2], [60, 200, 90, 255]],
    ['sphere', 'Blue sphere', CENTRE + 10, CENTRE + 36, [3, 3, 3], [50, 110, 240, 255]],
    ['box', 'Crate', CENTRE - 14, CENTRE + 30, [1.5, 1.5, 1.5], [170, 120, 60, 255]],
    ['box', 'Crate', CENTRE - 12.2, CENTRE + 30.4, [1.5, 1.5, 1.5], [160, 110, 55, 255]],
    ['torus', 'Golden torus', CENTRE + 28, CENTRE - 30, [3, 3, 1], [250, 200, 40, 255]],
    ['cylinder', 'Lamp post', CENTRE + 25, CENTRE + 25, [0.3, 0.3, 4], [40, 40, 45, 255]],
    ['sphere', 'Lamp', CENTRE + 25, CENTRE + 25, [0.7, 0.7, 0.7], [255, 240, 190, 230]],
    ['prism', 'Purple prism', CENTRE - 30, CENTRE + 40, [2, 3, 2.5], [150, 60, 200, 255]],
    ['box', 'Signpost', CENTRE, CENTRE - 26, [0.2, 2, 1], [250, 250, 250, 255]],
    ['ring', 'Sculpture', CENTRE - 40, CENTRE - 40, [4, 4, 1], [200, 80, 160, 255]],
  ];
  for (const [shape, name, x, y, scale, color] of curiosities) {
    place(shape, name, x, y, scale, color, IDENTITY, name === 'Lamp' ? 4 : 0);
  }
  // Things to play with: physical balls and light crates beside the square (walk into them to push them).
  const toys: [ShapePreset, string, number, number, number, Color][] = [
    ['sphere', 'Beach ball', CENTRE + 6, CENTRE - 20, 0.8, [240, 70, 60, 255]],
    ['sphere', 'Beach ball', CENTRE + 9, CENTRE - 22, 0.8, [60, 120, 240, 255]],
    ['sphere', 'Big ball', CENTRE - 6, CENTRE - 21, 1.4, [250, 210, 60, 255]],
    ['box', 'Light crate', CENTRE + 12, CENTRE - 18, 0.9, [200, 150, 90, 255]],
    ['box', 'Light crate', CENTRE + 12, CENTRE - 16.9, 0.9, [190, 140, 80, 255]],
  ];
  for (const [shape, name, x, y, size, color] of toys) {
    place(shape, name, x, y, [size, size, size], color, IDENTITY, 0.1);
    const toy = prims[prims.length - 1];
    if (toy) toy.physical = true;
  }
  return { terrain, spawn: [CENTRE, CENTRE - 16, ground(CENTRE, CENTRE - 16) + AVATAR_HALF_HEIGHT], prims };
}

/** A new world made with POST /api/worlds: flat ground and nothing on it. */
export function emptySeed(): WorldSeed {
  const terrain = createHeightfield(REGION_SIZE, TERRAIN_SPACING, () => 20);
  return { terrain, spawn: [CENTRE, CENTRE, 20 + AVATAR_HALF_HEIGHT], prims: [] };
}
