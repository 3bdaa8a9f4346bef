import { describe, expect, it } from 'vitest';
import { WORLD_TOOLS, WorldOperation } from '../../../../shared/protocol';

describe('World Tool Protocol v1 schemas', () => {
  it('lists the eleven v1 tools', () => {
    expect(WORLD_TOOLS).toEqual([
      'move_entity',
      'rotate_entity',
      'scale_entity',
      'set_name',
      'set_description',
      'set_color',
      'create_primitive',
      'create_model',
      'clone_entity',
      'delete_entity',
      'create_structure',
    ]);
  });

  it('bounds inspect to 64 m and 64 entities', () => {
    expect(WorldOperation.safeParse({ op: 'inspect', center: [0, 0, 0], radius: 64, limit: 64 }).success).toBe(true);
    expect(WorldOperation.safeParse({ op: 'inspect', center: [0, 0, 0], radius: 64.5 }).success).toBe(false);
    expect(WorldOperation.safeParse({ op: 'inspect', center: [0, 0, 0], radius: 10, limit: 65 }).success).toBe(false);
  });

  it('refuses unknown tools, client-chosen ids on create, and empty plans', () => {
    expect(WorldOperation.safeParse({ op: 'prepare', actions: [{ tool: 'teleport_everyone' }] }).success).toBe(false);
    expect(WorldOperation.safeParse({ op: 'prepare', actions: [] }).success).toBe(false);
    const created = WorldOperation.parse({
      op: 'prepare',
      actions: [{ tool: 'create_primitive', shape: 'box', position: [1, 2, 3], id: 99 }],
    });
    expect(JSON.stringify(created)).not.toContain('99');
  });
});
