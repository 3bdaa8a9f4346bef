/** `visit`'s pure parts (no edge, no region): options, targets, shape names, the terrain encoding, percentiles. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHAPE_PRESETS, type TerrainPatch } from '../../shared/protocol';
import { parseTeleport, parseVisitArgs, parseWalk, resolveTarget, VisitUsageError } from '../../web/visit/options';
import { decodeHeights, percentile, shapeName, terrainReport } from '../../web/visit/report';
import { createWalk, JUMP_MS } from '../../web/visit/walk';
import { TerrainStore } from '../../web/world/plugins/terrain';

describe('visit options and targets', () => {
  it('refuses --p2p with a message that says why visit cannot take part', () => {
    expect(() => parseVisitArgs(['/#/fv/plaza', '--p2p'], {})).toThrow(VisitUsageError);
    expect(() => parseVisitArgs(['/#/fv/plaza', '--p2p'], {})).toThrow(/--p2p cannot take part yet: .*WebRTC/);
    expect(() => parseVisitArgs(['/#/fv/plaza', '--p2p=1'], {})).toThrow(/takes no value/);
  });

  it('reads options and falls back to the OPENSIM_* environment', () => {
    const o = parseVisitArgs(['http://127.0.0.1:9100/', '--seconds', '3', '--say=hi there', '--draw-distance', '64'], {
      OPENSIM_FIRST: 'Test',
      OPENSIM_LAST: 'User',
      OPENSIM_PASSWORD: 'pw',
    });
    expect(o).toMatchObject({
      target: 'http://127.0.0.1:9100/',
      first: 'Test',
      last: 'User',
      password: 'pw',
      edge: 'http://localhost:5173',
      seconds: 3,
      say: 'hi there',
      drawDistance: 64,
      bots: 1,
    });
    expect(parseVisitArgs(['x', '--first', 'A', '--edge', 'http://127.0.0.1:5199/'], { OPENSIM_FIRST: 'B' })).toMatchObject({
      first: 'A',
      edge: 'http://127.0.0.1:5199',
    });
  });

  it('refuses unknown options, missing values, bad numbers and zero or two targets', () => {
    for (const argv of [
      ['a', '--nope', '1'],
      ['a', '--seconds'],
      ['a', '--seconds', '-1'],
      ['a', '--bots', '1.5'],
      ['a', '--draw-distance', '2000'],
      ['a', '--edge', 'ftp://x'],
      [],
      ['a', 'b'],
    ])
      expect(() => parseVisitArgs(argv, {}), argv.join(' ')).toThrow(VisitUsageError);
  });

  it('reads --metrics and --trace as file names (either form), null when absent', () => {
    expect(parseVisitArgs(['x'], {})).toMatchObject({ trace: null, metrics: null });
    expect(parseVisitArgs(['x', '--metrics', 'out/m.jsonl', '--trace=t.json'], {})).toMatchObject({
      metrics: 'out/m.jsonl',
      trace: 't.json',
    });
    for (const argv of [
      ['x', '--metrics'],
      ['x', '--metrics='],
      ['x', '--metrics', 'a\0b'],
    ])
      expect(() => parseVisitArgs(argv, {})).toThrow(VisitUsageError);
    expect(() => parseVisitArgs(['x', '--metrics='], {})).toThrow('visit: --metrics takes a file name');
    fc.assert(
      fc.property(fc.string({ maxLength: 5000 }), (name) => {
        const ok = name.length > 0 && name.length <= 4096 && !name.includes('\0');
        if (ok) expect(parseVisitArgs(['x', `--metrics=${name}`], {}).metrics).toBe(name);
        else expect(() => parseVisitArgs(['x', `--metrics=${name}`], {})).toThrow(VisitUsageError);
      }),
    );
  });

  it('resolves every link form and a bare login URI', () => {
    expect(resolveTarget({ target: 'http://127.0.0.1:9100/', grid: null })).toEqual({
      kind: 'os',
      loginUri: 'http://127.0.0.1:9100/',
      region: '',
      position: null,
    });
    expect(resolveTarget({ target: 'hop://127.0.0.1:9100/StormTest/128/128/25', grid: null })).toEqual({
      kind: 'os',
      loginUri: 'http://127.0.0.1:9100/',
      region: 'StormTest',
      position: [128, 128, 25],
    });
    expect(resolveTarget({ target: 'http://localhost:5173/#/os/127.0.0.1:9100/StormTest', grid: null })).toMatchObject({
      kind: 'os',
      loginUri: 'http://127.0.0.1:9100/',
      region: 'StormTest',
    });
    expect(resolveTarget({ target: '/#/fv/plaza/10/20/30', grid: null })).toEqual({
      kind: 'fv',
      world: 'plaza',
      position: [10, 20, 30],
    });
    expect(resolveTarget({ target: 'secondlife://StormTest/1/2/3', grid: 'http://127.0.0.1:9100/' })).toMatchObject({
      kind: 'os',
      loginUri: 'http://127.0.0.1:9100/',
      region: 'StormTest',
    });
    expect(
      resolveTarget({ target: 'https://maps.secondlife.com/secondlife/StormTest/1/2/3', grid: 'http://g:9000/' }),
    ).toMatchObject({ kind: 'os', region: 'StormTest' });
    expect(() => resolveTarget({ target: 'secondlife://StormTest', grid: null })).toThrow(/--grid/);
    expect(() => resolveTarget({ target: 'not a link', grid: null })).toThrow(VisitUsageError);
  });
});

describe('visit report helpers', () => {
  it('names the seven basic shapes as the viewer reads their wire parameters', () => {
    for (const [name, shape] of Object.entries(SHAPE_PRESETS)) expect(shapeName(shape)).toBe(name);
    // A right-triangle profile on a straight path is a prism; hollow and cuts do not change the name.
    expect(shapeName({ ...SHAPE_PRESETS.box, profileCurve: 0x24, profileHollow: 25000, pathBegin: 5000 })).toBe('prism');
  });

  it('assembles terrain patches into base64 Float32 LE heights, row-major, cropped to the world', () => {
    const patches: TerrainPatch[] = [];
    for (const [px, py] of [
      [0, 0],
      [16, 0],
      [0, 16],
      [16, 16],
    ] as const) {
      const heights: number[] = [];
      for (let j = 0; j < 17; j++) for (let i = 0; i < 17; i++) heights.push((px + i) * 0.5 + (py + j) * 100);
      patches.push({ type: 'terrain', x: px, y: py, size: 17, spacing: 1, heights });
    }
    const store = new TerrainStore();
    for (const p of patches) store.write(p);
    const t = terrainReport(store.field, [32, 32]);
    expect(t?.size).toEqual([32, 32]);
    expect(t?.spacing).toBe(1);
    const h = decodeHeights(t?.heights ?? '');
    expect(h).toHaveLength(32 * 32);
    expect(h[5 * 32 + 7]).toBeCloseTo(7 * 0.5 + 5 * 100, 4);
    expect(h[31 * 32 + 31]).toBeCloseTo(31 * 0.5 + 31 * 100, 3);
    expect(t?.min).toBe(0);
    expect(t?.max).toBeCloseTo(3115.5, 3);
    expect(terrainReport(null, [256, 256])).toBeNull();
  });

  it('takes nearest-rank percentiles', () => {
    const v = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(v, 50)).toBe(10);
    expect(percentile(v, 99)).toBe(20);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('visit --teleport', () => {
  it('reads Region/x/y/z (coordinates optional, the region centre by default) and refuses anything else with usage', () => {
    expect(parseTeleport('StormEast/40/120/30')).toEqual({ region: 'StormEast', position: [40, 120, 30] });
    expect(parseTeleport('Storm%20East')).toEqual({ region: 'Storm East', position: [128, 128, 25] });
    for (const bad of ['', '/1/2/3', 'A/1/2/3/4', 'A/x/2/3', 'A/9000/1/1', '%E0%A4%A'])
      expect(() => parseTeleport(bad), bad).toThrow(VisitUsageError);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          const t = parseTeleport(text);
          expect(t.region.length).toBeGreaterThan(0);
        } catch (err) {
          if (!(err instanceof VisitUsageError)) throw err;
        }
      }),
    );
  });
});

describe('visit --walk', () => {
  it('reads a walk script: moves with durations, jumps and turns', () => {
    expect(parseWalk('forward 3s, turn 90,jump , left 1.5s, up 2s, down 0.5s, turn -45')).toEqual([
      { kind: 'move', direction: 'forward', seconds: 3 },
      { kind: 'turn', degrees: 90 },
      { kind: 'jump' },
      { kind: 'move', direction: 'left', seconds: 1.5 },
      { kind: 'move', direction: 'up', seconds: 2 },
      { kind: 'move', direction: 'down', seconds: 0.5 },
      { kind: 'turn', degrees: -45 },
    ]);
    expect(parseVisitArgs(['/#/fv/plaza', '--walk', 'back 1s'], {}).walk).toEqual([
      { kind: 'move', direction: 'back', seconds: 1 },
    ]);
    expect(parseVisitArgs(['/#/fv/plaza'], {}).walk).toBeNull();
  });

  it('refuses a malformed walk with a usage error that shows the form, whatever the text', () => {
    for (const bad of ['forward', 'forward 3', 'sideways 2s', 'turn', 'turn x', 'jump 2s', 'forward 3s 4s', '', 'forward -1s'])
      expect(() => parseWalk(bad), bad).toThrow(VisitUsageError);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          parseWalk(text);
        } catch (err) {
          expect(err).toBeInstanceOf(VisitUsageError);
        }
      }),
    );
  });

  it('turns a script into input over time: turns are instant, a jump is a short press, up flies until down lands', () => {
    const walk = createWalk(parseWalk('forward 1s, turn 90, jump, up 1s, down 2s'), 0);
    expect(walk.duration).toBe(1000 + JUMP_MS + 3000);
    expect(walk.at(500, true)).toEqual({ move: [1, 0, 0], yaw: 0, fly: false });
    expect(walk.at(1050, true)).toEqual({ move: [0, 0, 1], yaw: Math.PI / 2, fly: false });
    expect(walk.at(1500, false).move).toEqual([0, 0, 0]);
    expect(walk.at(1000 + JUMP_MS + 500, false)).toMatchObject({ move: [0, 0, 1], fly: true });
    expect(walk.at(1000 + JUMP_MS + 1500, false)).toMatchObject({ move: [0, 0, -1], fly: true });
    expect(walk.at(1000 + JUMP_MS + 2500, true)).toMatchObject({ move: [0, 0, -1], fly: false });
    expect(walk.at(99_999, true)).toEqual({ move: [0, 0, 0], yaw: Math.PI / 2, fly: false });
  });
});
