/** Components shared by the engine tests (and loaded by the worker tests' kernel module). */
import { defineComponent } from '../../../web/engine/schema';

export const Position = defineComponent('Position', { value: 'vec3' });
export const Velocity = defineComponent('Velocity', { value: 'vec3' });
export const Health = defineComponent(
  'Health',
  { hp: 'f32', max: 'u16' },
  { trackAdded: true, trackChanges: true, trackRemovals: true },
);
export const Tag = defineComponent('Tag', {});
export const Target = defineComponent('Target', { who: 'entity' });
export const Blob = defineComponent('Blob', {
  data: { bytes: 5 },
  rot: 'quat',
  big: 'f64',
  small: 'i8',
  count: 'u32',
  delta: 'i16',
  level: 'u8',
  score: 'i32',
});

export const ALL = [Position, Velocity, Health, Tag, Target, Blob];
