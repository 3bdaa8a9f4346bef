/** The recorded OpenSim session (fixtures/opensim-session.hex) and what node-metaverse decoded from it. */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../../../shared/lludp';

const dir = new URL('./fixtures/', import.meta.url);

/** Every datagram the simulator sent, in order. */
export const sessionDatagrams: Uint8Array[] = readFileSync(new URL('opensim-session.hex', dir), 'utf8')
  .trim()
  .split('\n')
  .map((line) => fromHex(line) ?? new Uint8Array(0));

/** node-metaverse's view of the same session: terrain samples [x, y, height] and objects. */
export const sessionExpected: {
  terrain: [number, number, number][];
  objects: {
    localId: number;
    fullId: string;
    parentId: number;
    pcode: number;
    position: number[] | null;
    scale: number[] | null;
    rotation: number[] | null;
    shape: Record<string, number>;
    defaultColor: number[] | null;
  }[];
} = JSON.parse(readFileSync(new URL('opensim-expected.json', dir), 'utf8'));

/**
 * Every datagram OpenSim sent our own minimal client (fixtures/capture-raw.ts, RegionHandshakeReply flags 0x2):
 * all 66 prims arrive as zero-coded ObjectUpdateCompressed.
 */
export const rawSessionDatagrams: Uint8Array[] = readFileSync(new URL('opensim-raw-session.hex', dir), 'utf8')
  .trim()
  .split('\n')
  .map((line) => fromHex(line) ?? new Uint8Array(0));
