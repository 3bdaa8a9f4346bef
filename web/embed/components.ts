/** Components of the embed world until it merges into the main world (see docs/embedding.md). */
import { type ComponentDef, defineComponent } from '../engine';

/** Where an entity is: position (m), rotation (unit quaternion x, y, z, w), scale. 40 bytes. */
export const Transform = defineComponent('Transform', { position: 'vec3', rotation: 'quat', scale: 'vec3' });

/** An entity's colour as 0xRRGGBBAA. 4 bytes. */
export const Tint = defineComponent('Tint', { rgba: 'u32' });

/** The embed world's components in id order (Transform = 0, Tint = 1). */
export const EMBED_COMPONENTS: readonly ComponentDef[] = [Transform, Tint];

/** Entities the embed world can hold. */
export const EMBED_CAPACITY = 16_384;
