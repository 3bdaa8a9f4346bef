/**
 * The HUD plugin: a throttled snapshot of what the page shows (connection, place, people, hover texts near you,
 * minimap points, performance with the allocation plan and every system's time), read from the ECS through queries.
 */
import type { Plugin, SystemContext, World } from '../../engine';
import { Avatar, Ghost, NetId, Shape, Transform } from '../../scene/components';
import { Clock, CurrentPlace, Entities, type NetIndex, NetStateChanged, Outbox, selfEntity } from '../keys';
import { EMPTY_WORLD_VIEW, type HoverTextView, type PersonView, type PlanView, type WorldView } from '../world-snapshot';
import { NetLinkKey } from './net';

export const VIEW_INTERVAL_MS = 250;
const MAP_POINTS = 4000;
const PEOPLE = { all: [Avatar, NetId, Transform] };
/** The prims you see: the world's and local ones (a plugin's, a host page's), not a build preview's ghosts. */
const PRIMS = { all: [Shape, Transform], none: [Ghost] };
/** Hover texts are shown within this many metres of your avatar (SL's own range is about as far)… */
export const HOVER_TEXT_RANGE = 64;
/** …the nearest this many of them… */
export const HOVER_TEXT_MAX = 64;
/** …this far above the object's top (half its height above its centre). */
export const HOVER_TEXT_LIFT = 0.3;

/**
 * The hover texts near your avatar, nearest first: each placed just above its object (its centre plus half its
 * height plus a lift). Fully transparent texts are invisible in SL, so they are left out; none without your avatar.
 */
export function nearbyHoverTexts(world: World, index: NetIndex): HoverTextView[] {
  if (index.texts.size === 0) return [];
  const self = selfEntity(world, index);
  if (self === undefined || !world.has(self, Transform)) return [];
  const position = world.column(Transform, 'position');
  const scale = world.column(Transform, 'scale');
  const s = world.indexOf(self);
  const sx = position[s * 3] ?? 0;
  const sy = position[s * 3 + 1] ?? 0;
  const sz = position[s * 3 + 2] ?? 0;
  const near: { d2: number; view: HoverTextView }[] = [];
  for (const [id, { text, color }] of index.texts) {
    if (color[3] <= 0) continue;
    const e = index.byNet.get(id);
    if (e === undefined || !world.isAlive(e) || !world.has(e, Transform)) continue;
    const i = world.indexOf(e);
    const x = position[i * 3] ?? 0;
    const y = position[i * 3 + 1] ?? 0;
    const z = position[i * 3 + 2] ?? 0;
    const d2 = (x - sx) ** 2 + (y - sy) ** 2 + (z - sz) ** 2;
    if (d2 > HOVER_TEXT_RANGE * HOVER_TEXT_RANGE) continue;
    const top = z + (scale[i * 3 + 2] ?? 0) / 2 + HOVER_TEXT_LIFT;
    near.push({ d2, view: { id, text, color: [color[0], color[1], color[2], color[3]], position: [x, y, top] } });
  }
  near.sort((a, b) => a.d2 - b.d2);
  return near.slice(0, HOVER_TEXT_MAX).map((n) => n.view);
}

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
        reads: [Transform, Avatar, NetId, Shape, Ghost],
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
            world: place.name
              ? { kind: place.kind, name: place.name, size, origin: place.origin, regions: place.regions ?? [] }
              : null,
            permissions: place.permissions ?? 0,
            self: people.find((p) => p.self) ?? null,
            people,
            hoverTexts: nearbyHoverTexts(world, index),
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
