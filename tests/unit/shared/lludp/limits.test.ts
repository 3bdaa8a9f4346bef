/** The codec's strict limits and its error messages, which name the message, block and field. */
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, LludpError, MAX_PACKET_BYTES, zeroDecode } from '../../../../shared/lludp';
import { bytes, u16le, u32le } from './bytes';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LludpError);
    return `${(e as LludpError).code} ${(e as LludpError).message}`;
  }
  throw new Error('expected an LludpError');
}

describe('decode errors', () => {
  it('rejects a packet too short for a header and id', () => {
    expect(codeOf(() => decodePacket(bytes('00 00000001 00')))).toMatch(/^lludp_truncated /);
  });

  it(`rejects a datagram over ${MAX_PACKET_BYTES} bytes`, () => {
    expect(codeOf(() => decodePacket(new Uint8Array(MAX_PACKET_BYTES + 1)))).toMatch(/^lludp_too_large /);
  });

  it('rejects an unknown message id, naming it', () => {
    expect(codeOf(() => decodePacket(bytes('00 00000001 00 ffff01ff')))).toMatch(
      /lludp_unknown_message lludp: message id Low 511/,
    );
  });

  it('names message, block index and field when a field runs off the end', () => {
    const b = bytes('00 00000001 00 0f', new Uint8Array(8), u16le(0), '03', '00', u16le(0), '00', u16le(0), '05 0102');
    expect(codeOf(() => decodePacket(b))).toMatch(
      /^lludp_truncated lludp: ImprovedTerseObjectUpdate\.ObjectData\[2\]\.Data: needs 5 byte/,
    );
  });

  it('rejects appended acks that do not fit the packet', () => {
    expect(codeOf(() => decodePacket(bytes('10 00000001 00 02 07 09')))).toMatch(/^lludp_bad_acks /);
  });

  it('rejects a zero run without a count and a zero run of length 0', () => {
    expect(codeOf(() => decodePacket(bytes('80 00000001 00 02 00')))).toMatch(/^lludp_bad_zerocoding /);
    expect(codeOf(() => decodePacket(bytes('80 00000001 00 02 00 00')))).toMatch(/^lludp_bad_zerocoding /);
  });

  it('refuses to expand a zero-coded body beyond the limit (a zip bomb)', () => {
    const bomb = new Uint8Array(200).fill(0xff).map((_, i) => (i % 2 === 0 ? 0 : 0xff));
    expect(codeOf(() => zeroDecode(bomb, MAX_PACKET_BYTES))).toMatch(/^lludp_too_large /);
  });

  it('keeps unknown low flag bits and an empty appended-ack list, so a re-encode is byte-exact', () => {
    const b = bytes('1f 00000001 00 02 07 00');
    const p = decodePacket(b);
    expect(p.header.flags).toBe(0x1f);
    expect(p.acks).toEqual([]);
    expect(encodePacket(p)).toEqual(b);
  });

  it('keeps bytes after the body as trailing, so a re-encode is byte-exact', () => {
    const b = bytes('00 00000001 00 02 07 abcd');
    const p = decodePacket(b);
    expect([...(p.trailing ?? [])]).toEqual([0xab, 0xcd]);
    expect(encodePacket(p)).toEqual(b);
  });
});

describe('encode errors', () => {
  const header = { sequence: 1 };
  it('rejects inputs of the wrong kind with LludpError, not a TypeError', () => {
    for (const bad of [
      null,
      'x',
      1,
      {},
      { header: null },
      { header: {}, message: null },
      { header: { sequence: -1 }, message: {} },
    ]) {
      expect(codeOf(() => encodePacket(bad as never))).toMatch(/^lludp_/);
    }
    for (const bad of [null, 'abc', [1, 2, 3], new ArrayBuffer(8)])
      expect(codeOf(() => decodePacket(bad as never))).toMatch(/^lludp_/);
  });

  it('names message and field for an out-of-range integer', () => {
    expect(
      codeOf(() => encodePacket({ header, message: { name: 'CompletePingCheck', blocks: { PingID: { PingID: 256 } } } })),
    ).toMatch(/^lludp_bad_value lludp: CompletePingCheck\.PingID\.PingID: expected an integer in 0\.\.255/);
  });

  it('names the block index for a bad UUID', () => {
    const message = { name: 'KillObject', blocks: { ObjectData: [{ ID: 1 }, { ID: 'x' }] } };
    expect(codeOf(() => encodePacket({ header, message } as never))).toMatch(/KillObject\.ObjectData\[1\]\.ID/);
  });

  it('rejects a missing field, an unknown message and a Multiple block of the wrong count', () => {
    expect(
      codeOf(() => encodePacket({ header, message: { name: 'CompletePingCheck', blocks: { PingID: {} } } } as never)),
    ).toMatch(/CompletePingCheck\.PingID\.PingID: missing/);
    expect(codeOf(() => encodePacket({ header, message: { name: 'Nope', blocks: {} } } as never))).toMatch(
      /^lludp_unknown_message /,
    );
    const test = { name: 'TestMessage', blocks: { TestBlock1: { Test1: 1 }, NeighborBlock: [] } };
    expect(codeOf(() => encodePacket({ header, message: test } as never))).toMatch(
      /TestMessage\.NeighborBlock: expected exactly 4/,
    );
  });

  it('rejects a Variable 1 field over 255 bytes and a packet over the size limit', () => {
    const name = { name: 'ChatFromSimulator' } as const;
    const chat = (from: number, msg: number) => ({
      ...name,
      blocks: {
        ChatData: {
          FromName: new Uint8Array(from),
          SourceID: '00000000-0000-0000-0000-000000000000',
          OwnerID: '00000000-0000-0000-0000-000000000000',
          SourceType: 0,
          ChatType: 0,
          Audible: 0,
          Position: [0, 0, 0],
          Message: new Uint8Array(msg),
        },
      },
    });
    expect(codeOf(() => encodePacket({ header, message: chat(256, 0) } as never))).toMatch(
      /ChatData\.FromName: 256 bytes exceed/,
    );
    expect(codeOf(() => encodePacket({ header, message: chat(1, 9000) } as never))).toMatch(/^lludp_too_large /);
  });

  it('writes IPPORT big-endian and IPADDR in wire order', () => {
    const b = encodePacket({
      header,
      message: { name: 'OpenCircuit', blocks: { CircuitInfo: { IP: '10.1.2.3', Port: 9000 } } },
    });
    expect([...b.subarray(10)]).toEqual([10, 1, 2, 3, 0x23, 0x28]);
    expect(u32le(0)).toHaveLength(4);
  });
});
