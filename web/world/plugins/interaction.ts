/**
 * What you do in the world: the input plugin (your movement intent to the server, a change at once and a
 * keep-alive while it holds), the chat plugin (lines out, lines in with ids for the HUD), and the operations
 * plugin (World Tool Protocol actions: the build menu's prepare-then-commit, and the embed API's `operate`).
 */
import type { OperationResult, WorldOperation } from '../../../shared/protocol';
import { defineResource, type Plugin } from '../../engine';
import { NetError } from '../../net/errors';
import { Transform } from '../../scene/components';
import { ChatHeard, Clock, Commands, CurrentPlace, Entities, OperationAnswered, Outbox, selfEntity, WorldReset } from '../keys';
import { NetLinkKey } from './net';

/** An unchanged intent is repeated this often (ms) as a keep-alive. */
export const INPUT_REPEAT_MS = 500;

/** Which way you face (radians; the build menu places things in front of you). */
export const Facing = defineResource<{ yaw: number }>('input/facing');

export function inputPlugin(): Plugin {
  return {
    name: 'input',
    after: ['net'],
    build(app) {
      const facing = { yaw: Math.PI / 2 };
      app.insertResource(Facing, facing);
      const commands = app.reader(Commands);
      const clock = app.resource(Clock);
      let lastKey = '';
      let lastSent = Number.NEGATIVE_INFINITY;
      app.addSystem({
        name: 'input',
        phase: 'update',
        run: () => {
          for (const c of commands.read()) {
            if (c.type !== 'input') continue;
            facing.yaw = c.yaw;
            const now = clock.now();
            const key = `${c.move.join(',')}|${c.run}|${c.fly}|${c.yaw.toFixed(2)}`;
            if (key === lastKey && now - lastSent < INPUT_REPEAT_MS) continue;
            lastKey = key;
            lastSent = now;
            const half = c.yaw / 2;
            const flags = (c.run ? 1 : 0) | (c.fly ? 4 : 0);
            // The UI says forward/right/up; the protocol's second axis is "left".
            const [forward, right, up] = c.move;
            app.resource(NetLinkKey).conn?.sendInput([forward, -right, up], [0, 0, Math.sin(half), Math.cos(half)], flags);
          }
        },
      });
    },
  };
}

export function chatPlugin(): Plugin {
  return {
    name: 'chat',
    after: ['net'],
    build(app) {
      const commands = app.reader(Commands);
      const heard = app.reader(ChatHeard);
      let nextId = 0;
      app.addSystem({
        name: 'chat',
        phase: 'update',
        run: () => {
          for (const c of commands.read()) if (c.type === 'chat') app.resource(NetLinkKey).conn?.chat(c.text);
          const outbox = app.resource(Outbox);
          for (const line of heard.read())
            outbox.post({ type: 'chat', line: { id: ++nextId, from: line.name, text: line.text, at: line.time } });
        },
      });
    },
  };
}

type Stage = 'prepare' | 'commit' | { asked: number };

export function operationsPlugin(): Plugin {
  return {
    name: 'operations',
    after: ['net', 'input'],
    build(app) {
      app.addEvent(OperationAnswered);
      const commands = app.reader(Commands);
      const answers = app.reader(OperationAnswered);
      const resets = app.reader(WorldReset);
      const inFlight = new Map<number, Stage>();
      let nextId = 1;
      const operate = (stage: Stage, body: WorldOperation): void => {
        const id = nextId++;
        inFlight.set(id, stage);
        const conn = app.resource(NetLinkKey).conn;
        const answer = (result: OperationResult) => app.send(OperationAnswered, { id, result });
        if (!conn) {
          answer({ op: 'failed', code: 'net_closed', message: 'net: not connected; connect first' });
          return;
        }
        conn.operate(body).then(answer, (err: unknown) =>
          answer({
            op: 'failed',
            code: err instanceof NetError ? err.code : 'net_disconnected',
            message: err instanceof Error ? err.message : 'net: the action failed',
          }),
        );
      };
      app.addSystem({
        name: 'operations',
        phase: 'update',
        run: () => {
          const outbox = app.resource(Outbox);
          if (resets.read().length > 0) {
            // Operations in flight belonged to the old connection: an `operate` hears that it failed.
            for (const stage of inFlight.values())
              if (typeof stage === 'object')
                outbox.post({
                  type: 'operated',
                  id: stage.asked,
                  result: {
                    op: 'failed',
                    code: 'net_closed',
                    message: 'world: the connection changed before the action was answered',
                  },
                });
            inFlight.clear();
          }
          for (const c of commands.read()) {
            if (c.type === 'operate') operate({ asked: c.id }, c.body);
            else if (c.type === 'build') build(c.shape);
            else if (c.type === 'session-token') {
              const place = app.hasResource(CurrentPlace) ? app.resource(CurrentPlace) : null;
              const token = place?.kind === 'fv' ? (app.resource(NetLinkKey).conn?.token ?? null) : null;
              outbox.post({ type: 'session-token', id: c.id, world: token ? (place?.name ?? null) : null, token });
            }
          }
          for (const { id, result } of answers.read()) {
            const stage = inFlight.get(id);
            if (stage === undefined) continue;
            inFlight.delete(id);
            if (typeof stage === 'object') outbox.post({ type: 'operated', id: stage.asked, result });
            else if (stage === 'prepare' && result.op === 'prepare') operate('commit', { op: 'commit', planId: result.planId });
            else if (stage === 'commit' && result.op === 'commit') outbox.post({ type: 'built', created: result.created });
            else if (result.op === 'failed') outbox.post({ type: 'error', code: result.code, message: result.message });
          }
        },
      });
      /** Prepares a primitive 3 m in front of you (a little up), then commits the plan when it comes back. */
      const build = (shape: 'box' | 'sphere'): void => {
        const world = app.world;
        const self = selfEntity(world, app.resource(Entities));
        if (self === undefined) {
          app
            .resource(Outbox)
            .post({ type: 'error', code: 'world_not_joined', message: 'world: you can build once you stand in the world' });
          return;
        }
        const p = world.get(self, Transform).position;
        const yaw = app.resource(Facing).yaw;
        const position: [number, number, number] = [
          (p[0] ?? 0) + Math.cos(yaw) * 3,
          (p[1] ?? 0) + Math.sin(yaw) * 3,
          (p[2] ?? 0) + 0.2,
        ];
        operate('prepare', {
          op: 'prepare',
          actions: [{ tool: 'create_primitive', shape, position, scale: [1, 1, 1], color: [230, 120, 40, 255] }],
        });
      };
    },
  };
}
