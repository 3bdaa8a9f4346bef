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
        fc.constantFrom('id', 'json', 'bytes', 'type', 'components', 'protocol', 'url', 'creds', 'perms', 'expiry'),
        fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 64 }), fc.integer(), fc.string()),
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), params, fc.oneof(fc.nat(), fc.string({ maxLength: 80 })), (method, p, id) => {
        const parsed = parseRequest({ v: 1, id, method, params: p });
        if (parsed.ok) expect(parsed.request.method).toBe(method);
        else expect([-21, -24]).toContain(parsed.error.code);
      }),
      { numRuns: 3000 },
    );
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
