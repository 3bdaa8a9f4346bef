// photo-mode: framing for a picture: a wide or close-up shot, a slow orbit around you, and back to your camera.
// Permissions: camera:control (ctx.camera), ui:panel. Changes only the camera; the world and your avatar stay.
const TITLE = 'Photo mode';
const ORBIT_RAD_PER_S = 0.4;
let orbit = false;
let yaw = 0;
let shot = 'your camera';

function panel(ctx) {
  return ctx.ui.panel({
    title: TITLE,
    items: [
      { kind: 'field', label: 'shot', value: shot },
      { kind: 'button', id: 'wide', label: 'Wide' },
      { kind: 'button', id: 'close-up', label: 'Close-up' },
      { kind: 'button', id: 'orbit', label: orbit ? 'Stop orbit' : 'Orbit' },
      { kind: 'button', id: 'reset', label: 'Reset' },
    ],
  });
}

export function init(ctx) {
  ctx.ui.onAction(async (id) => {
    if (id === 'wide') {
      orbit = false;
      await ctx.camera.set({ mode: 'follow', distance: 14, fovDeg: 80, pitch: -0.35 });
      shot = 'wide';
    } else if (id === 'close-up') {
      orbit = false;
      await ctx.camera.set({ mode: 'follow', distance: 2.5, fovDeg: 35, pitch: -0.1 });
      shot = 'close-up';
    } else if (id === 'orbit') {
      orbit = !orbit;
      if (orbit) await ctx.camera.set({ mode: 'follow', distance: 8, fovDeg: 60, pitch: -0.3 });
      shot = orbit ? 'orbit' : shot;
    } else if (id === 'reset') {
      orbit = false;
      await ctx.camera.reset();
      shot = 'your camera';
    }
    await panel(ctx);
  });
  return panel(ctx);
}

export async function update(dt, ctx) {
  if (!orbit) return;
  yaw = (yaw + ORBIT_RAD_PER_S * dt) % (Math.PI * 2);
  await ctx.camera.set({ yaw });
}

export async function shutdown(ctx) {
  if (shot !== 'your camera') await ctx.camera.reset();
}
