/**
 * The HUD plugin: a throttled snapshot of what the page shows (connection, place, people, minimap points,
 * performance with the allocation plan and every system's time), read from the ECS through queries.
 */
import type { Plugin, SystemContext } from '../../engine';
import { Avatar, NetId, Shape, Transform } from '../../scene/components';
import { Clock, CurrentPlace, Entities, NetStateChanged, Outbox } from '../keys';
import { EMPTY_WORLD_VIEW, type PersonView, type PlanView, type WorldView } from '../world-snapshot';
import { NetLinkKey } from './net';

export const VIEW_INTERVAL_MS = 250;
const MAP_POINTS = 4000;
const PEOPLE = { all: [Avatar, NetId, Transform] };
const PRIMS = { all: [Shape, Transform] };

export function hudPlugin(options: { plan: PlanView | null; workers: number }): Plugin {
  return {
    name: 'hud',
    after: ['net'],
    build(app) {
      const clock = app.resource(Clock);
      const states = app.reader(NetStateChanged);
      let view: WorldView = EMPTY_WORLD_VIEW;
      let lastView = Number.NEGATIVE_INFINITY;
      let traffic: { at: number; bytesIn: number; bytesOut: number } | null = null;
      let rates = { inKB: 0, outKB: 0 };
      app.addSystem({
        name: 'hud-snapshot',
        phase: 'postUpdate',
        reads: [Transform, Avatar, NetId, Shape],
        run: (ctx: SystemContext) => {
          const now = clock.now();
          let force = false;
          for (const { state, detail } of states.read()) {
            const connection =
              state === 'open'
                ? ({ state: 'in-world' } as const)
                : state === 'connecting'
                  ? ({ state: 'connecting' } as const)
                  : state === 'reconnecting'
                    ? ({ state: 'reconnecting', reason: detail ?? 'the connection dropped', attempt: 1 } as const)
                    : ({ state: 'failed', reason: detail ?? 'the connection closed' } as const);
            view = { ...view, connection };
            force = true;
          }
          if (!force && now - lastView < VIEW_INTERVAL_MS) return;
          lastView = now;
          const conn = app.resource(NetLinkKey).conn;
          if (conn) {
            const t = conn.traffic;
            if (traffic && now > traffic.at) {
              const seconds = (now - traffic.at) / 1000;
              rates = {
                inKB: (t.bytesIn - traffic.bytesIn) / 1024 / seconds,
                outKB: (t.bytesOut - traffic.bytesOut) / 1024 / seconds,
              };
            }
            traffic = { at: now, bytesIn: t.bytesIn, bytesOut: t.bytesOut };
          }
          const world = ctx.world;
          const index = app.resource(Entities);
          const place = app.resource(CurrentPlace);
          const position = world.column(Transform, 'position');
          const netIds = world.column(NetId, 'id');
          const people: PersonView[] = [];
          let maxX = 256;
          let maxY = 256;
          for (const i of world.query(PEOPLE).entities()) {
            const id = netIds[i] ?? 0;
            const p: [number, number, number] = [position[i * 3] ?? 0, position[i * 3 + 1] ?? 0, position[i * 3 + 2] ?? 0];
            people.push({ id, name: index.names.get(id) || 'Someone', position: p, self: id === index.selfNetId });
          }
          const mapPoints: number[] = [];
          for (const i of world.query(PRIMS).entities()) {
            const x = position[i * 3] ?? 0;
            const y = position[i * 3 + 1] ?? 0;
            maxX = Math.max(maxX, x);
            maxY = Math.max(maxY, y);
            if (mapPoints.length < MAP_POINTS * 2) mapPoints.push(x, y);
          }
          for (const p of people) {
            maxX = Math.max(maxX, p.position[0]);
            maxY = Math.max(maxY, p.position[1]);
          }
          // An OpenSim region told us its size at login; a Finalverse world's map grows with its content.
          const size: [number, number] =
            place.kind === 'os' ? place.size : [Math.ceil(maxX / 256) * 256, Math.ceil(maxY / 256) * 256];
          const frames = app.frameStats();
          view = {
            ...view,
            world: place.name ? { kind: place.kind, name: place.name, size } : null,
            self: people.find((p) => p.self) ?? null,
            people,
            mapPoints,
            perf: {
              ...view.perf,
              entities: world.size,
              netInKBs: rates.inKB,
              netOutKBs: rates.outKB,
              workers: options.workers,
              worldFrameMsP50: frames.p50Ms,
              systems: app.systems().map((s) => ({
                name: s.system,
                phase: s.phase,
                plugin: s.plugin,
                meanMs: s.meanMs,
                lastMs: s.lastMs,
              })),
              plan: options.plan,
            },
          };
          app.resource(Outbox).post({ type: 'view', view });
        },
      });
    },
  };
}
