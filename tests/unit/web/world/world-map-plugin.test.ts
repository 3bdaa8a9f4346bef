/** The world-map plugin: teleport and map-request commands out on the Storm connection, map frames back as events. */
import { describe, expect, it } from 'vitest';
import type { ClientMessage, MapRegion, ServerMessage } from '../../../../shared/protocol';
import type { ConnectionOptions } from '../../../../web/net/storm-connection';
import { Commands } from '../../../../web/world/keys';
import { createWorldApp } from '../../../../web/world/world-app';
import { WorldCommand, type WorldEvent } from '../../../../web/world/world-protocol';
import { fakeConnection } from '../../../support/fake-connection';

const TILE = 'e063a9c1-4c4a-4924-8121-e5b5993b8c3d';
const region = (name: string, x: number, y: number): MapRegion => ({
  name,
  x,
  y,
  size: [256, 256],
  access: 13,
  image: TILE,
  agents: 0,
});

function harness(connected = true) {
  let t = 1000;
  const posts: WorldEvent[] = [];
  const sent: ClientMessage[] = [];
  const options: ConnectionOptions[] = [];
  const world = createWorldApp({
    post: (e) => posts.push(e),
    now: () => t,
    hardwareConcurrency: 4,
    workers: 2,
    connect: (o) => {
      options.push(o);
      return fakeConnection({
        send: (m) => {
          if (!connected) return false;
          sent.push(m);
          return true;
        },
      });
    },
  });
  const step = () => {
    t += 16;
    world.frame(0.016);
  };
  const command = (c: unknown) => {
    world.app.send(Commands, WorldCommand.parse(c));
    step();
  };
  const deliver = (msg: ServerMessage, connection = options.length - 1) => {
    options[connection]?.onMessage?.(msg);
    step();
  };
  command({ type: 'connect', origin: 'http://127.0.0.1:5173', world: 'plaza', kind: 'fv' });
  return { posts, sent, command, deliver };
}

describe('world-map plugin', () => {
  it('sends a teleport and a map request as the Storm frames', () => {
    const h = harness();
    h.command({ type: 'teleport', region: 'StormEast', position: [128, 64, 0] });
    h.command({ type: 'map-request', min: [997, 997], max: [1003, 1003], name: '' });
    h.command({ type: 'map-request', min: [0, 0], max: [0, 0], name: 'storm' });
    expect(h.sent).toEqual([
      { type: 'teleport', region: 'StormEast', position: [128, 64, 0] },
      { type: 'map_request', min: [997, 997], max: [1003, 1003], name: '' },
      { type: 'map_request', min: [0, 0], max: [0, 0], name: 'storm' },
    ]);
  });

  it('posts each map frame of the current connection as a map event, and drops a replaced connection’s', () => {
    const h = harness();
    h.deliver({ type: 'map', regions: [region('StormTest', 1000, 1000)] });
    expect(h.posts.filter((e) => e.type === 'map')).toEqual([{ type: 'map', regions: [region('StormTest', 1000, 1000)] }]);
    h.command({ type: 'connect', origin: 'http://127.0.0.1:5173', world: 'plaza', kind: 'fv' });
    h.deliver({ type: 'map', regions: [region('Old', 1, 1)] }, 0);
    expect(h.posts.filter((e) => e.type === 'map')).toHaveLength(1);
  });

  it('refuses a rectangle wider than the protocol allows, and says when nothing is connected', () => {
    const h = harness(false);
    h.command({ type: 'map-request', min: [0, 0], max: [64, 0], name: '' });
    h.command({ type: 'teleport', region: '', position: [10, 10, 0] });
    expect(h.posts.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.code : ''))).toEqual([
      'world_bad_command',
      'net_disconnected',
    ]);
    expect(h.sent).toEqual([]);
  });

  it('rejects malformed commands at the door', () => {
    expect(WorldCommand.safeParse({ type: 'teleport', region: 'x'.repeat(65), position: [0, 0, 0] }).success).toBe(false);
    expect(WorldCommand.safeParse({ type: 'map-request', min: [-1, 0], max: [0, 0], name: '' }).success).toBe(false);
  });
});
