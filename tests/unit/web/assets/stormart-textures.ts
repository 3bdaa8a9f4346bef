/**
 * The J2K textures of the StormArt archive (../shared/opensim/README.md, "Art content") with the size and mean RGBA
 * that `opj_decompress` gives at full resolution (alpha 255 where there is no alpha channel).
 */
import { oarAsset, STORM_ART_OAR } from '../../../support/oar';

export interface ArtTexture {
  readonly name: string;
  readonly uuid: string;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  /** Mean R, G, B, A; null for the sculpt maps, whose table gives none. */
  readonly mean: readonly [number, number, number, number] | null;
}

export const ART_TEXTURES: readonly ArtTexture[] = [
  {
    name: 'dev-checker-256',
    uuid: 'ada1326f-d5c7-414a-b86b-521f4d63498e',
    width: 256,
    height: 256,
    components: 3,
    mean: [237, 143, 143, 255],
  },
  {
    name: 'dev-rainbow-512x128',
    uuid: 'feba5b8e-5704-4b07-be8a-0803a8f223a4',
    width: 512,
    height: 128,
    components: 3,
    mean: [146.6, 130.5, 92.3, 255],
  },
  {
    name: 'dev-stripes-128x256',
    uuid: '24476847-28a3-49db-8cc7-b6bb9eecf56e',
    width: 128,
    height: 256,
    components: 3,
    mean: [142.2, 146.4, 133.3, 255],
  },
  {
    name: 'dev-rings-256',
    uuid: '7daa72aa-b868-46cb-bbc3-a121c2886384',
    width: 256,
    height: 256,
    components: 3,
    mean: [142.4, 192.4, 192.4, 255],
  },
  {
    name: 'dev-dots-64',
    uuid: 'e20e85a8-6fd4-495c-99d6-8911855289e5',
    width: 64,
    height: 64,
    components: 3,
    mean: [88.3, 63.7, 115.7, 255],
  },
  {
    name: 'dev-alpha-radial-128',
    uuid: '8914a7ef-16d7-4be6-8f93-19199282c4b3',
    width: 128,
    height: 128,
    components: 4,
    mean: [250, 140, 26, 66.8],
  },
  {
    name: 'dev-terrain-sand-128',
    uuid: '30eeb00f-0be7-4a2d-851a-e51fcda08b8e',
    width: 128,
    height: 128,
    components: 3,
    mean: [213, 193, 140, 255],
  },
  {
    name: 'dev-terrain-grass-128',
    uuid: 'bb541897-db2d-4b69-b325-4c87fa31534a',
    width: 128,
    height: 128,
    components: 3,
    mean: [75, 138, 47, 255],
  },
  {
    name: 'dev-terrain-rock-128',
    uuid: 'c24f5a29-7edf-48e1-8e76-196e0cf9d15f',
    width: 128,
    height: 128,
    components: 3,
    mean: [95, 91, 91, 255],
  },
  {
    name: 'dev-terrain-snow-128',
    uuid: '2523d5db-6923-4a7c-80ce-6e2455e4f1c7',
    width: 128,
    height: 128,
    components: 3,
    mean: [222, 226, 233, 255],
  },
  {
    name: 'dev-sculpt-sphere-64',
    uuid: '3d622eb0-11a3-42eb-a662-3eacf2d4ad8f',
    width: 64,
    height: 64,
    components: 3,
    mean: null,
  },
  { name: 'dev-sculpt-torus-64', uuid: 'e2e24e04-4a97-4429-b12e-ec7b57d1b011', width: 64, height: 64, components: 3, mean: null },
  { name: 'dev-sculpt-plane-64', uuid: '1c0220b6-b6c5-4e99-aaae-d4f4954b7fa5', width: 64, height: 64, components: 3, mean: null },
  {
    name: 'dev-sculpt-cylinder-64',
    uuid: '6c9eb1e0-91b2-4b75-9588-31b273b4473f',
    width: 64,
    height: 64,
    components: 3,
    mean: null,
  },
];

/** The codestream of one StormArt texture (read from the archive once per process). */
export function artTexture(uuid: string): Uint8Array {
  return oarAsset(STORM_ART_OAR, `assets/${uuid}_texture.jp2`);
}

/** Mean of each RGBA channel. */
export function meanRgba(rgba: Uint8Array): [number, number, number, number] {
  const sum = [0, 0, 0, 0];
  for (let i = 0; i < rgba.length; i++) sum[i & 3] = (sum[i & 3] ?? 0) + (rgba[i] ?? 0);
  const n = rgba.length / 4;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n, sum[3]! / n];
}
