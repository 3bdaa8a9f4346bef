/**
 * Which visitors may open peer-to-peer DataChannels to each other: each opted-in visitor's nearest few
 * opted-in visitors within P2P_RADIUS, made mutual (if A may connect to B, B hears of A too), at most
 * MAX_P2P_PEERS each, nearest first. Pure, so the WorldRoom and the tests run the same plan.
 */
import { MAX_P2P_PEERS, type PeerLink, type Vec3 } from '../../shared/protocol';

/** How near (metres) another visitor must stand to be a peer: motion beyond this is not felt as latency. */
export const P2P_RADIUS = 48;
/** How many nearest visitors each visitor picks before the lists are made mutual. */
export const P2P_NEAREST = 4;

/** An opted-in visitor as the plan sees it. */
export interface PeerCandidate {
  entity: number;
  peer: string;
  position: Vec3;
}

const dist2 = (a: Vec3, b: Vec3): number => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;

/** For each candidate (by entity), the peers it may connect to, nearest first. O(n²): rooms hold few opted-in visitors near each other. */
export function planPeers(
  candidates: readonly PeerCandidate[],
  radius = P2P_RADIUS,
  nearest = P2P_NEAREST,
  max = MAX_P2P_PEERS,
): Map<number, PeerLink[]> {
  const r2 = radius * radius;
  const chosen = new Map<number, Set<number>>();
  for (const c of candidates) chosen.set(c.entity, new Set());
  for (const a of candidates) {
    const near = candidates
      .filter((b) => b !== a && dist2(a.position, b.position) <= r2)
      .sort((x, y) => dist2(a.position, x.position) - dist2(a.position, y.position) || x.entity - y.entity)
      .slice(0, nearest);
    for (const b of near) {
      chosen.get(a.entity)?.add(b.entity);
      chosen.get(b.entity)?.add(a.entity);
    }
  }
  const byEntity = new Map(candidates.map((c) => [c.entity, c]));
  const out = new Map<number, PeerLink[]>();
  for (const a of candidates) {
    const links = [...(chosen.get(a.entity) ?? [])]
      .map((id) => byEntity.get(id))
      .filter((b): b is PeerCandidate => b !== undefined)
      .sort((x, y) => dist2(a.position, x.position) - dist2(a.position, y.position) || x.entity - y.entity)
      .slice(0, max)
      .map((b) => ({ entity: b.entity, peer: b.peer }));
    out.set(a.entity, links);
  }
  return out;
}
