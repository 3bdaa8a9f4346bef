/** Hand-built packets of the messages the gateway needs decode to the expected fields (zerocoded and acked cases too). */
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, fieldText, type MessageOf } from '../../../../shared/lludp';
import { bytes, cstr, f32le, u16le, u32le, uuid, zc } from './bytes';

const AGENT = '11111111-2222-3333-4444-555555555555';
const SESSION = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const OBJECT = '0a0b0c0d-0e0f-1011-1213-141516171819';

function decodeAs<K extends MessageOf<never>['name'] | string>(name: K, b: Uint8Array) {
  const p = decodePacket(b);
  expect(p.message.name).toBe(name);
  // Byte-exact re-encoding is part of every case.
  expect(encodePacket(p)).toEqual(b);
  return p;
}

describe('essential messages decode from hand-built bytes', () => {
  it('StartPingCheck (High 1) reads PingID and OldestUnacked, with the big-endian sequence', () => {
    const p = decodeAs('StartPingCheck', bytes('00 01020304 00 01 07', u32le(1234)));
    expect(p.header).toMatchObject({ flags: 0, sequence: 0x01020304, reliable: false, zerocoded: false });
    if (p.message.name !== 'StartPingCheck') throw new Error('unreachable');
    expect(p.message.blocks.PingID).toEqual({ PingID: 7, OldestUnacked: 1234 });
  });

  it('CompletePingCheck (High 2) answers with the PingID', () => {
    const p = decodeAs('CompletePingCheck', bytes('00 00000009 00 02 07'));
    expect(p.message.blocks).toEqual({ PingID: { PingID: 7 } });
  });

  it('PacketAck (Fixed 0xFFFFFFFB) lists acked sequence numbers (little-endian in the body)', () => {
    const p = decodeAs('PacketAck', bytes('00 00000002 00 fffffffb 03', u32le(1), u32le(2), u32le(0xdeadbeef)));
    expect(p.message.blocks).toEqual({ Packets: [{ ID: 1 }, { ID: 2 }, { ID: 0xdeadbeef }] });
  });

  it('UseCircuitCode (Low 3) reads the code, session and agent UUIDs; reliable flag set', () => {
    const p = decodeAs('UseCircuitCode', bytes('40 00000001 00 ffff0003', u32le(0x12345678), uuid(SESSION), uuid(AGENT)));
    expect(p.header.reliable).toBe(true);
    expect(p.message.blocks).toEqual({ CircuitCode: { Code: 0x12345678, SessionID: SESSION, ID: AGENT } });
  });

  it('CompleteAgentMovement (Low 249) reads agent, session and circuit code', () => {
    const p = decodeAs('CompleteAgentMovement', bytes('40 00000002 00 ffff00f9', uuid(AGENT), uuid(SESSION), u32le(99)));
    expect(p.message.blocks).toEqual({ AgentData: { AgentID: AGENT, SessionID: SESSION, CircuitCode: 99 } });
  });

  it('RegionHandshake (Low 148) without the trailing RegionInfo4 block decodes it as empty and re-encodes without it', () => {
    const info = bytes(
      u32le(0x10),
      [13],
      [6],
      cstr('Hello'),
      uuid(AGENT),
      [1],
      f32le(20, 1),
      uuid(OBJECT),
      ...Array.from({ length: 8 }, () => uuid(OBJECT)),
      f32le(10, 11, 12, 13, 60, 61, 62, 63),
      uuid(SESSION),
      u32le(1),
      u32le(2),
      [0, 0, 0],
    );
    const p = decodeAs('RegionHandshake', bytes('40 00000003 00 ffff0094', info));
    expect(p.omittedBlocks).toBe(1);
    if (p.message.name !== 'RegionHandshake') throw new Error('unreachable');
    const b = p.message.blocks;
    expect(fieldText(b.RegionInfo.SimName)).toBe('Hello');
    expect(b.RegionInfo.WaterHeight).toBe(20);
    expect(b.RegionInfo.IsEstateManager).toBe(true);
    expect(b.RegionInfo.TerrainHeightRange11).toBe(63);
    expect(b.RegionInfo2.RegionID).toBe(SESSION);
    expect(b.RegionInfo3).toMatchObject({ CPUClassID: 1, CPURatio: 2 });
    expect(b.RegionInfo4).toEqual([]);
  });

  it('RegionHandshakeReply (Low 149), zerocoded: zero runs expand and the flags survive', () => {
    // AgentID, SessionID, then Flags = 5: the body (after the 6 header bytes) is zero-coded.
    const nonZeroAgent = uuid(AGENT);
    const nonZeroSession = uuid(SESSION);
    const p = decodeAs(
      'RegionHandshakeReply',
      bytes('c0 00000004 00', zc(bytes('ff ff 00 95', nonZeroAgent, nonZeroSession, u32le(5)))),
    );
    expect(p.header.zerocoded).toBe(true);
    expect(p.message.blocks).toEqual({ AgentData: { AgentID: AGENT, SessionID: SESSION }, RegionInfo: { Flags: 5 } });
  });

  it('AgentUpdate (High 4), zerocoded, reads rotations (w derived), camera vectors and control flags', () => {
    const zeroAgent = '00000000-0000-0000-0000-000000000001';
    // Hand-zero-coded body: id 04, AgentID (15 zeros + 01), SessionID (16 zeros), BodyRotation (0,0,0),
    // HeadRotation (0,0,0), State 0, CameraCenter (128,128,25), three axes, Far, ControlFlags, Flags.
    const plain = bytes(
      '04',
      uuid(zeroAgent),
      new Uint8Array(16),
      f32le(0, 0, 0),
      f32le(0, 0, 0),
      [0],
      f32le(128, 128, 25),
      f32le(1, 0, 0),
      f32le(0, 1, 0),
      f32le(0, 0, 1),
      f32le(64),
      u32le(0x1),
      [0],
    );
    const p = decodeAs('AgentUpdate', bytes('80 00000005 00', zc(plain)));
    if (p.message.name !== 'AgentUpdate') throw new Error('unreachable');
    const a = p.message.blocks.AgentData;
    expect(a.AgentID).toBe(zeroAgent);
    expect(a.BodyRotation).toEqual([0, 0, 0, 1]);
    expect(a.CameraCenter).toEqual([128, 128, 25]);
    expect(a.CameraUpAxis).toEqual([0, 0, 1]);
    expect(a.Far).toBe(64);
    expect(a.ControlFlags).toBe(1);
  });

  it('ObjectUpdateCompressed (High 13) reads region handle as bigint and the Variable 2 data blobs', () => {
    const p = decodeAs(
      'ObjectUpdateCompressed',
      bytes('40 00000006 00 0d', '00 e8 03 00 00 e8 03 00', u16le(65535), '02', u32le(7), u16le(3), 'aabbcc', u32le(8), u16le(0)),
    );
    if (p.message.name !== 'ObjectUpdateCompressed') throw new Error('unreachable');
    expect(p.message.blocks.RegionData.RegionHandle).toBe((256000n << 32n) | 256000n);
    expect(p.message.blocks.ObjectData.map((o) => [o.UpdateFlags, [...o.Data]])).toEqual([
      [7, [0xaa, 0xbb, 0xcc]],
      [8, []],
    ]);
  });

  it('ObjectUpdateCached (High 14) lists ID, CRC and UpdateFlags', () => {
    const p = decodeAs(
      'ObjectUpdateCached',
      bytes('00 00000007 00 0e', new Uint8Array(8), u16le(1), '01', u32le(5), u32le(6), u32le(7)),
    );
    expect(p.message.blocks).toMatchObject({ ObjectData: [{ ID: 5, CRC: 6, UpdateFlags: 7 }] });
  });

  it('RequestMultipleObjects (Medium 3) reads the FF-prefixed id', () => {
    const p = decodeAs(
      'RequestMultipleObjects',
      bytes('00 00000008 00 ff 03', uuid(AGENT), uuid(SESSION), '02 00', u32le(11), '01', u32le(12)),
    );
    expect(p.message.blocks).toMatchObject({
      ObjectData: [
        { CacheMissType: 0, ID: 11 },
        { CacheMissType: 1, ID: 12 },
      ],
    });
  });

  it('ImprovedTerseObjectUpdate (High 15) keeps the Data and TextureEntry blobs', () => {
    const p = decodeAs(
      'ImprovedTerseObjectUpdate',
      bytes('00 00000009 00 0f', new Uint8Array(8), u16le(0), '01', '02 0102', u16le(0)),
    );
    if (p.message.name !== 'ImprovedTerseObjectUpdate') throw new Error('unreachable');
    expect([...(p.message.blocks.ObjectData[0]?.Data ?? [])]).toEqual([1, 2]);
  });

  it('KillObject (High 16) lists local ids', () => {
    const p = decodeAs('KillObject', bytes('40 0000000a 00 10 02', u32le(100), u32le(101)));
    expect(p.message.blocks).toEqual({ ObjectData: [{ ID: 100 }, { ID: 101 }] });
  });

  it('LayerData (High 11) reads the layer type and the patch bytes', () => {
    const p = decodeAs('LayerData', bytes('40 0000000b 00 0b 4c', u16le(4), '01020304'));
    if (p.message.name !== 'LayerData') throw new Error('unreachable');
    expect(p.message.blocks.LayerID.Type).toBe(0x4c);
    expect([...p.message.blocks.LayerData.Data]).toEqual([1, 2, 3, 4]);
  });

  it('ChatFromViewer (Low 80), zerocoded, reads the message text, type and channel', () => {
    const p = decodeAs(
      'ChatFromViewer',
      bytes('80 0000000c 00', zc(bytes('ff ff 00 50', uuid(AGENT), uuid(SESSION), u16le(3), '6869 00 01', u32le(0)))),
    );
    if (p.message.name !== 'ChatFromViewer') throw new Error('unreachable');
    expect(fieldText(p.message.blocks.ChatData.Message)).toBe('hi');
    expect(p.message.blocks.ChatData.Type).toBe(1);
    expect(p.message.blocks.ChatData.Channel).toBe(0);
  });

  it('ChatFromSimulator (Low 139) reads the speaker, position and UTF-8 text', () => {
    const text = [...new TextEncoder().encode('héllo')].concat(0);
    const p = decodeAs(
      'ChatFromSimulator',
      bytes(
        '40 0000000d 00 ffff008b',
        [8],
        cstr('Ann Bee'),
        uuid(AGENT),
        uuid(AGENT),
        '01 01 01',
        f32le(1.5, 2.5, 3.5),
        u16le(text.length),
        text,
      ),
    );
    if (p.message.name !== 'ChatFromSimulator') throw new Error('unreachable');
    const c = p.message.blocks.ChatData;
    expect(fieldText(c.FromName)).toBe('Ann Bee');
    expect(fieldText(c.Message)).toBe('héllo');
    expect(c.Position).toEqual([1.5, 2.5, 3.5]);
  });

  it('LogoutRequest (Low 252) reads agent and session', () => {
    const p = decodeAs('LogoutRequest', bytes('40 0000000e 00 ffff00fc', uuid(AGENT), uuid(SESSION)));
    expect(p.message.blocks).toEqual({ AgentData: { AgentID: AGENT, SessionID: SESSION } });
  });
});

describe('appended acks', () => {
  it('are read big-endian from the tail, with the count as the last byte', () => {
    const p = decodeAs('CompletePingCheck', bytes('50 00000010 00 02 07', '00000001 0000ff02', '02'));
    expect(p.header.reliable).toBe(true);
    expect(p.acks).toEqual([1, 0xff02]);
    expect(p.message.blocks).toEqual({ PingID: { PingID: 7 } });
  });

  it('are never zero-coded, even when the body is', () => {
    // Body 02 00 01 (PingID 0, zero-coded); acks 00000100 and 00000000 written plainly.
    const p = decodeAs('CompletePingCheck', bytes('90 00000011 00 02 00 01', '00000100 00000000', '02'));
    expect(p.header.zerocoded).toBe(true);
    expect(p.acks).toEqual([0x100, 0]);
    expect(p.message.blocks).toEqual({ PingID: { PingID: 0 } });
  });

  it('are encoded when given, setting the 0x10 flag', () => {
    const b = encodePacket({
      header: { sequence: 1 },
      acks: [0x01020304],
      message: { name: 'CompletePingCheck', blocks: { PingID: { PingID: 3 } } },
    });
    expect([...b]).toEqual([0x10, 0, 0, 0, 1, 0, 2, 3, 1, 2, 3, 4, 1]);
  });
});

describe('extra header and id widths', () => {
  it('skips the extra header bytes before the message id', () => {
    const p = decodeAs('CompletePingCheck', bytes('00 00000001 03 aabbcc 02 09'));
    expect([...p.header.extra]).toEqual([0xaa, 0xbb, 0xcc]);
    expect(p.message.blocks).toEqual({ PingID: { PingID: 9 } });
  });

  it('encodes High, Medium, Low and Fixed ids with 1, 2, 4 and 4 bytes', () => {
    const seq = { sequence: 0 };
    expect([
      ...encodePacket({ header: seq, message: { name: 'CompletePingCheck', blocks: { PingID: { PingID: 1 } } } }).subarray(6, 7),
    ]).toEqual([2]);
    const medium = encodePacket({
      header: seq,
      message: { name: 'RequestMultipleObjects', blocks: { AgentData: { AgentID: AGENT, SessionID: SESSION }, ObjectData: [] } },
    });
    expect([...medium.subarray(6, 8)]).toEqual([0xff, 3]);
    const low = encodePacket({
      header: seq,
      message: { name: 'LogoutRequest', blocks: { AgentData: { AgentID: AGENT, SessionID: SESSION } } },
    });
    expect([...low.subarray(6, 10)]).toEqual([0xff, 0xff, 0, 252]);
    const fixed = encodePacket({ header: seq, message: { name: 'PacketAck', blocks: { Packets: [] } } });
    expect([...fixed]).toEqual([0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfb, 0]);
  });
});
