/**
 * The embed SDK's check of the `select` event (web/embed-sdk/events.ts) and its use in mountViewer: well-formed data
 * (what the viewer's pick gives) reaches listeners, anything else is refused with -21 and a message naming the field,
 * and never reaches a listener.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkEvent,
  checkSelectEvent,
  type EmbedApiError,
  EmbedCode,
  type EmbedEvents,
  EVENT_LIMITS,
  isEmbedEvent,
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

/** Each other event as the viewer sends it (typed: a change to EmbedEvents that these miss stops compiling). */
const samples: { [E in Exclude<keyof EmbedEvents, 'select'>]: EmbedEvents[E][] } = {
  ready: [{ version: 1, crossOriginIsolated: true, engine: 'shared-memory', place: '#/os/127.0.0.1:9100/StormTest/128/128/25' }],
  world: [
    { state: 'connecting', place: '#/fv/plaza' },
    { state: 'reconnecting', place: '#/fv/plaza', reason: 'the room closed (1006)' },
    { state: 'idle', place: null },
  ],
  plugin: [
    { name: 'chat-log', state: 'running', reason: '' },
    { name: 'ping-a', state: 'failed', reason: 'loop cut: ping-a -> ping-b -> ping-a', code: 'plugin_loop_cut' },
  ],
  aiEnhanceComplete: [
    { id: 7, ok: true, bytes: new Uint8Array([1, 2, 3]) },
    { id: 'enhance-1', ok: false, error: { code: -20, message: 'aiEnhance is not available here' } },
  ],
};

describe('the other events’ checks', () => {
  it('accept each event as the viewer sends it, as a copy with the same fields', () => {
    for (const [event, list] of Object.entries(samples)) {
      expect(isEmbedEvent(event)).toBe(true);
      for (const data of list) expect(checkEvent(event as keyof EmbedEvents, data), event).toEqual({ ok: true, value: data });
    }
    expect(isEmbedEvent('toString')).toBe(false);
    expect(isEmbedEvent('worldz')).toBe(false);
  });

  it('refuse each malformed field with a message naming the event and the field', () => {
    const [ready] = samples.ready;
    const cases: [keyof EmbedEvents, unknown, string][] = [
      ['ready', { ...ready, version: -1 }, 'data.version must be a whole number'],
      ['ready', { ...ready, engine: 'gpu' }, "data.engine must be one of 'shared-memory', 'single-worker'"],
      ['ready', { ...ready, crossOriginIsolated: 'yes' }, 'data.crossOriginIsolated must be true or false'],
      ['ready', { ...ready, place: 'p'.repeat(EVENT_LIMITS.place + 1) }, 'data.place is over 2048 characters'],
      ['world', { state: 'failed', place: null, reason: 'r'.repeat(EVENT_LIMITS.message + 1) }, 'data.reason is over 4096'],
      ['ready', { ...ready, html: '<b>' }, 'data.html is not a field of it'],
      ['world', { state: 'in-world' }, 'data.place is missing'],
      ['world', { state: 'flying', place: null }, 'data.state must be one of'],
      ['world', { state: 'failed', place: null, reason: 42 }, 'data.reason must be a string'],
      ['plugin', { name: '', state: 'running', reason: '' }, 'data.name must have at least 1 character'],
      ['plugin', { name: 'a', state: 'running', reason: '', code: 'c'.repeat(65) }, 'data.code is over 64 characters'],
      ['plugin', { name: 'a', state: 'exploded', reason: '' }, 'data.state must be one of'],
      ['aiEnhanceComplete', { id: 1, ok: true, bytes: [1, 2] }, 'data.bytes must be a Uint8Array'],
      ['aiEnhanceComplete', { id: Number.NaN, ok: true }, 'data.id must be a finite number'],
      ['aiEnhanceComplete', { id: 1, ok: false, error: { code: 1.5, message: '' } }, 'data.error.code must be a whole number'],
      ['aiEnhanceComplete', { id: 1, ok: false, error: { code: -1 } }, 'data.error.message must be a string'],
    ];
    for (const [event, data, message] of cases) {
      const r = checkEvent(event, data);
      if (r.ok) throw new Error(`${event}: accepted ${JSON.stringify(data)}`);
      expect(r.message.startsWith(`embed-sdk: ${event} event refused: `), r.message).toBe(true);
      expect(r.message).toContain(message);
    }
    const huge = { id: 1, ok: true, bytes: new Uint8Array(EVENT_LIMITS.bytes + 1) };
    expect(checkEvent('aiEnhanceComplete', huge)).toMatchObject({ ok: false, message: expect.stringContaining('is over') });
  });

  it('never throw on any data for any event, and refuse what is not an object (property)', () => {
    const events = [...Object.keys(samples), 'select'] as (keyof EmbedEvents)[];
    fc.assert(
      fc.property(fc.constantFrom(...events), fc.anything(), (event, v) => {
        const r = checkEvent(event, v);
        if (v === null || typeof v !== 'object' || Array.isArray(v)) expect(r.ok).toBe(false);
      }),
      { numRuns: 1000 },
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

  it('checks the other events the same way, and tells onEventError of an event it does not know', async () => {
    const { element, post } = page();
    const errors: string[] = [];
    const viewer = await mountViewer(element as unknown as HTMLElement, {
      viewer: 'https://viewer.example',
      onEventError: (e) => void errors.push(e.message),
    });
    const heard: unknown[] = [];
    viewer.on('world', (d) => void heard.push(d));
    viewer.on('plugin', (d) => void heard.push(d));
    for (const data of samples.world) post({ v: 1, event: 'world', data });
    post({ v: 1, event: 'world', data: { state: 'in-world', place: ['#/fv/plaza'] } });
    post({ v: 1, event: 'plugin', data: samples.plugin[1] });
    post({ v: 1, event: 'plugin', data: { ...samples.plugin[1], extra: true } });
    post({ v: 1, event: 'surprise', data: {} });
    expect(heard).toEqual([...samples.world, samples.plugin[1]]);
    expect(errors).toEqual([
      'embed-sdk: world event refused: data.place must be a string',
      'embed-sdk: plugin event refused: data.extra is not a field of it',
      'embed-sdk: event "surprise" is not one this SDK knows',
    ]);
    viewer.destroy();
  });
});
