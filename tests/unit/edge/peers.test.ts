import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PeerCandidate, planPeers } from '../../../edge/world/peers';
import { MAX_P2P_PEERS, type Vec3 } from '../../../shared/protocol';

const peer = (n: number) => `p${n.toString(16).padStart(32, '0')}`;
const at = (entity: number, position: Vec3): PeerCandidate => ({ entity, peer: peer(entity), position });

describe('peer plan (who may connect to whom)', () => {
  it('gives each visitor the opted-in visitors near it, nearest first, and nobody beyond the radius', () => {
    const plan = planPeers([at(1, [0, 0, 0]), at(2, [5, 0, 0]), at(3, [2, 0, 0]), at(4, [200, 0, 0])]);
    expect(plan.get(1)?.map((l) => l.entity)).toEqual([3, 2]);
    expect(plan.get(2)?.map((l) => l.entity)).toEqual([3, 1]);
    expect(plan.get(4)).toEqual([]);
    expect(plan.get(1)?.[0]).toEqual({ entity: 3, peer: peer(3) });
  });

  it('stops at the nearest few in a crowd, and never lists more than MAX_P2P_PEERS', () => {
    const crowd = Array.from({ length: 30 }, (_, i) => at(i + 1, [i * 0.5, 0, 0]));
    const plan = planPeers(crowd);
    for (const links of plan.values()) expect(links.length).toBeLessThanOrEqual(MAX_P2P_PEERS);
    expect(plan.get(1)?.map((l) => l.entity)).toEqual([2, 3, 4, 5]);
  });

  it('makes pairs mutual while under the cap, and never lists a visitor to itself', () => {
    const point = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.constant(20));
    fc.assert(
      fc.property(fc.array(point, { maxLength: 14 }), (points) => {
        const cands = points.map((p, i) => at(i + 1, p as Vec3));
        const plan = planPeers(cands);
        for (const [a, links] of plan) {
          expect(links.some((l) => l.entity === a)).toBe(false);
          expect(new Set(links.map((l) => l.entity)).size).toBe(links.length);
          for (const l of links) {
            const back = plan.get(l.entity) ?? [];
            // Mutual unless the other side was full with nearer peers.
            if (back.length < MAX_P2P_PEERS) expect(back.some((x) => x.entity === a)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
