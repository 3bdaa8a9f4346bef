/**
 * The world-map plugin: the page's `teleport` and `map-request` commands go out on the Storm connection as the
 * protocol's `teleport` and `map_request` frames, and the edge's `map` frames (the net plugin's MapReceived events)
 * come back to the page as `map` events.
 */
import { mapRequestProblem } from '../../../shared/protocol';
import type { Plugin } from '../../engine';
import { Commands, MapReceived, Outbox } from '../keys';
import { NetLinkKey } from './net';

/** The world-map plugin (see the module comment). */
export function worldMapPlugin(): Plugin {
  return {
    name: 'world-map',
    after: ['net'],
    build(app) {
      const commands = app.reader(Commands);
      const maps = app.reader(MapReceived);
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
          for (const m of maps.read()) outbox.post({ type: 'map', regions: m.regions });
        },
      });
    },
  };
}
