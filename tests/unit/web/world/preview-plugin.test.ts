import { describe, expect, it } from 'vitest';
import { SHAPE_PRESETS, type WorldAction } from '../../../../shared/protocol';
import { Faces, Local, Model, modelHashAt, NetId, Shape, Transform } from '../../../../web/scene/components';
import { RenderListReader } from '../../../../web/scene/render-list';
import { Commands, Entities } from '../../../../web/world/keys';
import { DELETE_GHOST_COLOR, GHOST_ALPHA } from '../../../../web/world/plugins/preview';
import { WorldCommand } from '../../../../web/world/world-protocol';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { worldHarness } from '../../../support/world-harness';

const HASH = '0123456789abcdef'.repeat(4);

function harness() {
  const { world, posts, deliver, step } = worldHarness({ hardwareConcurrency: 8, opens: true });
  const app = world.app;
  const command = (c: unknown) => {
    app.send(Commands, WorldCommand.parse(c));
    step();
  };
  deliver(testWelcome(100, { session: 's-1', permissions: 15 }));
  deliver(testSnapshot([testEntity(7, { scale: [2, 1, 1] }), testEntity(8)]));
  step();
  const ghostIds = () => app.world.query({ all: [Local, Transform] }).entities();
  const ghosts = () =>
    Array.from(ghostIds(), (slot) => {
      const id = app.world.idAt(slot);
      return {
        transform: app.world.get(id, Transform),
        faces: Array.from(app.world.get(id, Faces).rgba).slice(0, 4),
        shape: app.world.get(id, Shape),
        model: app.world.has(id, Model) ? modelHashAt(app.world.column(Model, 'hash'), slot) : null,
      };
    });
  const previews = () => posts.flatMap((e) => (e.type === 'preview' ? [e.ghosts] : []));
  return { world, app, posts, step, command, ghosts, previews };
}

describe('the preview plugin', () => {
  it('draws a plan’s creations as translucent Local ghosts, apart from the world’s prims', () => {
    const h = harness();
    const actions: WorldAction[] = [
      { tool: 'create_primitive', shape: 'sphere', position: [20, 20, 21], scale: [2, 2, 2], color: [200, 30, 30, 255] },
      { tool: 'create_structure', structure: 'stairs', position: [30, 30, 20], size: 3 },
      { tool: 'create_model', model: HASH, position: [40, 40, 22], scale: [6, 6, 5] },
    ];
    const before = h.app.world.size;
    h.command({ type: 'preview', actions });
    expect(h.previews()).toEqual([5]);
    expect(h.app.world.size).toBe(before + 5);
    const g = h.ghosts();
    expect(g).toHaveLength(5);
    for (const x of g) expect(x.faces[3]).toBeLessThanOrEqual(GHOST_ALPHA);
    expect(g[0]?.shape).toMatchObject(SHAPE_PRESETS.sphere);
    expect(g[0]?.faces.slice(0, 3)).toEqual([200, 30, 30]);
    expect(Array.from(g[0]?.transform.position ?? [])).toEqual([20, 20, 21]);
    // The stairs as the room lays them out (shared/protocol structureBlocks).
    expect(g.slice(1, 4).map((x) => Array.from(x.transform.position))).toEqual([
      [30, 30, 20.125],
      [30.5, 30, 20.375],
      [31, 30, 20.625],
    ]);
    expect(g[4]?.model).toBe(HASH);
    // Not server entities: not in the net index, no NetId; the renderer's list has them.
    expect(h.app.resource(Entities).byNet.size).toBe(2);
    for (const slot of h.app.world.query({ all: [Local] }).entities())
      expect(h.app.world.has(h.app.world.idAt(slot), NetId)).toBe(false);
    const list = new RenderListReader(h.world.renderList).read();
    for (const slot of h.app.world.query({ all: [Local] }).entities()) expect(list).toContain(slot);
    // The HUD's minimap (and the page's prim count) is the world's: ghosts are not in it.
    h.step(300);
    const view = h.posts.filter((e) => e.type === 'view').at(-1);
    if (view?.type !== 'view') throw new Error('no view');
    expect(view.view.mapPoints.length / 2).toBe(2);
    expect(view.view.permissions).toBe(15);
  });

  it('shows edits on a ghost copy of the entity and leaves the entity itself as it is', () => {
    const h = harness();
    const entity = h.app.resource(Entities).byNet.get(7);
    if (entity === undefined) throw new Error('no entity 7');
    const own = h.app.world.get(entity, Transform);
    h.command({
      type: 'preview',
      actions: [
        { tool: 'move_entity', entity: 7, position: [50, 50, 20] },
        { tool: 'set_color', entity: 7, color: [0, 0, 255, 255] },
        { tool: 'delete_entity', entity: 8 },
        { tool: 'set_name', entity: 7, name: 'Renamed' },
        { tool: 'move_entity', entity: 999, position: [1, 1, 1] },
      ],
    });
    const g = h.ghosts();
    // One ghost per edited entity that is here (999 is not): 7 moved and blue, 8 red and a little larger.
    expect(g).toHaveLength(2);
    expect(Array.from(g[0]?.transform.position ?? [])).toEqual([50, 50, 20]);
    expect(Array.from(g[0]?.transform.scale ?? [])).toEqual([2, 1, 1]);
    expect(g[0]?.faces).toEqual([0, 0, 255, GHOST_ALPHA]);
    expect(g[1]?.faces).toEqual([...DELETE_GHOST_COLOR, GHOST_ALPHA]);
    expect(g[1]?.transform.scale[0]).toBeCloseTo(1.05);
    expect(h.app.world.get(entity, Transform)).toEqual(own);
    expect(Array.from(h.app.world.get(entity, Faces).rgba).slice(0, 4)).toEqual([255, 0, 0, 255]);
  });

  it('replaces the ghosts with the next preview, removes them on clear and when another place is joined', () => {
    const h = harness();
    const box: WorldAction = { tool: 'create_primitive', shape: 'box', position: [20, 20, 21] };
    h.command({ type: 'preview', actions: [box, box] });
    h.command({ type: 'preview', actions: [box] });
    expect(h.ghosts()).toHaveLength(1);
    h.command({ type: 'preview-clear' });
    expect(h.ghosts()).toHaveLength(0);
    h.command({ type: 'preview', actions: [box] });
    h.command({ type: 'connect', origin: 'http://127.0.0.1:5173', world: 'harbour', kind: 'fv' });
    h.step();
    expect(h.ghosts()).toHaveLength(0);
    expect(h.previews()).toEqual([2, 1, 0, 1, 0]);
  });

  it('refuses a preview that is not a plan at the worker’s door', () => {
    expect(WorldCommand.safeParse({ type: 'preview', actions: [] }).success).toBe(false);
    expect(WorldCommand.safeParse({ type: 'preview', actions: [{ tool: 'launch_rockets' }] }).success).toBe(false);
    const many = Array.from({ length: 33 }, () => ({ tool: 'delete_entity', entity: 1 }));
    expect(WorldCommand.safeParse({ type: 'preview', actions: many }).success).toBe(false);
  });
});
