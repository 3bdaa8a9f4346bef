import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMBED_LIMITS, METHODS, parseAllowParam, parseConfig, parseRequest } from '../../../../web/embed/schemas';
import { EmbedCode } from '../../../../web/embed-sdk/protocol';

const req = (method: string, params?: unknown, extra: Record<string, unknown> = {}) => ({
  v: 1,
  id: 1,
  method,
  params,
  ...extra,
});

describe('embed request parsing', () => {
  it('accepts a well-formed request of every method', () => {
    const samples: Record<string, unknown> = {
      init: {},
      configure: { json: '{}' },
      createEntity: { components: ['Transform', 1] },
      queryEntity: { id: 5 },
      updateComponent: { id: 5, type: 'Tint', bytes: new Uint8Array(4) },
      aiDispatch: { json: '{"q":1}' },
      aiEnhance: { bytes: new Uint8Array(3) },
      connectProtocol: { protocol: 1, url: 'wss://example.org', creds: '{}' },
      sendPacket: { bytes: new Uint8Array(1) },
      generateToken: { perms: 3, expiry: 3600 },
      getLastError: undefined,
      loadPlugin: { url: '/plugins/chat-log/storm-plugin.json', consent: true },
      unloadPlugin: { name: 'chat-log' },
      plugins: {},
      subscribe: { events: ['select'] },
      unsubscribe: { events: ['select'] },
      setCamera: { shot: { mode: 'follow', distance: 12, fovDeg: 40, yaw: 1, pitch: -0.3 } },
      resetCamera: {},
    };
    expect(Object.keys(samples).sort()).toEqual([...METHODS].sort());
    for (const [method, params] of Object.entries(samples)) {
      const parsed = parseRequest(req(method, params));
      expect(parsed, method).toMatchObject({ ok: true, request: { v: 1, id: 1, method } });
    }
  });

  it('refuses a non-object with -21 and no id', () => {
    for (const data of [null, undefined, 1, 'init', [], true]) {
      expect(parseRequest(data)).toMatchObject({ ok: false, id: null, error: { code: EmbedCode.MalformedMessage } });
    }
  });

  it('refuses another protocol version with -26 and echoes the id', () => {
    expect(parseRequest(req('init', {}, { v: 2, id: 'a' }))).toMatchObject({
      ok: false,
      id: 'a',
      error: { code: EmbedCode.UnsupportedVersion },
    });
  });

  it('refuses an unknown method with -23, naming the known ones', () => {
    const parsed = parseRequest(req('destroyWorld', {}));
    expect(parsed).toMatchObject({ ok: false, id: 1, error: { code: EmbedCode.UnknownMethod } });
    expect(!parsed.ok && parsed.error.message).toContain('createEntity');
  });

  it('refuses unknown or mistyped params with -21, naming the field', () => {
    const extra = parseRequest(req('queryEntity', { id: 1, evil: true }));
    expect(extra).toMatchObject({ ok: false, error: { code: EmbedCode.MalformedMessage } });
    const typed = parseRequest(req('queryEntity', { id: 'seven' }));
    expect(!typed.ok && typed.error.message).toMatch(/^embed: queryEntity: params\.id/);
    expect(parseRequest(req('updateComponent', { id: 1, type: 'Tint', bytes: [0, 0, 0, 0] }))).toMatchObject({
      ok: false,
      error: { code: -21 },
    });
    expect(parseRequest(req('connectProtocol', { protocol: 2, url: 'x', creds: '' }))).toMatchObject({
      ok: false,
      error: { code: -21 },
    });
  });

  it('refuses ids that are neither short strings nor safe integers', () => {
    for (const id of [-1, 1.5, '', 'x'.repeat(EMBED_LIMITS.maxIdLength + 1), {}, null]) {
      expect(parseRequest(req('init', {}, { id }))).toMatchObject({ ok: false, id: null, error: { code: -21 } });
    }
  });

  it('refuses oversized bytes and JSON text with -24', () => {
    const bytes = new Uint8Array(EMBED_LIMITS.maxBytes + 1);
    expect(parseRequest(req('sendPacket', { bytes }))).toMatchObject({ ok: false, error: { code: EmbedCode.TooLarge } });
    const json = ' '.repeat(EMBED_LIMITS.maxJsonChars + 1);
    expect(parseRequest(req('configure', { json }))).toMatchObject({ ok: false, error: { code: EmbedCode.TooLarge } });
  });

  it('turns an object whose getters throw into a parse error instead of throwing', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(parseRequest(hostile)).toMatchObject({ ok: false, id: null, error: { code: -21 } });
  });

  it('never throws on random input and only ever answers ok or a coded refusal (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withMap: true, withSet: true, withNullPrototype: true }), (data) => {
        const parsed = parseRequest(data);
        if (!parsed.ok) expect([-21, -23, -24, -26]).toContain(parsed.error.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on near-valid requests: known methods with random params (fuzz)', () => {
    const params = fc.oneof(
      fc.anything({ withTypedArray: true }),
      fc.dictionary(
        fc.constantFrom(
          'id',
          'json',
          'bytes',
          'type',
          'components',
          'protocol',
          'url',
          'creds',
          'perms',
          'expiry',
          'events',
          'shot',
        ),
        fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 64 }), fc.integer(), fc.string()),
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), params, fc.oneof(fc.nat(), fc.string({ maxLength: 80 })), (method, p, id) => {
        const parsed = parseRequest({ v: 1, id, method, params: p });
        if (parsed.ok) expect(parsed.request.method).toBe(method);
        else expect(method === 'setCamera' ? [-21, -45] : [-21, -24]).toContain(parsed.error.code);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('selection and camera requests', () => {
  const within = {
    mode: fc.constantFrom('follow' as const, 'free' as const),
    distance: fc.double({ min: 0.5, max: 64, noNaN: true }),
    fovDeg: fc.double({ min: 10, max: 120, noNaN: true }),
    yaw: fc.double({ min: -7, max: 7, noNaN: true }),
    pitch: fc.double({ min: -1.5, max: 1.5, noNaN: true }),
  };

  it('accepts every shot within the limits, as sent (property)', () => {
    fc.assert(
      fc.property(fc.record(within, { requiredKeys: [] }), (shot) => {
        const parsed = parseRequest(req('setCamera', { shot }));
        expect(parsed).toEqual({ ok: true, request: { v: 1, id: 1, method: 'setCamera', params: { shot } } });
      }),
    );
  });

  it('refuses a shot with any field out of its range, not finite or unknown with -45, naming the field (property)', () => {
    const bad = fc.oneof(
      fc.record({ distance: fc.oneof(fc.double({ max: 0.49, noNaN: true }), fc.double({ min: 64.01, noNaN: true })) }),
      fc.record({ fovDeg: fc.oneof(fc.double({ max: 9.99, noNaN: true }), fc.double({ min: 120.01, noNaN: true })) }),
      fc.record({ yaw: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 7.5, -100) }),
      fc.record({ pitch: fc.oneof(fc.double({ min: 1.51, noNaN: true }), fc.string()) }),
      fc.record({ mode: fc.string().filter((m) => m !== 'follow' && m !== 'free') }),
      fc.record({ zoom: fc.double() }),
    );
    fc.assert(
      fc.property(bad, (shot) => {
        const parsed = parseRequest(req('setCamera', { shot }));
        if (parsed.ok) throw new Error(`accepted ${JSON.stringify(shot)}`);
        expect(parsed.error.code).toBe(EmbedCode.BadCameraShot);
        expect(parsed.error.message).toMatch(/^embed: setCamera: params\.shot/);
        expect(parsed.error.message).toContain(Object.keys(shot)[0] === 'zoom' ? 'zoom' : Object.keys(shot)[0]);
      }),
    );
    expect(parseRequest(req('setCamera', {}))).toMatchObject({ ok: false, error: { code: -45 } });
  });

  it('refuses subscribing to no event or an unknown one with -21, and more than 8 with -24', () => {
    for (const events of [[], ['click'], 'select'])
      expect(parseRequest(req('subscribe', { events })), JSON.stringify(events)).toMatchObject({
        ok: false,
        error: { code: EmbedCode.MalformedMessage },
      });
    expect(parseRequest(req('unsubscribe', { events: Array(9).fill('select') }))).toMatchObject({
      ok: false,
      error: { code: EmbedCode.TooLarge },
    });
  });
});

describe('configure JSON', () => {
  it('accepts the documented keys', () => {
    expect(parseConfig('{"maxEntities": 10, "allowOrigins": ["https://a.example", "http://127.0.0.1:8080"]}')).toEqual({
      ok: true,
      config: { maxEntities: 10, allowOrigins: ['https://a.example', 'http://127.0.0.1:8080'] },
    });
  });

  it('accepts audio settings: enabled and a volume from 0 to 1, either left out', () => {
    expect(parseConfig('{"audio": {"enabled": true, "volume": 0.5}}')).toEqual({
      ok: true,
      config: { audio: { enabled: true, volume: 0.5 } },
    });
    expect(parseConfig('{"audio": {}}')).toEqual({ ok: true, config: { audio: {} } });
  });

  it('answers -2 for text that is not JSON, unknown keys, bad values and non-origins', () => {
    for (const json of [
      '{',
      '',
      'undefined',
      '{"maxEntitys": 1}',
      '{"maxEntities": 0}',
      '[]',
      '{"allowOrigins": ["https://a.example/"]}',
      '{"allowOrigins": ["*"]}',
      '{"audio": {"volume": -0.1}}',
      '{"audio": {"enabled": "yes"}}',
      '{"audio": true}',
    ]) {
      const parsed = parseConfig(json);
      expect(parsed, json).toMatchObject({ ok: false, error: { code: EmbedCode.InvalidConfig } });
    }
  });

  it('never throws on random text (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const parsed = parseConfig(text);
        if (!parsed.ok) expect(parsed.error.code).toBe(-2);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the allow parameter', () => {
  it('keeps origins and sets apart what is not one', () => {
    expect(
      parseAllowParam('https://a.example, http://127.0.0.1:5173,https://a.example,javascript:alert(1),https://b.example/path'),
    ).toEqual({
      origins: ['https://a.example', 'http://127.0.0.1:5173'],
      rejected: ['javascript:alert(1)', 'https://b.example/path'],
    });
    expect(parseAllowParam(null)).toEqual({ origins: [], rejected: [] });
  });
});
