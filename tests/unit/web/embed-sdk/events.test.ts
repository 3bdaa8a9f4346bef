/**
 * The embed SDK's check of the `select` event (web/embed-sdk/events.ts) and its use in mountViewer: well-formed data
 * (what the viewer's pick gives) reaches listeners, anything else is refused with -21 and a message naming the field,
 * and never reaches a listener.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkSelectEvent,
  type EmbedApiError,
  EmbedCode,
  mountViewer,
  SELECT_LIMITS,
  type SelectedObject,
} from '../../../../web/embed-sdk';
import type { PickedObject } from '../../../../web/world/pick';

const picked: PickedObject = {
  id: 4242,
  kind: 'prim',
  name: 'Fountain',
  owner: '5f5b4e1a-3c1d-4a7e-9a65-0c2b8f0d9e11',
  ownerName: 'Test User',
  shape: 'cylinder',
  uuid: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
  position: [128, 130.5, 22],
  scale: [3, 3, 0.5],
  distance: 7.25,
};
// The SDK mirrors the viewer's pick on purpose (it imports nothing from the viewer): each must stay assignable to
// the other, or this file stops compiling.
const asSelected: SelectedObject = picked;
const asPicked: PickedObject = asSelected;

const refusal = (data: unknown): string => {
  const r = checkSelectEvent(data);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(data)}`);
  return r.message;
};

describe('the select event check', () => {
  it('accepts what the viewer picks, an avatar with no owner, and nothing picked, as fresh copies', () => {
    expect(checkSelectEvent({ object: asPicked })).toEqual({ ok: true, value: { object: picked } });
    const avatar = { ...picked, kind: 'avatar', shape: 'avatar', owner: null, ownerName: null, uuid: null, name: '' };
    expect(checkSelectEvent({ object: avatar })).toEqual({ ok: true, value: { object: avatar } });
    expect(checkSelectEvent({ object: null })).toEqual({ ok: true, value: { object: null } });
    const r = checkSelectEvent({ object: picked });
    expect(r.ok && r.value.object).not.toBe(picked);
  });

  it('refuses each malformed field with a message naming it', () => {
    const cases: [unknown, string][] = [
      [null, 'data must be an object'],
      [{}, 'data.object is missing'],
      [{ object: picked, extra: 1 }, 'data.extra is not a field of it'],
      [{ object: [] }, 'data.object must be an object'],
      [{ object: { ...picked, html: '<b>' } }, 'data.object.html is not a field of it'],
      [{ object: { ...picked, id: -1 } }, 'data.object.id must be a whole number'],
      [{ object: { ...picked, id: 1.5 } }, 'data.object.id must be a whole number'],
      [{ object: { ...picked, kind: 'ghost' } }, "data.object.kind must be 'prim' or 'avatar'"],
      [{ object: { ...picked, name: 'x'.repeat(SELECT_LIMITS.name + 1) } }, 'data.object.name is over 256 characters'],
      [{ object: { ...picked, owner: 7 } }, 'data.object.owner must be a string'],
      [{ object: { ...picked, ownerName: 'y'.repeat(SELECT_LIMITS.name + 1) } }, 'data.object.ownerName is over 256'],
      [{ object: { ...picked, shape: '' } }, 'data.object.shape must have at least 1 character'],
      [{ object: { ...picked, uuid: 'z'.repeat(SELECT_LIMITS.id + 1) } }, 'data.object.uuid is over 64 characters'],
      [{ object: { ...picked, position: [1, 2] } }, 'data.object.position must be 3 numbers'],
      [{ object: { ...picked, position: [1, Number.NaN, 3] } }, 'data.object.position.1 must be a finite number'],
      [{ object: { ...picked, scale: [1, -2, 3] } }, 'data.object.scale.1 must be at least 0'],
      [{ object: { ...picked, distance: Number.POSITIVE_INFINITY } }, 'data.object.distance must be a finite number'],
    ];
    for (const [data, message] of cases) {
      const m = refusal(data);
      expect(m.startsWith('embed-sdk: select event refused: '), m).toBe(true);
      expect(m).toContain(message);
    }
  });

  it('never throws, and refuses any data that is not the shape (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const r = checkSelectEvent(v);
        expect(r.ok).toBe(
          v !== null &&
            typeof v === 'object' &&
            !Array.isArray(v) &&
            Object.keys(v).length === 1 &&
            'object' in v &&
            v.object === null,
        );
      }),
      { numRuns: 500 },
    );
    // The picked object with one field replaced by something of another kind: always refused.
    const keys = Object.keys(picked);
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.oneof(fc.object(), fc.boolean(), fc.constant(undefined), fc.bigInt()),
        (key, junk) => {
          expect(checkSelectEvent({ object: { ...picked, [key]: junk } }).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('mountViewer and the select event', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A host page with just what mountViewer touches, and a frame that posts what the test says. */
  function page() {
    const frame = { postMessage: () => undefined };
    let onMessage: (e: { source: unknown; origin: string; data: unknown }) => void = () => undefined;
    vi.stubGlobal('window', {
      addEventListener: (_: string, l: typeof onMessage) => {
        onMessage = l;
      },
      removeEventListener: () => undefined,
    });
    vi.stubGlobal('self', { crossOriginIsolated: false });
    vi.stubGlobal('location', { origin: 'https://host.example' });
    vi.stubGlobal('document', {
      createElement: () => ({ style: {}, setAttribute: () => undefined, remove: () => undefined, contentWindow: frame }),
    });
    const post = (data: unknown) => onMessage({ source: frame, origin: 'https://viewer.example', data });
    const ready = { version: 1, crossOriginIsolated: false, engine: 'single-worker', place: '#/fv/plaza' };
    const element = { append: () => queueMicrotask(() => post({ v: 1, event: 'ready', data: ready })) };
    return { element, post };
  }

  it('gives listeners a well-formed select and tells onEventError (not the listeners) of a malformed one', async () => {
    const { element, post } = page();
    const errors: EmbedApiError[] = [];
    const viewer = await mountViewer(element as unknown as HTMLElement, {
      viewer: 'https://viewer.example',
      onEventError: (e) => void errors.push(e),
    });
    const heard: unknown[] = [];
    viewer.on('select', (d) => void heard.push(d));
    post({ v: 1, event: 'select', data: { object: picked } });
    post({ v: 1, event: 'select', data: { object: { ...picked, position: 'here' } } });
    post({ v: 1, event: 'select', data: { object: null } });
    expect(heard).toEqual([{ object: picked }, { object: null }]);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      [EmbedCode.MalformedMessage, 'embed-sdk: select event refused: data.object.position must be 3 numbers'],
    ]);
    viewer.destroy();
  });
});
