/** The packet inspector: decode → JSON → encode is byte-exact, and the CLI reports errors on stderr with a status. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodePacket,
  getMessageRegistry,
  LludpError,
  packetFromJson,
  packetToJson,
  textField,
} from '../../../../shared/lludp';
import { packetArbitrary } from './arbitraries';
import { bytes, hex, u16le, u32le, uuid } from './bytes';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lludp.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('JSON form', () => {
  it('decode → JSON text → encode is byte-exact for generated packets of every message', () => {
    const all = fc.constantFrom(...getMessageRegistry().messages).chain(packetArbitrary);
    fc.assert(
      fc.property(all, (init) => {
        let b: Uint8Array;
        try {
          b = encodePacket(init);
        } catch (e) {
          expect((e as LludpError).code).toBe('lludp_too_large');
          return;
        }
        const text = JSON.stringify(packetToJson(decodePacket(b)));
        expect(hex(encodePacket(packetFromJson(JSON.parse(text))))).toBe(hex(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('prints UUIDs as strings, printable Variable fields as text, binary ones as {hex}, -0 and Infinity as strings', () => {
    const b = encodePacket({
      header: { sequence: 5, reliable: true },
      acks: [9],
      message: {
        name: 'ChatFromSimulator',
        blocks: {
          ChatData: {
            FromName: textField('Ann'),
            SourceID: '11111111-2222-3333-4444-555555555555',
            OwnerID: '11111111-2222-3333-4444-555555555555',
            SourceType: 1,
            ChatType: 1,
            Audible: 1,
            Position: [-0, Number.POSITIVE_INFINITY, 1.5],
            Message: Uint8Array.of(0xff, 0x00, 0x01),
          },
        },
      },
    });
    const j = packetToJson(decodePacket(b));
    expect(j).toMatchObject({
      header: { flags: 0x50, sequence: 5, reliable: true, appendedAcks: true },
      acks: [9],
      message: 'ChatFromSimulator',
      blocks: {
        ChatData: {
          FromName: 'Ann\u0000',
          SourceID: '11111111-2222-3333-4444-555555555555',
          Position: ['-0', 'Infinity', 1.5],
          Message: { hex: 'ff0001' },
        },
      },
    });
  });

  it('JSON with any field replaced by an arbitrary JSON value fails only with LludpError', () => {
    const all = fc.constantFrom(...getMessageRegistry().messages.filter((m) => m.blocks.length > 0)).chain(packetArbitrary);
    fc.assert(
      fc.property(all, fc.nat(), fc.jsonValue(), (init, pick, junk) => {
        let json: ReturnType<typeof packetToJson>;
        try {
          json = packetToJson(decodePacket(encodePacket(init)));
        } catch {
          return;
        }
        // Collect every field slot (object, key) and overwrite one with the junk value.
        const slots: [Record<string, unknown>, string][] = [[json as unknown as Record<string, unknown>, 'header']];
        for (const block of Object.values(json.blocks)) {
          for (const instance of Array.isArray(block) ? block : [block]) {
            if (instance && typeof instance === 'object' && !Array.isArray(instance)) {
              for (const key of Object.keys(instance)) slots.push([instance as Record<string, unknown>, key]);
            }
          }
        }
        const [target, key] = slots[pick % slots.length] ?? slots[0] ?? [{}, ''];
        target[key] = junk;
        try {
          encodePacket(packetFromJson(JSON.parse(JSON.stringify(json))));
        } catch (e) {
          expect(e).toBeInstanceOf(LludpError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects unknown blocks and fields by name', () => {
    const base = { header: { sequence: 1 }, message: 'KillObject' };
    expect(() => packetFromJson({ ...base, blocks: { Nope: [] } })).toThrowError(/KillObject\.Nope: no such block/);
    expect(() => packetFromJson({ ...base, blocks: { ObjectData: [{ ID: 1, X: 2 }] } })).toThrowError(
      /KillObject\.ObjectData\[0\]\.X: no such field/,
    );
    expect(() => packetFromJson('x')).toThrowError(LludpError);
  });
});

describe('lludp CLI', () => {
  const packet = bytes(
    '40 00000007 00 ffff0003',
    u32le(42),
    uuid('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'),
    uuid('11111111-2222-3333-4444-555555555555'),
  );

  it('decode <hex> prints JSON and encode <file> gives the same bytes back', () => {
    const d = cli('decode', hex(packet));
    expect(d.status).toBe(0);
    const json = JSON.parse(d.stdout);
    expect(json).toMatchObject({
      message: 'UseCircuitCode',
      header: { sequence: 7, reliable: true },
      blocks: { CircuitCode: { Code: 42 } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'lludp-'));
    writeFileSync(join(dir, 'p.json'), d.stdout);
    const e = cli('encode', join(dir, 'p.json'));
    expect(e.status).toBe(0);
    expect(e.stdout.trim()).toBe(hex(packet));
  });

  it('decode <binary file> reads raw bytes, including zero-coded ones with appended acks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lludp-'));
    const zerocoded = bytes('d0 00000001 00 0f', '00 0a', '01 05 01 02 03 04 05 00 02', '00000001 01');
    writeFileSync(join(dir, 'p.bin'), zerocoded);
    const d = cli('decode', join(dir, 'p.bin'));
    expect(d.stderr).toBe('');
    expect(JSON.parse(d.stdout)).toMatchObject({ message: 'ImprovedTerseObjectUpdate', acks: [1], header: { zerocoded: true } });
    writeFileSync(join(dir, 'p.json'), d.stdout);
    expect(cli('encode', join(dir, 'p.json')).stdout.trim()).toBe(hex(zerocoded));
    expect(u16le(0)).toEqual([0, 0]);
  });

  it('decode <capture.hex> of a whole OpenSim session prints a JSON array, and encode gives every datagram back', () => {
    const capture = join(root, 'tests/unit/shared/lludp/fixtures/opensim-raw-session.hex');
    const d = cli('decode', capture);
    expect(d.status).toBe(0);
    expect(d.stderr).toBe('');
    const json = JSON.parse(d.stdout);
    expect(json.map((p: { message: string }) => p.message)).toContain('ObjectUpdateCompressed');
    const dir = mkdtempSync(join(tmpdir(), 'lludp-'));
    writeFileSync(join(dir, 'all.json'), d.stdout);
    expect(cli('encode', join(dir, 'all.json')).stdout).toBe(readFileSync(capture, 'utf8'));
  });

  it('reports a bad packet on stderr with status 1, and bad usage with status 2', () => {
    const bad = cli('decode', '0000000001000fff');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^lludp: ImprovedTerseObjectUpdate\.RegionData\.RegionHandle: .*\[lludp_truncated\]/);
    expect(cli('frobnicate').status).toBe(2);
    expect(cli('encode', '{"message":"Nope"}').stderr).toMatch(/lludp: message "Nope" is not in the template/);
  });
});
