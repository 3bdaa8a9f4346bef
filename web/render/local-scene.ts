/** Scenes the render worker can show without a world connection: the fixed test scene and the offline preview. */

import type { MeshData } from '../../shared/geometry/mesh-data';
import { generatePrimLods } from '../../shared/geometry/prim-mesh';
import { type PrimType, primParams } from '../../shared/geometry/prim-params';
import { createInstanceBatch, type InstanceBatch, pushInstance, type Rgba } from './instance-batch';
import type { Quat, Vec3 } from './math';
import { createTestHeightfield, type Heightfield } from './mesh/terrain-mesh';
import type { CameraView } from './world-renderer';

/** The seven basic prim types, in mesh-id order. */
export const BASIC_SHAPES: readonly PrimType[] = ['box', 'cylinder', 'prism', 'sphere', 'torus', 'tube', 'ring'];

/** Every basic shape with all its LODs; mesh id = index in BASIC_SHAPES. */
export function basicShapeMeshes(): MeshData[][] {
  return BASIC_SHAPES.map((type) => generatePrimLods(primParams(type)));
}

/** A scene ready to draw. */
export interface LocalScene {
  meshes: MeshData[][];
  terrain: Heightfield;
  instances: InstanceBatch;
  camera: CameraView;
}

const RED: Rgba = [0.85, 0.08, 0.06, 1];
const IDENTITY: Quat = [0, 0, 0, 1];

/**
 * The fixed test scene: a red box on green terrain under a blue sky, seen from a known camera. The renderer's
 * pixel tests look for red at the centre, green below and blue above.
 */
export function testScene(): LocalScene {
  const instances = createInstanceBatch(4);
  pushInstance(instances, { mesh: 0, position: [128, 128, 22], rotation: IDENTITY, scale: [4, 4, 4], faceColors: [RED] });
  return {
    meshes: basicShapeMeshes(),
    terrain: createTestHeightfield(257, 257, 20, 0),
    instances,
    camera: { eye: [128, 112, 26], target: [128, 128, 22], fovY: Math.PI / 3 },
  };
}

/** A small showroom of every shape, for when no world is connected yet. */
export function previewScene(): LocalScene {
  const instances = createInstanceBatch(BASIC_SHAPES.length * 3);
  const colours: Rgba[] = [
    RED,
    [0.95, 0.65, 0.1, 1],
    [0.2, 0.6, 0.9, 1],
    [0.6, 0.3, 0.8, 1],
    [0.1, 0.7, 0.5, 1],
    [0.9, 0.9, 0.9, 1],
    [0.3, 0.3, 0.35, 1],
  ];
  BASIC_SHAPES.forEach((_, mesh) => {
    const position: Vec3 = [116 + mesh * 4, 132, 22];
    pushInstance(instances, { mesh, position, rotation: IDENTITY, scale: [2, 2, 2], faceColors: [colours[mesh] ?? RED] });
  });
  return {
    meshes: basicShapeMeshes(),
    terrain: createTestHeightfield(257, 257, 20, 1.5),
    instances,
    camera: { eye: [128, 112, 27], target: [128, 132, 22], fovY: Math.PI / 3 },
  };
}
