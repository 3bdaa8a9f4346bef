import { describe, expect, it } from 'vitest';
import { DEMO_PLACE, routeFromHash, shareUrl } from '../../../../web/ui/place-route';

describe('the address-bar route', () => {
  it('lands a bare visit in the demo world', () => {
    expect(routeFromHash('')).toEqual({ ok: true, place: DEMO_PLACE });
    expect(routeFromHash('#/')).toEqual({ ok: true, place: DEMO_PLACE });
  });
  it('reads our own links and pasted hop:// and SLURL forms', () => {
    expect(routeFromHash('#/fv/plaza/10/20/30')).toEqual({
      ok: true,
      place: { kind: 'fv', world: 'plaza', position: [10, 20, 30] },
    });
    expect(routeFromHash('#hop://grid.example.org:8002/Sandbox/1/2/3')).toMatchObject({
      ok: true,
      place: { kind: 'os', region: 'Sandbox' },
    });
    expect(routeFromHash('#http://maps.secondlife.com/secondlife/Ahern/1/2/3')).toMatchObject({
      ok: true,
      place: { kind: 'region' },
    });
  });
  it('turns a bad link into a plain message', () => {
    const route = routeFromHash('#/fv/NOPE!/1/2/3');
    expect(route).toMatchObject({ ok: false, message: expect.stringContaining('world name') });
  });
  it('formats a shareable URL on this origin', () => {
    expect(shareUrl({ kind: 'fv', world: 'plaza', position: [1.234, 2, 3] }, 'http://localhost:5173')).toBe(
      'http://localhost:5173/#/fv/plaza/1.23/2/3',
    );
  });
});
