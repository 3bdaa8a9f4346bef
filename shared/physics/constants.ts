/** Figures of the one physics both sides run (viewer prediction and the Finalverse room): rates, avatar, motion. */

/** Physics steps per second: the room and the viewer step at the same fixed rate. */
export const PHYSICS_HZ = 60;
/** Seconds per physics step. */
export const FIXED_DT = 1 / PHYSICS_HZ;
/** At most this many steps are caught up in one go (a stalled tab does not spiral). */
export const MAX_STEPS_PER_UPDATE = 15;
/** Metres per second squared, down the z axis (z is up, as on OpenSim). */
export const GRAVITY = 9.81;

/** Walking, running and flying speeds (m/s). */
export const WALK_SPEED = 3;
export const RUN_SPEED = 6;
export const FLY_SPEED = 4;
/** Take-off speed of a jump (m/s): about 0.6 m high. */
export const JUMP_SPEED = 3.5;
/** The fastest fall (m/s). */
export const TERMINAL_SPEED = 50;

/** An avatar is a capsule: this radius, and a centre this far above its feet (half its 1.8 m height). */
export const AVATAR_RADIUS = 0.3;
export const AVATAR_HALF_HEIGHT = 0.9;
/** Steps up to this high are climbed without jumping (m), if at least this wide (m). */
export const STEP_HEIGHT = 0.45;
export const STEP_MIN_WIDTH = 0.15;
/** Slopes steeper than this are not climbed (radians). */
export const MAX_SLOPE = (46 * Math.PI) / 180;
/** Walking off a ledge lower than this keeps the feet on the ground (m). */
export const SNAP_DISTANCE = 0.3;
/** The gap the character controller keeps from what it touches (m). */
export const SKIN = 0.02;
/** The mass an avatar pushes physical objects with (kg). */
export const AVATAR_MASS = 80;
/** Density of physical prims (kg/m³): light enough to push, heavy enough to settle. */
export const PRIM_DENSITY = 150;
