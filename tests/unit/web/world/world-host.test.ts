import { describe, expect, it } from 'vitest';
import { type Entity, SHAPE_PRESETS } from '../../../../shared/protocol';
import type { NetCommand } from '../../../../web/net/net-worker-runtime';
import { type WorldEvent, WorldHost } from '../../../../web/world/world-host';

const prim = (id: number): Entity => ({
  id,
  kind: 'prim',
  parent: 0,
  name: `p${id}`,
  description: '',
  position: [10, 10, 20],
  rotation: [0, 0, 0, 1],
  scale: [1, 1, 1],
  velocity: [0, 0, 0],
  shape: SHAPE_PRESETS.box,
  colors: [[255, 0, 0, 255]],
});

describe('the world worker host', () => {
  it('starts every new connection from an empty world (a restarted region gives its objects new ids)', () => {
    const sent: NetCommand[] = [];
    const events: WorldEvent[] = [];
    const host = new WorldHost({ post: (e) => events.push(e), net: (c) => sent.push(c), now: () => 0, workers: 1 });
    host.handle({
      type: 'connect-grid',
      origin: 'http://127.0.0.1:5173',
      socket: `/ws/grid/g-${'a'.repeat(24)}`,
      token: 't',
      region: 'R',
      size: [256, 256],
    });
    host.onNet({ type: 'entities', tick: 1, upserted: [prim(1), prim(2)], despawned: [] });
    expect(host.world.size).toBe(2);
    host.handle({
      type: 'connect-grid',
      origin: 'http://127.0.0.1:5173',
      socket: `/ws/grid/g-${'b'.repeat(24)}`,
      token: 't',
      region: 'R',
      size: [256, 256],
    });
    expect(host.world.size).toBe(0);
    host.onNet({ type: 'entities', tick: 1, upserted: [prim(7)], despawned: [] });
    expect(host.world.size).toBe(1);
    expect(sent.filter((c) => c.type === 'connect-grid')).toHaveLength(2);
  });
});
