/** Payload decoders against a recorded OpenSim session and node-metaverse: object motion, TextureEntry, compressed objects. */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, fieldText, isMessage, LludpError, type Packet } from '../../../../shared/lludp';
import { decodeCompressedObject } from '../../../../shared/lludp/compressed-object';
import { decodeObjectMotion, decodeTerseUpdate } from '../../../../shared/lludp/object-motion';
import { decodeTextureEntry, textureFace } from '../../../../shared/lludp/texture-entry';
import { bytes, f32le, u16le, u32le, uuid } from './bytes';
import { buildCompressed } from './compressed-builder';
import { rawSessionDatagrams, sessionDatagrams, sessionExpected } from './session-fixture';

const require = createRequire(import.meta.url);
const { TextureEntry } = require('@caspertech/node-metaverse/dist/lib/classes/TextureEntry');

const packets: Packet[] = sessionDatagrams.map((d) => decodePacket(d));
const objectBlocks = packets.flatMap((p) => (p.message.name === 'ObjectUpdate' ? p.message.blocks.ObjectData : []));
const expectedById = new Map(sessionExpected.objects.map((o) => [o.localId, o]));

describe('a recorded OpenSim session', () => {
  it('decodes every datagram and re-encodes each byte for byte', () => {
    expect(sessionDatagrams.length).toBeGreaterThan(50);
    for (const d of sessionDatagrams) expect(encodePacket(decodePacket(d))).toEqual(d);
  });

  it('ObjectUpdate ObjectData (60 and 76 bytes) gives the positions and rotations node-metaverse saw', () => {
    expect(objectBlocks.length).toBeGreaterThan(60);
    for (const b of objectBlocks) {
      const motion = decodeObjectMotion(b.ObjectData);
      const e = expectedById.get(b.ID);
      if (!e || e.pcode === 47) continue; // the avatar moved on after this update
      for (let k = 0; k < 3; k++) expect(motion.position[k]).toBeCloseTo(e.position?.[k] ?? Number.NaN, 4);
      for (let k = 0; k < 4; k++) expect(motion.rotation[k]).toBeCloseTo(e.rotation?.[k] ?? Number.NaN, 5);
      expect(b.Scale).toEqual(e.scale);
      expect(b.PathCurve).toBe(e.shape.pathCurve);
      // node-metaverse keeps hollow as a fraction (wire units of 0.00002).
      expect(b.ProfileHollow * 0.00002).toBeCloseTo(e.shape.profileHollow ?? Number.NaN, 6);
    }
    const avatar = objectBlocks.find((b) => b.ObjectData.length === 76);
    expect(avatar && decodeObjectMotion(avatar.ObjectData).collisionPlane).toHaveLength(4);
  });

  it('TextureEntry default colour and per-face colours match node-metaverse for every object', () => {
    for (const b of objectBlocks) {
      if (b.TextureEntry.length === 0) continue;
      const ours = decodeTextureEntry(b.TextureEntry);
      const theirs = TextureEntry.from(Buffer.from(b.TextureEntry));
      const c = theirs.defaultTexture.rgba;
      expect(ours.defaultFace.color).toEqual([c.red, c.green, c.blue, c.alpha]);
      expect(ours.defaultFace.textureId).toBe(theirs.defaultTexture.textureID.toString());
      for (let face = 0; face < 8; face++) {
        const f = theirs.faces[face] ?? theirs.defaultTexture;
        const mine = textureFace(ours, face);
        expect(mine.color).toEqual([f.rgba.red, f.rgba.green, f.rgba.blue, f.rgba.alpha]);
        expect(mine.textureId).toBe(f.textureID.toString());
        expect(mine.repeatU).toBeCloseTo(f.repeatU, 5);
        expect(mine.glow).toBeCloseTo(f.glow, 5);
      }
    }
  });

  it('ImprovedTerseObjectUpdate Data of the avatar decodes with its collision plane', () => {
    const terse = packets.flatMap((p) => (p.message.name === 'ImprovedTerseObjectUpdate' ? p.message.blocks.ObjectData : []));
    expect(terse.length).toBeGreaterThan(0);
    for (const t of terse) {
      const u = decodeTerseUpdate(t.Data);
      expect(u.isAvatar).toBe(true);
      expect(expectedById.get(u.localId)?.pcode).toBe(47);
      expect(u.position[0]).toBeGreaterThan(0);
      expect(u.rotation[3]).toBeGreaterThan(-1.01);
    }
  });

  it('ObjectUpdateCompressed Data rebuilt from the same prims decodes to the same identity, placement, shape and TextureEntry', () => {
    for (const b of objectBlocks) {
      if (b.PCode !== 9) continue;
      const motion = decodeObjectMotion(b.ObjectData);
      const shape = {
        pathCurve: b.PathCurve,
        pathBegin: b.PathBegin,
        pathEnd: b.PathEnd,
        pathScaleX: b.PathScaleX,
        pathScaleY: b.PathScaleY,
        pathShearX: b.PathShearX,
        pathShearY: b.PathShearY,
        pathTwist: b.PathTwist,
        pathTwistBegin: b.PathTwistBegin,
        pathRadiusOffset: b.PathRadiusOffset,
        pathTaperX: b.PathTaperX,
        pathTaperY: b.PathTaperY,
        pathRevolutions: b.PathRevolutions,
        pathSkew: b.PathSkew,
        profileCurve: b.ProfileCurve,
        profileBegin: b.ProfileBegin,
        profileEnd: b.ProfileEnd,
        profileHollow: b.ProfileHollow,
      };
      const blob = buildCompressed({
        fullId: b.FullID,
        localId: b.ID,
        pcode: b.PCode,
        state: b.State,
        crc: b.CRC,
        material: b.Material,
        clickAction: b.ClickAction,
        scale: b.Scale,
        position: motion.position,
        rotation: motion.rotation,
        ownerId: b.OwnerID,
        parentId: b.ParentID,
        extraParams: [],
        shape,
        textureEntry: b.TextureEntry,
      });
      const o = decodeCompressedObject(blob);
      expect(o).toMatchObject({
        fullId: b.FullID,
        localId: b.ID,
        pcode: 9,
        scale: b.Scale,
        position: motion.position,
        parentId: b.ParentID,
        shape,
      });
      for (let k = 0; k < 4; k++) expect(o.rotation[k]).toBeCloseTo(motion.rotation[k] ?? 0, 6);
      expect(o.textureEntry).toEqual(b.TextureEntry);
      expect(o.rest).toHaveLength(0);
    }
  });
});

describe("OpenSim's ObjectUpdateCompressed, as sent to our own client", () => {
  const compressed = rawSessionDatagrams
    .map((d) => decodePacket(d))
    .flatMap((p) => (isMessage(p.message, 'ObjectUpdateCompressed') ? [{ packet: p, blocks: p.message.blocks.ObjectData }] : []));
  const expectedByFullId = new Map(sessionExpected.objects.map((o) => [o.fullId, o]));

  it('every datagram of the session decodes and re-encodes byte for byte (compressed updates arrive zero-coded)', () => {
    for (const d of rawSessionDatagrams) expect(encodePacket(decodePacket(d))).toEqual(d);
    expect(compressed.length).toBeGreaterThan(5);
    expect(compressed.every((c) => c.packet.header.zerocoded)).toBe(true);
  });

  it('all 66 prims decode to the identity, placement, shape and default colour node-metaverse saw', () => {
    const objects = compressed.flatMap((c) => c.blocks.map((b) => decodeCompressedObject(b.Data)));
    expect(objects).toHaveLength(66);
    for (const o of objects) {
      const e = expectedByFullId.get(o.fullId);
      expect(e, o.fullId).toBeDefined();
      if (!e) continue;
      expect(o.pcode).toBe(e.pcode);
      expect(o.scale).toEqual(e.scale);
      for (let k = 0; k < 3; k++) expect(o.position[k]).toBeCloseTo(e.position?.[k] ?? Number.NaN, 4);
      for (let k = 0; k < 4; k++) expect(o.rotation[k]).toBeCloseTo(e.rotation?.[k] ?? Number.NaN, 5);
      expect(o.shape.pathCurve).toBe(e.shape.pathCurve);
      expect(o.shape.profileCurve).toBe(e.shape.profileCurve);
      // node-metaverse keeps path scale as (200 - wire) / 100.
      expect((200 - o.shape.pathScaleX) * 0.01).toBeCloseTo(e.shape.pathScaleX ?? Number.NaN, 5);
      expect(o.rest).toHaveLength(0);
      const te = decodeTextureEntry(o.textureEntry);
      expect(te.defaultFace.color).toEqual(e.defaultColor);
    }
    const withText = objects.filter((o) => o.text);
    expect(withText.length).toBeGreaterThan(0);
    for (const o of withText) expect(fieldText(o.text ?? new Uint8Array(0)).length).toBeGreaterThan(0);
    expect(objects.some((o) => o.parentId !== 0)).toBe(true);
  });
});

describe('ObjectUpdateCompressed Data', () => {
  const base = {
    fullId: '0a0b0c0d-0e0f-1011-1213-141516171819',
    localId: 77,
    pcode: 9,
    state: 0,
    crc: 5,
    material: 3,
    clickAction: 0,
    scale: [1, 2, 3] as [number, number, number],
    position: [10, 20, 30] as [number, number, number],
    rotation: [0, 0, 0, 1] as [number, number, number, number],
    ownerId: '11111111-2222-3333-4444-555555555555',
    parentId: 0,
    extraParams: [],
    shape: {
      pathCurve: 16,
      pathBegin: 0,
      pathEnd: 0,
      pathScaleX: 100,
      pathScaleY: 100,
      pathShearX: 0,
      pathShearY: 0,
      pathTwist: -5,
      pathTwistBegin: 0,
      pathRadiusOffset: 0,
      pathTaperX: 0,
      pathTaperY: 0,
      pathRevolutions: 0,
      pathSkew: 0,
      profileCurve: 1,
      profileBegin: 0,
      profileEnd: 0,
      profileHollow: 0,
    },
    textureEntry: new Uint8Array(0),
  };

  it('reads every optional part its flags announce (parent, text, sound, name values, extra params, texture animation)', () => {
    const optional = fc.record(
      {
        angularVelocity: fc.tuple(fc.float({ noNaN: true }), fc.float({ noNaN: true }), fc.float({ noNaN: true })),
        parentId: fc.integer({ min: 1, max: 0xffffffff }),
        treeSpecies: fc.integer({ min: 0, max: 255 }),
        text: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => b.map((x) => x || 1)),
        textColor: fc.uint8Array({ minLength: 4, maxLength: 4 }),
        mediaUrl: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => b.map((x) => x || 1)),
        particles: fc.uint8Array({ minLength: 86, maxLength: 86 }),
        sound: fc.record({
          id: fc.uuid(),
          gain: fc.float({ noNaN: true }),
          flags: fc.integer({ min: 0, max: 255 }),
          radius: fc.float({ noNaN: true }),
        }),
        nameValues: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => b.map((x) => x || 1)),
        textureAnim: fc.uint8Array({ minLength: 16, maxLength: 16 }),
        extraParams: fc.array(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ maxLength: 30 }) }), {
          maxLength: 3,
        }),
        textureEntry: fc.uint8Array({ maxLength: 40 }),
        rest: fc.uint8Array({ maxLength: 8 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(optional, (parts) => {
        const input = { ...base, ...parts };
        if (input.text && !input.textColor) input.textColor = new Uint8Array(4);
        if (!input.text) delete input.textColor;
        const o = decodeCompressedObject(buildCompressed(input));
        const { rest, ...expected } = input;
        expect(o).toMatchObject(expected);
        expect(o.rest).toEqual(rest ?? new Uint8Array(0));
      }),
      { numRuns: 300 },
    );
  });

  it('truncated or mutated blobs fail only with LludpError naming the part', () => {
    const blob = buildCompressed({ ...base, text: Uint8Array.of(65, 66), textColor: new Uint8Array(4), parentId: 3 });
    expect(() => decodeCompressedObject(blob.subarray(0, 50))).toThrowError(
      /lludp: ObjectUpdateCompressed Data: Position needs 12 byte/,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(blob.length), (junk, cut) => {
        for (const b of [junk, blob.subarray(0, cut), bytes(blob.subarray(0, cut), junk)]) {
          try {
            decodeCompressedObject(b);
          } catch (e) {
            expect(e).toBeInstanceOf(LludpError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('object motion', () => {
  it('decodes the 32-byte u16-quantized form, snapping values within one step of zero to 0', () => {
    const mid = 0x7fff;
    const data = bytes(
      [u16le(32768), u16le(32768), u16le(21845)].flat(),
      Array.from({ length: 6 }, () => u16le(mid)).flat(),
      [u16le(mid), u16le(mid), u16le(mid), u16le(65535)].flat(),
      Array.from({ length: 3 }, () => u16le(mid)).flat(),
    );
    // Positions map onto -128..384, -128..384, -256..768; rotation components onto -1..1.
    const m = decodeObjectMotion(data);
    expect(m.position[0]).toBeCloseTo(128, 1);
    expect(m.position[2]).toBeCloseTo(85.3, 1);
    expect(m.velocity).toEqual([0, 0, 0]);
    expect(m.rotation).toEqual([0, 0, 0, 1]);
    expect(decodeObjectMotion(bytes(new Uint8Array(16).fill(128))).position).toEqual([0, 0, 0]);
  });

  it('rejects lengths other than 16, 32, 48, 60 and 76', () => {
    expect(() => decodeObjectMotion(new Uint8Array(59))).toThrowError(/length 59 is not 16, 32, 48, 60 or 76/);
  });

  it('decodes a hand-built 44-byte terse update of a prim', () => {
    const data = bytes(
      u32le(42),
      '03 00',
      f32le(1, 2, 3),
      ...Array.from({ length: 3 }, () => u16le(32768)),
      ...Array.from({ length: 3 }, () => u16le(32768)),
      u16le(32768),
      u16le(32768),
      u16le(32768),
      u16le(65535),
      ...Array.from({ length: 3 }, () => u16le(32768)),
    );
    expect(decodeTerseUpdate(data)).toMatchObject({
      localId: 42,
      state: 3,
      isAvatar: false,
      position: [1, 2, 3],
      rotation: [0, 0, 0, 1],
    });
    expect(() => decodeTerseUpdate(data.subarray(0, 30))).toThrowError(LludpError);
  });
});

describe('TextureEntry', () => {
  it('applies per-face colour overrides named by the face bitfield (colours stored inverted)', () => {
    const te = bytes(uuid('89556747-2498-45fc-b5d7-eb30bac3f6d7'), '00', '00 00 00 00', '06', 'ff 00 ff 00', '00');
    const d = decodeTextureEntry(te);
    expect(d.defaultFace.color).toEqual([1, 1, 1, 1]);
    expect(textureFace(d, 0).color).toEqual([1, 1, 1, 1]);
    expect(textureFace(d, 1).color).toEqual([0, 1, 0, 1]);
    expect(textureFace(d, 2).color).toEqual([0, 1, 0, 1]);
    expect(textureFace(d, 3).color).toEqual([1, 1, 1, 1]);
  });

  it('fails with LludpError on truncated or random bytes, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          decodeTextureEntry(b);
        } catch (e) {
          expect(e).toBeInstanceOf(LludpError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
