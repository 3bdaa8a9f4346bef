/**
 * The world-map plugin: the page's `teleport` and `map-request` commands go out on the Storm connection as the
 * protocol's `teleport` and `map_request` frames, and the edge's `map` frames come back to the page as `map` events.
 * The net plugin's applier has no use for `map` frames, so they are taken from the connection's messages on their
 * way in (`tapMapFrames` wraps the connection factory; frames of a replaced connection are dropped).
 */
import { type MapReply, mapRequestProblem } from '../../../shared/protocol';
import { defineResource, type Plugin } from '../../engine';
import { type ConnectionOptions, createStormConnection, type StormConnection } from '../../net/storm-connection';
import { Commands, Outbox } from '../keys';
import { NetLinkKey } from './net';

/** `map` frames received since the plugin's last run, with the connection each came on. */
export interface MapFrames {
  readonly frames: { conn: StormConnection; reply: MapReply }[];
}

/** Most map frames held between two frames of the App (more are dropped: a misbehaving edge cannot grow this). */
export const MAX_HELD_MAP_FRAMES = 64;

export const MapFramesKey = defineResource<MapFrames>('world-map/frames');

/** Wraps a connection factory so that its `map` frames also land in `held` (the net plugin still gets every frame). */
export function tapMapFrames(
  held: MapFrames,
  create: (options: ConnectionOptions) => StormConnection = createStormConnection,
): (options: ConnectionOptions) => StormConnection {
  return (options) => {
    let conn: StormConnection | null = null;
    conn = create({
      ...options,
      onMessage: (msg) => {
        if (msg.type === 'map' && conn && held.frames.length < MAX_HELD_MAP_FRAMES) held.frames.push({ conn, reply: msg });
        options.onMessage?.(msg);
      },
    });
    return conn;
  };
}

/** The world-map plugin (see the module comment); `held` is what `tapMapFrames` fills. */
export function worldMapPlugin(held: MapFrames): Plugin {
  return {
    name: 'world-map',
    after: ['net'],
    build(app) {
      app.insertResource(MapFramesKey, held);
      const commands = app.reader(Commands);
      app.addSystem({
        name: 'world-map',
        phase: 'update',
        run: () => {
          const outbox = app.resource(Outbox);
          const conn = app.resource(NetLinkKey).conn;
          for (const c of commands.read()) {
            if (c.type !== 'teleport' && c.type !== 'map-request') continue;
            if (c.type === 'map-request' && c.name === '') {
              const problem = mapRequestProblem(c);
              if (problem) {
                outbox.post({ type: 'error', code: 'world_bad_command', message: `world: map request refused: ${problem}` });
                continue;
              }
            }
            const sent =
              c.type === 'teleport' ? conn?.send(c) : conn?.send({ type: 'map_request', min: c.min, max: c.max, name: c.name });
            if (!sent)
              outbox.post({
                type: 'error',
                code: 'net_disconnected',
                message: `net: not connected; the ${c.type === 'teleport' ? 'teleport' : 'map request'} was not sent`,
              });
          }
          for (const f of held.frames.splice(0)) {
            if (f.conn === conn) outbox.post({ type: 'map', regions: f.reply.regions });
          }
        },
      });
    },
  };
}
