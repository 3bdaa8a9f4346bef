import { abortAllDurableObjects } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { AVATAR_HALF_HEIGHT } from '../../shared/physics/constants';
import type { EntityUpdate, OperationResult, ServerMessage } from '../../shared/protocol';
import { join, operate, type TestSocket } from './support';

function expectOp<T extends OperationResult['op']>(r: OperationResult, op: T): Extract<OperationResult, { op: T }> {
  if (r.op !== op) throw new Error(`expected ${op}, got ${JSON.stringify(r)}`);
  return r as Extract<OperationResult, { op: T }>;
}

/** Every update of entity `id` that reaches `s` within `ms`. */
async function watch(s: TestSocket, id: number, ms: number, done?: (u: EntityUpdate) => boolean): Promise<EntityUpdate[]> {
  const seen: EntityUpdate[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    let m: ServerMessage;
    try {
      m = await s.until((x) => x.type === 'delta', Math.max(1, deadline - Date.now()));
    } catch {
      return seen;
    }
    if (m.type !== 'delta') continue;
    for (const e of m.entities)
      if (e.id === id) {
        seen.push(e);
        if (done?.(e)) return seen;
      }
  }
}

describe('WorldRoom physics (the room is the authority)', () => {
  it('a physical box made in the air falls, comes to rest on the ground, is seen falling by others and stays where it landed', async () => {
    const a = await join();
    const b = await join();
    const plan = expectOp(
      await operate(a.s, 1, {
        op: 'prepare',
        actions: [{ tool: 'create_primitive', shape: 'box', position: [90, 120, 45], physical: true, name: 'Falling box' }],
      }),
      'prepare',
    );
    const commit = expectOp(await operate(a.s, 2, { op: 'commit', planId: plan.planId }), 'commit');
    const id = commit.created[0] ?? 0;
    const updates = await watch(b.s, id, 8000, (u) => u.velocity?.every((v) => v === 0) === true && (u.position?.[2] ?? 45) < 40);
    const heights = updates.flatMap((u) => (u.position ? [u.position[2]] : []));
    expect(heights.length).toBeGreaterThan(5);
    expect(heights[0]).toBeGreaterThan(heights[heights.length - 1] ?? 0);
    const rest = heights[heights.length - 1] ?? 0;
    expect(rest).toBeLessThan(32);
    expect(rest).toBeGreaterThan(15);
    // The room stores it once Rapier puts it to sleep (about 2 s after it stops); after that no updates come.
    for (let quiet = 0; quiet < 3; ) quiet = (await watch(b.s, id, 1000)).length === 0 ? quiet + 1 : 0;
    a.s.ws.close(1000);
    b.s.ws.close(1000);
    // Stored when it came to rest: a restarted room has it where it landed.
    await abortAllDurableObjects();
    const c = await join();
    const again = c.snapshot.entities.find((e) => e.id === id);
    expect(again?.physical).toBe(true);
    expect(again?.position[2]).toBeCloseTo(rest, 1);
    c.s.ws.close(1000);
  }, 20_000);

  it('walking into a pillar stops at the pillar instead of passing through it', async () => {
    // Pillar 1 of the plaza: a 1 m cylinder at (150, 128). Start 4 m west of it and walk east for 2.5 s.
    const a = await join('plaza', [146, 128, 30]);
    a.s.send({ type: 'input', seq: 1, move: [1, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    const mine = await watch(a.s, a.welcome.avatar, 2500);
    a.s.send({ type: 'input', seq: 2, move: [0, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    const last = await watch(a.s, a.welcome.avatar, 600);
    const xs = [...mine, ...last].flatMap((u) => (u.position ? [u.position[0]] : []));
    expect(xs.length).toBeGreaterThan(0);
    const furthest = Math.max(...xs);
    expect(furthest).toBeGreaterThan(148.5);
    expect(furthest).toBeLessThan(150 - 0.5 - 0.25);
    a.s.ws.close(1000);
  });

  it('an avatar jumps and lands back on the ground', async () => {
    const a = await join('plaza', [100, 150, 0]);
    const start = a.snapshot.entities.find((e) => e.id === a.welcome.avatar)?.position[2] ?? 0;
    a.s.send({ type: 'input', seq: 1, move: [0, 0, 1], rotation: [0, 0, 0, 1], flags: 0 });
    await new Promise((r) => setTimeout(r, 120));
    a.s.send({ type: 'input', seq: 2, move: [0, 0, 0], rotation: [0, 0, 0, 1], flags: 0 });
    const updates = await watch(a.s, a.welcome.avatar, 2000);
    const zs = updates.flatMap((u) => (u.position ? [u.position[2]] : []));
    expect(Math.max(...zs) - start).toBeGreaterThan(0.2);
    expect(zs[zs.length - 1]).toBeCloseTo(start, 1);
    expect(start).toBeGreaterThan(AVATAR_HALF_HEIGHT);
    a.s.ws.close(1000);
  });
});
