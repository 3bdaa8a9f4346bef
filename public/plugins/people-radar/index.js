// people-radar: who is near you and how far, from the read-only copy of the world the viewer gives each frame.
// Permissions: world:read, ui:panel, bus:publish:people-radar/*. Publishes people-radar/near when someone comes
// within 20 m.
const NEAR_M = 20;
let shown = '';
let near = new Set();
let since = 0;

function distance(a, b) {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

export function init(ctx) {
  return ctx.ui.panel({ title: 'People nearby', items: [{ kind: 'text', text: 'Nobody in sight yet.' }] });
}

export async function update(dt, ctx) {
  since += dt;
  if (since < 0.25) return; // four times a second is plenty for a list
  since = 0;
  const w = ctx.world.snapshot();
  const self = w.self;
  if (!self) return;
  const others = (w.people || [])
    .filter((p) => !p.self)
    .map((p) => ({ name: p.name, d: distance(p.position, self.position) }))
    .sort((a, b) => a.d - b.d);
  for (const p of others)
    if (p.d <= NEAR_M && !near.has(p.name)) ctx.bus.publish('people-radar/near', { name: p.name, metres: Math.round(p.d) });
  near = new Set(others.filter((p) => p.d <= NEAR_M).map((p) => p.name));
  const items = [
    { kind: 'field', label: 'region', value: w.world ? w.world.name : '' },
    { kind: 'field', label: 'people', value: String(others.length) },
    { kind: 'list', items: others.slice(0, 20).map((p) => `${p.name} — ${p.d.toFixed(1)} m`) },
  ];
  const key = JSON.stringify(items);
  if (key !== shown) {
    shown = key;
    await ctx.ui.panel({ title: 'People nearby', items });
  }
}
