import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEREST, type KnownMover, type Mover, selectMovers } from '../../edge/world/interest';
import type { Vec3 } from '../../shared/protocol';

const mover = (id: number, position: Vec3, velocity: Vec3 = [0, 0, 0]): Mover => ({
  id,
  position,
  velocity,
  rotation: [0, 0, 0, 1],
  full: () => ({ id, kind: 'avatar', position, velocity }),
});

describe('interest management', () => {
  it('sends entities within the radius in full once, and despawns those that leave it', () => {
    const known = new Map<number, KnownMover>();
    const first = selectMovers(
      [0, 0, 0],
      1,
      [mover(1, [0, 0, 0]), mover(2, [50, 0, 0]), mover(3, [500, 0, 0])],
      known,
      0,
      1e9,
      DEFAULT_INTEREST,
    );
    expect(first.updates.map((u) => u.id)).toEqual([1, 2]);
    expect(first.updates[1]).toHaveProperty('kind', 'avatar');
    const second = selectMovers([0, 0, 0], 1, [mover(1, [0, 0, 0]), mover(2, [300, 0, 0])], known, 50, 1e9, DEFAULT_INTEREST);
    expect(second.updates).toEqual([]);
    expect(second.despawn).toEqual([2]);
    const third = selectMovers([0, 0, 0], 1, [mover(2, [300, 0, 0])], known, 100, 1e9, DEFAULT_INTEREST);
    expect(third.despawn).toEqual([1]);
  });

  it('re-sends a mover only when dead reckoning drifts past the threshold', () => {
    const known = new Map<number, KnownMover>();
    selectMovers([0, 0, 0], 9, [mover(2, [10, 0, 0], [2, 0, 0])], known, 0, 1e9, DEFAULT_INTEREST);
    // One second later it is where the client extrapolates it: nothing to send.
    expect(selectMovers([0, 0, 0], 9, [mover(2, [12, 0, 0], [2, 0, 0])], known, 1000, 1e9, DEFAULT_INTEREST).updates).toEqual([]);
    // It stopped short: the client's guess is off by more than the threshold.
    const drift = selectMovers([0, 0, 0], 9, [mover(2, [12.5, 0, 0], [2, 0, 0])], known, 2000, 1e9, DEFAULT_INTEREST);
    expect(drift.updates.map((u) => Object.keys(u).sort())).toEqual([['id', 'position', 'rotation', 'velocity']]);
    // With dead reckoning off, every change goes out.
    const off = { ...DEFAULT_INTEREST, deadReckoning: false };
    expect(selectMovers([0, 0, 0], 9, [mover(2, [12.6, 0, 0], [2, 0, 0])], known, 2100, 1e9, off).updates).toHaveLength(1);
  });

  it('gives nearer movers priority under the byte budget, and always sends your own avatar', () => {
    const known = new Map<number, KnownMover>();
    const movers = [mover(5, [90, 0, 0]), mover(4, [10, 0, 0]), mover(1, [0, 0, 0]), mover(3, [40, 0, 0])];
    const sel = selectMovers([0, 0, 0], 1, movers, known, 0, 200, DEFAULT_INTEREST);
    expect(sel.updates.map((u) => u.id)).toEqual([1, 4]);
    const next = selectMovers([0, 0, 0], 1, movers, known, 50, 200, DEFAULT_INTEREST);
    expect(next.updates.map((u) => u.id)).toEqual([3, 5]);
  });
});
