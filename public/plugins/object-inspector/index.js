// object-inspector: click something in the world and see what it is: its name, owner, shape, size and distance.
// Permissions: world:select (ctx.world.onSelect), ui:panel, bus:publish:object-inspector/*. Publishes
// object-inspector/selected with what was clicked, for other plugins.
const TITLE = 'Object inspector';

const metres = (v) => `${v.toFixed(2)} m`;

// The owner's name where the viewer knows it, with the owner's UUID where the world sent one (API 1.1: ownerName).
function ownerText(o) {
  if (o.ownerName && o.owner) return `${o.ownerName} (${o.owner})`;
  return o.ownerName || o.owner || 'not told by this world';
}

function describe(o) {
  return [
    { kind: 'field', label: 'name', value: o.name || '(no name)' },
    { kind: 'field', label: 'kind', value: o.kind },
    { kind: 'field', label: 'shape', value: o.shape },
    { kind: 'field', label: 'owner', value: ownerText(o) },
    { kind: 'field', label: 'size', value: o.scale.map((s) => s.toFixed(2)).join(' × ') },
    { kind: 'field', label: 'distance', value: metres(o.distance) },
    { kind: 'field', label: 'position', value: o.position.map((p) => p.toFixed(1)).join(', ') },
    ...(o.uuid ? [{ kind: 'field', label: 'id', value: o.uuid }] : []),
  ];
}

export function init(ctx) {
  ctx.world.onSelect(async (o) => {
    if (!o) {
      await ctx.ui.panel({ title: TITLE, items: [{ kind: 'text', text: 'Nothing there: click an object.' }] });
      return;
    }
    await ctx.ui.panel({ title: TITLE, items: describe(o) });
    ctx.bus.publish('object-inspector/selected', { id: o.id, name: o.name, shape: o.shape, kind: o.kind });
  });
  return ctx.ui.panel({ title: TITLE, items: [{ kind: 'text', text: 'Click an object in the world.' }] });
}
