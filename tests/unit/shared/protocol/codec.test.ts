import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Bounds,
  type ClientMessage,
  DEFAULT_BOUNDS,
  DEFAULT_FACE_MATERIAL,
  decodeClientMessage,
  decodeServerMessage,
  type Entity,
  encodeClientMessage,
  encodeDeltaFrames,
  encodeEntityRecord,
  encodeServerMessage,
  type FaceMaterial,
  MAX_CLIENT_FRAME_BYTES,
  MAX_ENTITIES_PER_FRAME,
  MAX_P2P_PEERS,
  PROTOCOL_VERSION,
  ProtocolError,
  positionStep,
  rotationAngle,
  type ServerMessage,
  SHAPE_PRESETS,
} from '../../../../shared/protocol';
import { arbTextureAnimNumbers, textureAnim } from '../../../support/texture-anims';

const bounds: Bounds = { min: [0, 0, -16], max: [256, 256, 240] };

const entity = (id: number, over: Partial<Entity> = {}): Entity => ({
  id,
  kind: 'prim',
  parent: 0,
  name: `prim ${id}`,
  description: 'a test prim ✓',
  position: [128, 64, 22.5],
  rotation: [0, 0, Math.SQRT1_2, Math.SQRT1_2],
  scale: [1, 2, 0.5],
  velocity: [0, 0, 0],
  shape: SHAPE_PRESETS.sphere,
  colors: [
    [255, 0, 0, 255],
    [0, 128, 255, 200],
  ],
  ...over,
});

/** Positions within one quantization step, rotations within 0.3°, everything else exact. */
function expectEntityClose(actual: Partial<Entity>, expected: Partial<Entity>, b: Bounds): void {
  const step = positionStep(b);
  const { position: ap, rotation: ar, velocity: av, scale: as, sound: asound, ...arest } = actual;
  const { position: ep, rotation: er, velocity: ev, scale: es, sound: esound, ...erest } = expected;
  expect(arest).toEqual(erest);
  // Sound gain and radius travel as f32.
  expect(asound === undefined).toBe(esound === undefined);
  if (asound && esound) {
    expect({ ...asound, gain: 0, radius: 0 }).toEqual({ ...esound, gain: 0, radius: 0 });
    expect(asound.gain).toBe(Math.fround(esound.gain));
    expect(asound.radius).toBe(Math.fround(esound.radius));
  }
  if (ep && ap)
    for (let i = 0; i < 3; i++) expect(Math.abs((ap[i] ?? 0) - (ep[i] ?? 0))).toBeLessThanOrEqual((step[i] ?? 0) / 2 + 1e-9);
  if (er && ar) expect(rotationAngle(ar, er)).toBeLessThan((0.3 * Math.PI) / 180);
  if (ev && av) for (let i = 0; i < 3; i++) expect(Math.abs((av[i] ?? 0) - (ev[i] ?? 0))).toBeLessThanOrEqual(0.005 + 1e-9);
  if (es && as) for (let i = 0; i < 3; i++) expect(as[i]).toBeCloseTo(es[i] ?? 0, 5);
}

describe('storm protocol codec: client messages', () => {
  const cases: ClientMessage[] = [
    { type: 'hello', version: PROTOCOL_VERSION, token: 'v1.abc.def', world: 'plaza', resumeId: '', baseline: 0 },
    { type: 'hello', version: PROTOCOL_VERSION, token: 't', world: 'my-world-2', resumeId: 'sess-123', baseline: 77 },
    { type: 'chat', text: 'hello, plaza 👋' },
    { type: 'action', id: 9, body: { op: 'inspect', center: [10, 10, 20], radius: 16 } },
    {
      type: 'action',
      id: 10,
      body: { op: 'prepare', actions: [{ tool: 'create_primitive', shape: 'box', position: [1, 2, 3], color: [1, 2, 3, 255] }] },
    },
    { type: 'ack', tick: 4_000_000_000 },
    { type: 'ping', nonce: 42, clientTime: 1234.5 },
    { type: 'p2p', on: true },
    { type: 'p2p', on: false },
  ];
  for (const msg of cases) {
    it(`round-trips ${msg.type} exactly`, () => {
      expect(decodeClientMessage(encodeClientMessage(msg))).toEqual(msg);
    });
  }

  it('round-trips input with the intent to 1/127 and the rotation to smallest-three precision', () => {
    const msg: ClientMessage = { type: 'input', seq: 7, move: [1, -0.5, 0], rotation: [0, 0, 0.3826834, 0.9238795], flags: 3 };
    const back = decodeClientMessage(encodeClientMessage(msg));
    if (back.type !== 'input') throw new Error('expected input');
    expect(back.seq).toBe(7);
    expect(back.flags).toBe(3);
    back.move.forEach((v, i) => {
      expect(Math.abs(v - (msg.move[i] ?? 0))).toBeLessThanOrEqual(1 / 254 + 1e-9);
    });
    expect(rotationAngle(back.rotation, msg.rotation)).toBeLessThan(0.005);
  });

  it('refuses a hello of another protocol version with protocol_version', () => {
    const bytes = encodeClientMessage({
      type: 'hello',
      version: PROTOCOL_VERSION,
      token: 't',
      world: 'plaza',
      resumeId: '',
      baseline: 0,
    });
    bytes[1] = 2;
    expect(() => decodeClientMessage(bytes)).toThrow(expect.objectContaining({ code: 'protocol_version' }));
  });

  it('names unknown tags, truncation, trailing bytes, bad JSON and schema breaks with their codes', () => {
    const code = (b: Uint8Array) => {
      try {
        decodeClientMessage(b);
        return 'ok';
      } catch (err) {
        return err instanceof ProtocolError ? err.code : 'foreign';
      }
    };
    expect(code(Uint8Array.of(0x7f))).toBe('protocol_unknown_type');
    expect(code(Uint8Array.of())).toBe('protocol_truncated');
    expect(code(Uint8Array.of(0x05, 1, 0))).toBe('protocol_truncated');
    expect(code(Uint8Array.of(0x05, 1, 0, 0, 0, 9))).toBe('protocol_trailing_bytes');
    const json = new TextEncoder().encode('{nope');
    expect(code(Uint8Array.of(0x04, 1, 0, 0, 0, json.length, 0, ...json))).toBe('protocol_invalid');
    const badWorld = encodeClientMessage({ type: 'hello', version: 1, token: 't', world: 'plaza', resumeId: '', baseline: 0 });
    badWorld[badWorld.indexOf(0x70)] = 0x50; // 'plaza' → 'Plaza': not a valid world name
    expect(code(badWorld)).toBe('protocol_invalid');
    expect(code(new Uint8Array(MAX_CLIENT_FRAME_BYTES + 1))).toBe('protocol_too_large');
    const badUtf8 = Uint8Array.of(0x03, 2, 0, 0xc0, 0x80);
    expect(code(badUtf8)).toBe('protocol_invalid');
  });

  it('refuses a ping whose client time is not a finite number', () => {
    const frame = encodeClientMessage({ type: 'ping', nonce: 1, clientTime: 5 });
    new DataView(frame.buffer, frame.byteOffset).setFloat64(5, Number.NaN, true);
    expect(() => decodeClientMessage(frame)).toThrow(ProtocolError);
    expect(() => decodeClientMessage(frame)).toThrow(/clientTime/);
  });

  it('refuses to encode a chat line over the limit', () => {
    expect(() => encodeClientMessage({ type: 'chat', text: 'x'.repeat(2000) })).toThrow(ProtocolError);
  });
});

describe('storm protocol codec: server messages', () => {
  it('round-trips welcome, despawn, chat, action_result, error and pong exactly', () => {
    const cases: ServerMessage[] = [
      {
        type: 'welcome',
        version: PROTOCOL_VERSION,
        session: 's-1',
        avatar: 1001,
        bounds,
        serverTime: 1_764_000_000_000,
        tick: 5,
        resumed: false,
        permissions: 7,
      },
      { type: 'despawn', tick: 9, ids: [1, 2, 4_000_000_000] },
      { type: 'chat', from: 3, name: 'Ada', text: 'hi', time: 12.25 },
      { type: 'action_result', id: 3, result: { op: 'failed', code: 'world_conflict', message: 'world: lost', conflicts: [] } },
      { type: 'action_result', id: 4, result: { op: 'journal', entries: [] } },
      { type: 'error', code: 'protocol_invalid', message: 'protocol: bad' },
      { type: 'pong', nonce: 1, clientTime: 2, serverTime: 3 },
    ];
    for (const msg of cases) expect(decodeServerMessage(encodeServerMessage(msg, bounds), bounds)).toEqual(msg);
  });

  it('round-trips a snapshot: positions within one step of the bounds, rotations within 0.3°', () => {
    const entities = [
      entity(1),
      entity(2, { kind: 'avatar', shape: SHAPE_PRESETS.box, velocity: [1.25, -3, 0], parent: 0 }),
      entity(3, { parent: 1, position: [0, 0, -16], rotation: [0, 0, 0, 1], colors: [[9, 9, 9, 9]] }),
    ];
    const back = decodeServerMessage(
      encodeServerMessage({ type: 'snapshot', tick: 12, part: 0, parts: 1, entities }, bounds),
      bounds,
    );
    if (back.type !== 'snapshot') throw new Error('expected snapshot');
    expect(back.tick).toBe(12);
    back.entities.forEach((e, i) => {
      expectEntityClose(e, entities[i] ?? {}, bounds);
    });
  });

  it('round-trips a delta carrying only the changed fields', () => {
    const back = decodeServerMessage(
      encodeServerMessage(
        {
          type: 'delta',
          baseline: 3,
          tick: 4,
          entities: [{ id: 5, position: [10, 20, 30] }, { id: 6, name: 'renamed' }, entity(7)],
        },
        bounds,
      ),
      bounds,
    );
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[1]).toEqual({ id: 6, name: 'renamed' });
    expect(Object.keys(back.entities[0] ?? {}).sort()).toEqual(['id', 'position']);
    expectEntityClose(back.entities[2] ?? {}, entity(7), bounds);
  });

  it('assembles delta frames from entities encoded once, byte-identical to encoding the delta whole', () => {
    const updates = [entity(7), { id: 9, position: [10, 20, 30] as [number, number, number] }];
    const records = updates.map((u) => encodeEntityRecord(u, bounds));
    const [frame, ...more] = encodeDeltaFrames(41, 42, records);
    expect(more).toEqual([]);
    expect(frame).toEqual(encodeServerMessage({ type: 'delta', baseline: 41, tick: 42, entities: updates }, bounds));
  });

  it('splits pre-encoded records over several delta frames at the per-frame entity limit', () => {
    const record = encodeEntityRecord({ id: 3, velocity: [1, 0, 0] }, bounds);
    const frames = encodeDeltaFrames(1, 2, new Array(MAX_ENTITIES_PER_FRAME + 5).fill(record));
    expect(frames).toHaveLength(2);
    const decoded = frames.map((f) => decodeServerMessage(f, bounds));
    expect(decoded.map((m) => (m.type === 'delta' ? m.entities.length : -1))).toEqual([MAX_ENTITIES_PER_FRAME, 5]);
    expect(encodeDeltaFrames(1, 2, [])).toEqual([]);
  });

  it('clamps positions outside the bounds onto them', () => {
    const back = decodeServerMessage(
      encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1, position: [-50, 999, 0] }] }, bounds),
      bounds,
    );
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]?.position).toEqual([0, 256, 0 + (back.entities[0]?.position?.[2] ?? 0)]);
  });

  it('round-trips a terrain patch to 1/65535 of its height range', () => {
    const heights = Array.from({ length: 16 * 16 }, (_, i) => 20 + Math.sin(i / 10) * 5);
    const back = decodeServerMessage(encodeServerMessage({ type: 'terrain', x: 0, y: 16, size: 16, spacing: 1, heights }));
    if (back.type !== 'terrain') throw new Error('expected terrain');
    expect(back.size).toBe(16);
    back.heights.forEach((h, i) => {
      expect(Math.abs(h - (heights[i] ?? 0))).toBeLessThan(0.001);
    });
  });

  it('round-trips an entity uuid (lower-cased) and leaves it out where the entity has none', () => {
    const uuid = '5a3a4b51-0000-4000-8000-00000000abcd';
    const back = decodeServerMessage(
      encodeServerMessage(
        {
          type: 'delta',
          baseline: 0,
          tick: 1,
          entities: [entity(1, { uuid }), entity(2), { id: 3, uuid: uuid.toUpperCase() }, { id: 4, name: 'n' }],
        },
        bounds,
      ),
      bounds,
    );
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]?.uuid).toBe(uuid);
    expect(back.entities[1] && 'uuid' in back.entities[1]).toBe(false);
    expect(back.entities[2]).toEqual({ id: 3, uuid });
    expect(back.entities[3]).toEqual({ id: 4, name: 'n' });
    const snap = decodeServerMessage(
      encodeServerMessage({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities: [entity(9, { uuid })] }, bounds),
      bounds,
    );
    if (snap.type !== 'snapshot') throw new Error('expected snapshot');
    expectEntityClose(snap.entities[0] ?? {}, entity(9, { uuid }), bounds);
  });

  it('round-trips the physical flag (true and false) and leaves it out where the entity does not say', () => {
    const back = decodeServerMessage(
      encodeServerMessage(
        {
          type: 'delta',
          baseline: 0,
          tick: 1,
          entities: [{ id: 1, physical: true }, { id: 2, physical: false }, entity(3), entity(4, { physical: true })],
        },
        bounds,
      ),
      bounds,
    );
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]).toEqual({ id: 1, physical: true });
    expect(back.entities[1]).toEqual({ id: 2, physical: false });
    expect(back.entities[2] && 'physical' in back.entities[2]).toBe(false);
    expect(back.entities[3]?.physical).toBe(true);
  });

  it('refuses physics flags with unknown bits', () => {
    const bytes = encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1, physical: true }] });
    bytes[bytes.length - 1] = 0x81;
    expect(() => decodeServerMessage(bytes)).toThrow(expect.objectContaining({ code: 'protocol_invalid' }));
  });

  it('refuses to encode an entity uuid that is not a UUID', () => {
    expect(() =>
      encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1, uuid: 'not-a-uuid' }] }, bounds),
    ).toThrow(expect.objectContaining({ code: 'protocol_invalid' }));
  });

  it('refuses a delta whose extended field mask has unknown bits', () => {
    const bytes = encodeServerMessage({
      type: 'delta',
      baseline: 0,
      tick: 1,
      entities: [{ id: 1, text: { text: '', color: [0, 0, 0, 0] } }],
    });
    bytes[1 + 4 + 4 + 2 + 4 + 2 + 1] = 0x80; // high byte of the extended mask word
    expect(() => decodeServerMessage(bytes)).toThrow(expect.objectContaining({ code: 'protocol_invalid' }));
  });

  it('round-trips face materials, a sculpt, hover text and their removal', () => {
    const materials: FaceMaterial[] = [
      { ...DEFAULT_FACE_MATERIAL, texture: 'ada1326f-d5c7-414a-b86b-521f4d63498e', repeats: [-1, 4], offset: [0.25, -0.125] },
      { ...DEFAULT_FACE_MATERIAL, rotation: Math.PI / 2, glow: 0.4, fullbright: true, alphaMode: 'mask', shiny: 2, bump: 17 },
    ];
    const e = {
      id: 3,
      materials,
      sculpt: { type: 'mesh' as const, map: '20009cd8-5313-4566-b91a-479fad4d36dc', invert: false, mirror: true },
      text: { text: 'Welcome ✨', color: [255, 200, 0, 255] as [number, number, number, number] },
    };
    const back = decodeServerMessage(encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [e] }));
    if (back.type !== 'delta') throw new Error('expected delta');
    const got = back.entities[0];
    expect(got?.sculpt).toEqual(e.sculpt);
    expect(got?.text).toEqual(e.text);
    expect(got?.materials?.[0]).toEqual(materials[0]);
    expect(got?.materials?.[1]).toMatchObject({ fullbright: true, alphaMode: 'mask', shiny: 2, bump: 17 });
    expect(got?.materials?.[1]?.rotation).toBeCloseTo(Math.PI / 2, 6);
    expect(got?.materials?.[1]?.glow).toBeCloseTo(0.4, 2);
    const cleared = decodeServerMessage(
      encodeServerMessage({ type: 'delta', baseline: 0, tick: 2, entities: [{ id: 3, sculpt: null }] }),
    );
    if (cleared.type !== 'delta') throw new Error('expected delta');
    expect(cleared.entities[0]?.sculpt).toBeNull();
  });

  it('round-trips a planar face beside a default one', () => {
    const materials: FaceMaterial[] = [
      { ...DEFAULT_FACE_MATERIAL, texgen: 'planar', repeats: [2, 2], fullbright: true, shiny: 3 },
      { ...DEFAULT_FACE_MATERIAL },
    ];
    const back = decodeServerMessage(
      encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 8, materials }] }),
    );
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]?.materials).toEqual(materials);
  });

  it('round-trips a texture animation and its removal', () => {
    const anim = textureAnim({ face: 2, sizeX: 4, sizeY: 2, length: 8 });
    const back = decodeServerMessage(
      encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 9, textureAnim: anim }] }),
    );
    if (back.type !== 'delta') throw new Error('expected delta');
    expect(back.entities[0]).toEqual({ id: 9, textureAnim: anim });
    const off = decodeServerMessage(
      encodeServerMessage({ type: 'delta', baseline: 0, tick: 2, entities: [{ id: 9, textureAnim: null }] }),
    );
    if (off.type !== 'delta') throw new Error('expected delta');
    expect(off.entities[0]).toEqual({ id: 9, textureAnim: null });
  });

  it('refuses a texture animation whose mode is not on or has unknown bits', () => {
    for (const mode of [0x02, 0x81]) {
      const bytes = encodeServerMessage({
        type: 'delta',
        baseline: 0,
        tick: 1,
        entities: [
          {
            id: 1,
            textureAnim: textureAnim({ smooth: false, rate: 1 }),
          },
        ],
      });
      // tag, baseline, tick, count (u16), id, mask word, extended word, then the animation's mode byte.
      const at = 1 + 4 + 4 + 2 + 4 + 2 + 2;
      expect(bytes[at]).toBe(0x03);
      bytes[at] = mode;
      expect(() => decodeServerMessage(bytes)).toThrow(expect.objectContaining({ code: 'protocol_invalid' }));
    }
  });

  it('refuses a face material whose flags have an unknown bit', () => {
    const bytes = encodeServerMessage({
      type: 'delta',
      baseline: 0,
      tick: 1,
      entities: [{ id: 1, materials: [{ ...DEFAULT_FACE_MATERIAL }] }],
    });
    // tag, baseline, tick, count, id, mask, material count, texture, 5 floats, glow, then the flags byte.
    const at = 1 + 4 + 4 + 2 + 4 + 2 + 1 + 16 + 20 + 1;
    bytes[at] = 0x40;
    expect(() => decodeServerMessage(bytes)).toThrow(expect.objectContaining({ code: 'protocol_invalid' }));
  });

  it('round-trips a model hash in the extended mask, alone and beside hover text', () => {
    const model = 'a'.repeat(16) + '0123456789abcdef'.repeat(3);
    for (const e of [
      { id: 4, model },
      { id: 5, model, text: { text: 'house', color: [1, 2, 3, 4] as [number, number, number, number] } },
    ]) {
      const back = decodeServerMessage(encodeServerMessage({ type: 'delta', baseline: 0, tick: 2, entities: [e] }));
      if (back.type !== 'delta') throw new Error('expected delta');
      expect(back.entities[0]).toEqual(e);
    }
  });

  it('refuses to encode a model hash that is not 64 lower-case hex digits', () => {
    for (const model of ['ABC', 'A'.repeat(64), 'g'.repeat(64)])
      expect(() => encodeServerMessage({ type: 'delta', baseline: 0, tick: 1, entities: [{ id: 1, model }] })).toThrow(
        expect.objectContaining({ code: 'protocol_invalid' }),
      );
  });

  it('round-trips region_info with and without water', () => {
    const msg: ServerMessage = {
      type: 'region_info',
      terrainTextures: [
        '30eeb00f-0be7-4a2d-851a-e51fcda08b8e',
        'bb541897-db2d-4b69-b325-4c87fa31534a',
        'c24f5a29-7edf-48e1-8e76-196e0cf9d15f',
        '2523d5db-6923-4a7c-80ce-6e2455e4f1c7',
      ],
      terrainStartHeights: [15, 15, 15, 15],
      terrainHeightRanges: [35, 35, 35, 35],
      waterHeight: 20,
    };
    expect(decodeServerMessage(encodeServerMessage(msg))).toEqual(msg);
    expect(decodeServerMessage(encodeServerMessage({ ...msg, waterHeight: null }))).toEqual({ ...msg, waterHeight: null });
  });

  it('refuses a sculpt with an unknown type', () => {
    const bytes = encodeServerMessage({
      type: 'delta',
      baseline: 0,
      tick: 1,
      entities: [
        { id: 1, sculpt: { type: 'sphere', map: '3d622eb0-11a3-42eb-a662-3eacf2d4ad8f', invert: false, mirror: false } },
      ],
    });
    bytes[1 + 4 + 4 + 2 + 4 + 2] = 0x06;
    expect(() => decodeServerMessage(bytes)).toThrow(expect.objectContaining({ code: 'protocol_invalid' }));
  });
});

describe('storm protocol codec: peer-to-peer', () => {
  const peer = (n: number) => `p${n.toString(16).padStart(32, '0')}`;

  it("round-trips peers with and without the visitor's own id, peer ids as 16 bytes each", () => {
    const cases: ServerMessage[] = [
      { type: 'peers', self: '', peers: [] },
      { type: 'peers', self: peer(1), peers: [{ entity: 7, peer: peer(0xabcdef) }] },
      {
        type: 'peers',
        self: peer(2),
        peers: [1, 2, 3, 4, 5, 6].map((i) => ({ entity: 4_000_000_000 + i, peer: peer(i * 977) })),
      },
    ];
    for (const msg of cases) expect(decodeServerMessage(encodeServerMessage(msg, bounds), bounds)).toEqual(msg);
    expect(encodeServerMessage(cases[1] as ServerMessage, bounds).length).toBe(1 + 1 + 16 + 2 + 4 + 16);
  });

  it('refuses more than MAX_P2P_PEERS peers, ids that are not bound peer ids, and p2p flags other than 0 and 1', () => {
    const many = Array.from({ length: MAX_P2P_PEERS + 1 }, (_, i) => ({ entity: i, peer: peer(i) }));
    expect(() => encodeServerMessage({ type: 'peers', self: '', peers: many }, bounds)).toThrow(ProtocolError);
    expect(() => encodeServerMessage({ type: 'peers', self: 'p-not-hex', peers: [] }, bounds)).toThrow(/not a bound peer id/);
    const tooMany = Uint8Array.of(0x8d, 0, MAX_P2P_PEERS + 1, 0);
    expect(() => decodeServerMessage(tooMany, bounds)).toThrow(/limit is 6/);
    expect(() => decodeClientMessage(Uint8Array.of(0x07, 2))).toThrow(/p2p frame is malformed/);
    expect(() => decodeClientMessage(Uint8Array.of(0x07, 1, 0))).toThrow(ProtocolError);
  });

  it('random peer lists round-trip', () => {
    const link = fc.record({
      entity: fc.integer({ min: 1, max: 0xffffffff }),
      peer: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
    });
    fc.assert(
      fc.property(
        fc.option(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })),
        fc.array(link, { maxLength: MAX_P2P_PEERS }),
        (self, links) => {
          const hex = (v: bigint) => `p${v.toString(16).padStart(32, '0')}`;
          const msg: ServerMessage = {
            type: 'peers',
            self: self === null ? '' : hex(self),
            peers: links.map((l) => ({ entity: l.entity, peer: hex(l.peer) })),
          };
          expect(decodeServerMessage(encodeServerMessage(msg, bounds), bounds)).toEqual(msg);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('storm protocol codec: grid travel', () => {
  const region = fc.record({
    slot: fc.integer({ min: 0, max: 0xffff }),
    name: fc.string({ maxLength: 20 }),
    handle: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String),
    size: fc.tuple(fc.integer({ min: 1, max: 8192 }), fc.integer({ min: 1, max: 8192 })),
    origin: fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 })),
  });

  it('random region tables, travel steps and map replies round-trip exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(region, { minLength: 1, maxLength: 64 }), (current, regions) => {
        const msg: ServerMessage = { type: 'regions', current, regions };
        expect(decodeServerMessage(encodeServerMessage(msg, bounds), bounds)).toEqual(msg);
      }),
      { numRuns: 300 },
    );
    const travel: ServerMessage = {
      type: 'travel',
      kind: 'teleport_failed',
      region: 'Nowhere',
      message: 'no such region',
      ms: 12.5,
    };
    expect(decodeServerMessage(encodeServerMessage(travel, bounds), bounds)).toEqual(travel);
    const map: ServerMessage = {
      type: 'map',
      regions: [
        {
          name: 'StormTest',
          x: 1000,
          y: 1000,
          size: [256, 256],
          access: 13,
          image: '00000000-0000-0000-0000-000000000000',
          agents: 1,
        },
        {
          name: 'StormEast',
          x: 1001,
          y: 1000,
          size: [512, 256],
          access: 21,
          image: '0123abcd-0000-4000-8000-00000000beef',
          agents: 0,
        },
      ],
    };
    expect(decodeServerMessage(encodeServerMessage(map, bounds), bounds)).toEqual(map);
  });

  it('an owner travels as a uuid, a name or both; an entity without one decodes without it', () => {
    const uuid = '6f1d2c0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
    const owners = [{ uuid }, { name: 'Ada Lovelace' }, { uuid, name: 'Grace 🌊' }];
    const msg: ServerMessage = {
      type: 'delta',
      baseline: 0,
      tick: 2,
      entities: [...owners.map((owner, i) => ({ id: i + 1, owner })), { id: 9, name: 'no owner' }],
    };
    const back = decodeServerMessage(encodeServerMessage(msg, bounds), bounds);
    if (back.type !== 'delta') throw new Error('expected a delta');
    expect(back.entities.map((e) => e.owner)).toEqual([...owners, undefined]);
    expect(back.entities[3] && 'owner' in back.entities[3]).toBe(false);
  });

  it('refuses owner flags that name neither a uuid nor a name, or unknown bits', () => {
    const bytes = encodeServerMessage(
      { type: 'delta', baseline: 0, tick: 2, entities: [{ id: 1, owner: { name: 'A' } }] },
      bounds,
    );
    // The owner field: flags 2 (a name follows), the name's u16 length (1), then 'A'.
    const at = bytes.findIndex((_, i) => bytes[i] === 2 && bytes[i + 1] === 1 && bytes[i + 2] === 0 && bytes[i + 3] === 0x41);
    expect(at).toBeGreaterThan(0);
    for (const flags of [0, 4, 0x82]) {
      const bad = bytes.slice();
      bad[at] = flags;
      expect(() => decodeServerMessage(bad, bounds)).toThrow(/owner flags/);
    }
    expect(() => encodeServerMessage({ type: 'delta', baseline: 0, tick: 2, entities: [{ id: 1, owner: {} }] }, bounds)).toThrow(
      ProtocolError,
    );
  });

  it('a grid entity carries its region slot; an entity without one decodes without it', () => {
    const e = entity(5, { region: 3 });
    const msg: ServerMessage = { type: 'snapshot', tick: 1, part: 0, parts: 1, entities: [e, entity(6)] };
    const back = decodeServerMessage(encodeServerMessage(msg, bounds), bounds);
    if (back.type !== 'snapshot') throw new Error('expected a snapshot');
    expect(back.entities[0]?.region).toBe(3);
    expect(back.entities[1] && 'region' in back.entities[1]).toBe(false);
  });

  it('round-trips teleports and map requests; refuses a map request wider than MAX_MAP_SPAN or upside down', () => {
    const teleport: ClientMessage = { type: 'teleport', region: 'StormEast', position: [20, 128.5, 25] };
    expect(decodeClientMessage(encodeClientMessage(teleport))).toEqual(teleport);
    const map: ClientMessage = { type: 'map_request', min: [995, 995], max: [1005, 1005], name: '' };
    expect(decodeClientMessage(encodeClientMessage(map))).toEqual(map);
    const wide = encodeClientMessage({ type: 'map_request', min: [0, 0], max: [10, 10], name: '' });
    new DataView(wide.buffer).setUint16(5, 500, true);
    expect(() => decodeClientMessage(wide)).toThrow(/spans more than/);
    const upside = encodeClientMessage({ type: 'map_request', min: [5, 5], max: [6, 6], name: '' });
    new DataView(upside.buffer).setUint16(1, 9, true);
    expect(() => decodeClientMessage(upside)).toThrow(/below min/);
    const far = encodeClientMessage({ type: 'teleport', region: 'x', position: [1, 1, 1] });
    new DataView(far.buffer).setFloat32(far.length - 12, 9000, true);
    expect(() => decodeClientMessage(far)).toThrow(ProtocolError);
  });
});

describe('storm protocol codec: properties', () => {
  const onlyProtocolErrors = (decode: (b: Uint8Array) => unknown) => (bytes: Uint8Array) => {
    try {
      decode(bytes);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
    }
  };

  it('random bytes never throw anything but ProtocolError (client decoder)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyProtocolErrors(decodeClientMessage)), { numRuns: 3000 });
  });

  it('random bytes never throw anything but ProtocolError (server decoder)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        onlyProtocolErrors((b) => decodeServerMessage(b, bounds)),
      ),
      {
        numRuns: 3000,
      },
    );
  });

  it('random bytes after a valid tag never throw anything but ProtocolError', () => {
    const tags = fc.constantFrom(
      0x01,
      0x02,
      0x03,
      0x04,
      0x05,
      0x06,
      0x81,
      0x82,
      0x83,
      0x84,
      0x85,
      0x86,
      0x87,
      0x88,
      0x89,
      0x8a,
      0x8b,
      0x8c,
      0x07,
      0x8d,
      0x08,
      0x09,
      0x8e,
      0x8f,
      0x90,
    );
    fc.assert(
      fc.property(tags, fc.uint8Array({ maxLength: 200 }), (tag, rest) => {
        const bytes = Uint8Array.of(tag, ...rest);
        onlyProtocolErrors(decodeClientMessage)(bytes);
        onlyProtocolErrors((b) => decodeServerMessage(b, DEFAULT_BOUNDS))(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('a valid frame with one byte flipped never throws anything but ProtocolError', () => {
    const frame = encodeServerMessage({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities: [entity(1), entity(2)] }, bounds);
    fc.assert(
      fc.property(fc.nat(frame.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const copy = frame.slice();
        copy[at] = value;
        onlyProtocolErrors((b) => decodeServerMessage(b, bounds))(copy);
      }),
      { numRuns: 2000 },
    );
  });

  it('chat text of any string round-trips (lone surrogates become U+FFFD)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        fc.pre(text.length > 0);
        const back = decodeClientMessage(encodeClientMessage({ type: 'chat', text }));
        expect(back).toEqual({ type: 'chat', text: new TextDecoder().decode(new TextEncoder().encode(text)) });
      }),
    );
  });

  it('arbitrary entities round-trip within quantization error', () => {
    const coord = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true });
    const arbEntity = fc.record(
      {
        id: fc.integer({ min: 1, max: 0xffffffff }),
        kind: fc.constantFrom('prim' as const, 'avatar' as const),
        parent: fc.nat(),
        name: fc.string({ maxLength: 20 }),
        description: fc.string({ maxLength: 60 }),
        position: fc.tuple(coord(0, 256), coord(0, 256), coord(-16, 240)),
        rotation: fc
          .tuple(coord(-1, 1), coord(-1, 1), coord(-1, 1), coord(-1, 1))
          .filter((q) => Math.hypot(...q) > 0.1)
          .map((q): [number, number, number, number] => {
            const l = Math.hypot(...q);
            return [q[0] / l, q[1] / l, q[2] / l, q[3] / l];
          }),
        scale: fc.tuple(coord(0.01, 64), coord(0.01, 64), coord(0.01, 64)),
        velocity: fc.tuple(coord(-300, 300), coord(-300, 300), coord(-300, 300)),
        shape: fc.constantFrom(...Object.values(SHAPE_PRESETS)),
        colors: fc.array(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), { minLength: 1, maxLength: 32 }),
        uuid: fc.uuid(),
        physical: fc.boolean(),
        sound: fc.record({
          asset: fc.uuid(),
          gain: fc.double({ min: 0, max: 1, noNaN: true }),
          radius: fc.double({ min: 0, max: 1024, noNaN: true }),
          flags: fc.nat(255),
        }),
        materials: fc.array(
          fc.record({
            texture: fc.uuid(),
            repeats: fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -100, max: 100 })),
            offset: fc.tuple(fc.constantFrom(0, 0.5, -0.25, 1), fc.constantFrom(0, 0.5, -1)),
            rotation: fc.constantFrom(0, 0.5, -3),
            glow: fc.nat(255).map((g) => g / 255),
            fullbright: fc.boolean(),
            alphaMode: fc.constantFrom('blend' as const, 'mask' as const, 'none' as const, 'emissive' as const),
            alphaCutoff: fc.nat(255).map((g) => g / 255),
            shiny: fc.nat(3),
            bump: fc.nat(31),
            texgen: fc.constantFrom('default' as const, 'planar' as const),
          }),
          { minLength: 1, maxLength: 32 },
        ),
        textureAnim: fc.option(
          fc.record({
            loop: fc.boolean(),
            reverse: fc.boolean(),
            pingPong: fc.boolean(),
            smooth: fc.boolean(),
            rotate: fc.boolean(),
            scale: fc.boolean(),
            ...arbTextureAnimNumbers,
          }),
        ),
        sculpt: fc.option(
          fc.record({
            type: fc.constantFrom('sphere' as const, 'torus' as const, 'plane' as const, 'cylinder' as const, 'mesh' as const),
            map: fc.uuid(),
            invert: fc.boolean(),
            mirror: fc.boolean(),
          }),
        ),
        text: fc.record({
          text: fc.string({ maxLength: 60 }),
          color: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)),
        }),
        model: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
        owner: fc.oneof(
          fc.record({ uuid: fc.uuid() }),
          fc.record({ name: fc.string({ minLength: 1, maxLength: 40 }) }),
          fc.record({ uuid: fc.uuid(), name: fc.string({ minLength: 1, maxLength: 40 }) }),
        ),
      },
      {
        requiredKeys: [
          'id',
          'kind',
          'parent',
          'name',
          'description',
          'position',
          'rotation',
          'scale',
          'velocity',
          'shape',
          'colors',
        ],
      },
    );
    fc.assert(
      fc.property(arbEntity, (e) => {
        const back = decodeServerMessage(
          encodeServerMessage({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities: [e] }, bounds),
          bounds,
        );
        if (back.type !== 'snapshot') throw new Error('expected snapshot');
        expectEntityClose(back.entities[0] ?? {}, e, bounds);
      }),
      { numRuns: 500 },
    );
  });
});
