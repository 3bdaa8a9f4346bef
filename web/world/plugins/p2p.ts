/**
 * The p2p plugin: the world worker's side of peer-to-peer motion. It passes the visitor's opt-in to the room,
 * hands the room's peers frame to the page (whose peer transport, web/net/peer-transport.ts, holds the WebRTC
 * connections: workers have none), draws the motion peers send (shown first; web/world/peer-motions.ts
 * reconciles it with the room's), and posts your own avatar's motion for your peers every frame it moves, and
 * in the very frame your input changes where you go (with the velocity that input asks for: physics starts
 * moving you only at the next fixed step, and your peers should not wait for it).
 */
import { velocityFor } from '../../../shared/physics/intent';
import type { PeerMotion, Vec3 } from '../../../shared/protocol';
import type { Plugin } from '../../engine';
import { Avatar, Motion, Transform } from '../../scene/components';
import { Clock, Commands, CurrentPlace, Entities, Outbox, PeerMotionsKey, PeersReceived, selfEntity, WorldReset } from '../keys';
import { acceptPeerMotion, createPeerMotions, probeArrival, staleRoomReports } from '../peer-motions';
import { NetLinkKey } from './net';
import { intentOf, PhysicsKey } from './physics';

/** Standing still, your motion still goes to peers this often (ms), so a lost frame heals. */
export const STILL_SEND_MS = 250;
/** The counters go to the page this often (ms). */
const STATS_MS = 500;

export function p2pPlugin(): Plugin {
  return {
    name: 'p2p',
    after: ['net'],
    build(app) {
      if (!app.hasResource(PeerMotionsKey)) app.insertResource(PeerMotionsKey, createPeerMotions());
      const peers = app.resource(PeerMotionsKey);
      const commands = app.reader(Commands);
      const heard = app.reader(PeersReceived);
      const resets = app.reader(WorldReset);
      const clock = app.resource(Clock);
      /**
       * Sets slot `i`'s dead-reckoning anchor to `to` moving at `velocity` from `now`, blended in from where the avatar
       * is drawn now (columns hold the full capacity, so views taken here stay valid).
       */
      const blendTo = (i: number, to: ArrayLike<number>, velocity: ArrayLike<number>, now: number): void => {
        const world = app.world;
        const position = world.column(Transform, 'position');
        const anchor = world.column(Motion, 'anchor');
        const from = world.column(Motion, 'from');
        const v = world.column(Motion, 'velocity');
        for (let k = 0; k < 3; k++) {
          from[i * 3 + k] = position[i * 3 + k] ?? 0;
          anchor[i * 3 + k] = to[k] ?? 0;
          v[i * 3 + k] = velocity[k] ?? 0;
        }
        world.column(Motion, 'at')[i] = now;
      };
      let on = false;
      let linked = 0;
      let seq = 0;
      let last: { at: number; position: Vec3 } | null = null;
      let lastSent = Number.NEGATIVE_INFINITY;
      let lastSentPosition: Vec3 | null = null;
      let lastStats = Number.NEGATIVE_INFINITY;
      const inputs = app.reader(Commands);
      /** The velocity your latest input asks for (null until an input came). */
      let intended: Vec3 | null = null;

      app.addSystem({
        name: 'p2p-receive',
        phase: 'update',
        reads: [Avatar],
        writes: [Transform, Motion],
        run: (ctx) => {
          const world = ctx.world;
          const outbox = app.resource(Outbox);
          const conn = app.resource(NetLinkKey).conn;
          if (resets.read().length > 0) linked = 0;
          for (const c of commands.read()) {
            if (c.type === 'p2p') {
              on = c.on;
              conn?.setP2p(on);
              continue;
            }
            if (c.type === 'p2p-probe') {
              peers.probe = { entity: c.entity, peerAt: 0, roomAt: 0, peerSentAt: 0 };
              continue;
            }
            if (c.type !== 'peer-motion') continue;
            probeArrival(peers, c.entity, c.motion.velocity, 'peer', c.motion.sentAt);
            const index = app.resource(Entities);
            const e = index.byNet.get(c.entity);
            if (c.entity === index.selfNetId || e === undefined || !world.isAlive(e) || !world.has(e, Avatar)) {
              peers.ignored++;
              continue;
            }
            const now = clock.now();
            const m = c.motion;
            if (!acceptPeerMotion(peers, c.entity, m.position, m.velocity, now)) continue;
            // Drawn at once, as a dead-reckoning anchor blended in from where the avatar is drawn now.
            const i = world.indexOf(e);
            blendTo(i, m.position, m.velocity, now);
            const rotation = world.column(Transform, 'rotation');
            for (let k = 0; k < 4; k++) rotation[i * 4 + k] = m.rotation[k] ?? 0;
            const changed = world.views[world.component(Transform).changedColumn] as Uint32Array;
            changed[i] = ctx.tick;
          }
          // A peer that fell silent: its avatar goes where the room last said (a report left out meanwhile).
          for (const r of staleRoomReports(peers, clock.now())) {
            const e = app.resource(Entities).byNet.get(r.id);
            if (e === undefined || !world.isAlive(e)) continue;
            const i = world.indexOf(e);
            const position = world.column(Transform, 'position');
            const velocity = world.column(Motion, 'velocity');
            const now = clock.now();
            const s = (now - r.at) / 1000;
            const v = [0, 1, 2].map((k) => r.velocity?.[k] ?? velocity[i * 3 + k] ?? 0);
            const to = [0, 1, 2].map((k) => (r.position ? (r.position[k] ?? 0) + (v[k] ?? 0) * s : (position[i * 3 + k] ?? 0)));
            blendTo(i, to, v, now);
          }
          for (const p of heard.read()) {
            linked = p.peers.length;
            const token = conn?.token ?? null;
            const place = app.hasResource(CurrentPlace) ? app.resource(CurrentPlace) : null;
            if (token === null || place === null) continue;
            outbox.post({ type: 'peers', world: place.name, token, self: p.self, peers: p.peers });
          }
        },
      });

      app.addSystem({
        name: 'p2p-send',
        phase: 'postUpdate',
        reads: [Transform],
        run: (ctx) => {
          const world = ctx.world;
          const now = clock.now();
          const outbox = app.resource(Outbox);
          // A changed input: its velocity goes to your peers in this frame (only while physics predicts you, so
          // peers never see you start before you do).
          let changed: Vec3 | null = null;
          const physics = app.hasResource(PhysicsKey) ? app.resource(PhysicsKey) : null;
          for (const c of inputs.read()) {
            if (c.type !== 'input') continue;
            const intent = intentOf(c.move, c.yaw, c.run, c.fly);
            const v = velocityFor(intent.move, intent.rotation, intent.flags, physics?.pace ?? 1);
            const differs = intended === null || v.some((x, k) => Math.abs(x - (intended?.[k] ?? 0)) > 1e-3);
            intended = v;
            if (differs && physics?.predicted) changed = v;
          }
          // Counters while p2p is on, or a latency probe is armed (the bench compares the room's traffic with p2p off).
          if ((on || peers.probe !== null) && now - lastStats >= STATS_MS) {
            lastStats = now;
            const { applied, roomSkipped, corrections, ignored } = peers;
            const traffic = app.resource(NetLinkKey).conn?.traffic;
            outbox.post({
              type: 'p2p-stats',
              stats: {
                applied,
                roomSkipped,
                corrections,
                ignored,
                ...(peers.probe ? { probe: { ...peers.probe } } : {}),
                room: { frames: traffic?.framesIn ?? 0, bytes: traffic?.bytesIn ?? 0 },
              },
            });
          }
          const self = selfEntity(world, app.resource(Entities));
          if (!on || linked === 0 || self === undefined) {
            last = null;
            return;
          }
          const i = world.indexOf(self);
          const p = world.column(Transform, 'position');
          const r = world.column(Transform, 'rotation');
          const position: Vec3 = [p[i * 3] ?? 0, p[i * 3 + 1] ?? 0, p[i * 3 + 2] ?? 0];
          // Your avatar's velocity from its drawn path (the physics plugin predicts it every frame).
          const dt = last ? (now - last.at) / 1000 : 0;
          const v: Vec3 =
            last && dt > 0
              ? [
                  (position[0] - last.position[0]) / dt,
                  (position[1] - last.position[1]) / dt,
                  (position[2] - last.position[2]) / dt,
                ]
              : [0, 0, 0];
          last = { at: now, position };
          const moved = lastSentPosition === null || position.some((x, k) => Math.abs(x - (lastSentPosition?.[k] ?? 0)) > 1e-4);
          if (!moved && changed === null && now - lastSent < STILL_SEND_MS) return;
          lastSent = now;
          lastSentPosition = position;
          seq = (seq + 1) >>> 0;
          const rotation: PeerMotion['rotation'] = [r[i * 4] ?? 0, r[i * 4 + 1] ?? 0, r[i * 4 + 2] ?? 0, r[i * 4 + 3] ?? 1];
          const len = Math.hypot(...rotation) || 1;
          const clamp = (x: number) => Math.max(-200, Math.min(200, x));
          outbox.post({
            type: 'self-motion',
            motion: {
              seq,
              sentAt: Date.now(),
              position,
              velocity: changed ?? (moved ? [clamp(v[0]), clamp(v[1]), clamp(v[2])] : [0, 0, 0]),
              rotation: [rotation[0] / len, rotation[1] / len, rotation[2] / len, rotation[3] / len],
            },
          });
        },
      });
    },
  };
}
