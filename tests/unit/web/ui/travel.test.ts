import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRAVEL_KINDS, type Travel } from '../../../../shared/protocol';
import { minimapWindow } from '../../../../web/ui/minimap-window';
import { placeKey, travelNotice } from '../../../../web/ui/travel';

describe('grid travel on the page', () => {
  it('says every teleport step in plain words, with the reason of a failure, and keeps quiet about neighbours', () => {
    const t = (kind: Travel['kind'], message = '', ms = 0): Travel => ({
      type: 'travel',
      kind,
      region: 'StormEast',
      message,
      ms,
    });
    expect(travelNotice(t('teleport_start'))).toBe('Teleporting to StormEast…');
    expect(travelNotice(t('teleport_finish', '', 1234))).toBe('Arrived in StormEast (1.2 s).');
    expect(travelNotice(t('teleport_failed', 'no region named "StormEast"'))).toMatch(
      /failed: no region named .*still where you were/,
    );
    expect(travelNotice(t('crossed'))).toBe('Entered StormEast.');
    expect(travelNotice(t('neighbour_refused', 'not in the relay allowlist'))).toMatch(/not shown: not in the relay allowlist/);
    expect(travelNotice(t('neighbour_added'))).toBe('');
    fc.assert(
      fc.property(fc.constantFrom(...TRAVEL_KINDS), fc.string(), fc.string(), (kind, region, message) => {
        expect(typeof travelNotice({ type: 'travel', kind, region, message, ms: 0 })).toBe('string');
      }),
    );
  });

  it('tells a link to another place on the grid from the link you came by (region names ignore case)', () => {
    const a = placeKey({ kind: 'os', grid: '127.0.0.1:9000', region: 'StormTest', position: [128, 128, 25] });
    expect(placeKey({ kind: 'os', grid: '127.0.0.1:9000', region: 'stormtest', position: [128, 128, 25] })).toBe(a);
    expect(placeKey({ kind: 'os', grid: '127.0.0.1:9000', region: 'StormEast', position: [128, 128, 25] })).not.toBe(a);
    expect(placeKey({ kind: 'os', grid: '127.0.0.1:9000', region: 'StormTest', position: [10, 128, 25] })).not.toBe(a);
  });

  it('spans the minimap over the regions shown, or the place alone', () => {
    expect(minimapWindow([256, 256], [0, 0], [])).toEqual([0, 0, 256, 256]);
    expect(minimapWindow([256, 256], [256, 0], [])).toEqual([256, 0, 512, 256]);
    expect(
      minimapWindow(
        [256, 256],
        [0, 0],
        [
          { name: 'StormTest', origin: [0, 0], size: [256, 256] },
          { name: 'StormEast', origin: [256, 0], size: [256, 256] },
          { name: 'South', origin: [0, -256], size: [256, 256] },
        ],
      ),
    ).toEqual([0, -256, 512, 256]);
  });
});
