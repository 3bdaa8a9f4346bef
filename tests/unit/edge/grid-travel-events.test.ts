import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LlsdValue } from '../../../edge/grid/llsd';
import { readQueueEvents } from '../../../edge/grid/travel-events';

const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
const u32be = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const u64be = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * (7 - i))) & 255n));

/** StormEast as OpenSim 0.9.2.2 announces it (../shared/NOTES-travel.md). */
const EAST = 1100611139659776n;

describe('grid travel events from the event queue', () => {
  it('reads EnableSimulator, EstablishAgentCommunication, CrossedRegion, TeleportFinish and DisableSimulator as OpenSim sends them', () => {
    const answer: LlsdValue = {
      id: 7,
      events: [
        {
          message: 'EnableSimulator',
          body: {
            SimulatorInfo: [
              {
                Handle: b64(u64be(EAST)),
                IP: b64([127, 0, 0, 1]),
                Port: 9001,
                RegionSizeX: b64(u32be(256)),
                RegionSizeY: b64(u32be(512)),
              },
            ],
          },
        },
        {
          message: 'EstablishAgentCommunication',
          body: { 'agent-id': 'x', 'sim-ip-and-port': '127.0.0.1:9001', 'seed-capability': 'http://127.0.0.1:9000/CAPS/abc/' },
        },
        {
          message: 'CrossedRegion',
          body: {
            AgentData: [{ AgentID: 'a', SessionID: 's' }],
            Info: [{ Position: [0.3, 128, 25], LookAt: [1, 0, 0] }],
            RegionData: [
              {
                RegionHandle: b64(u64be(EAST)),
                SeedCapability: 'http://127.0.0.1:9000/CAPS/def/',
                SimIP: b64([127, 0, 0, 1]),
                SimPort: 9001,
                RegionSizeX: b64(u32be(256)),
                RegionSizeY: b64(u32be(256)),
              },
            ],
          },
        },
        {
          message: 'TeleportFinish',
          body: {
            Info: [
              {
                AgentID: 'a',
                LocationID: b64(u32be(4)),
                SimIP: b64([127, 0, 0, 1]),
                SimPort: 9001,
                RegionHandle: b64(u64be(EAST)),
                SeedCapability: 'http://127.0.0.1:9000/CAPS/ghi/',
                SimAccess: 13,
                TeleportFlags: b64(u32be(16)),
              },
            ],
          },
        },
        { message: 'DisableSimulator', body: null },
        { message: 'ParcelProperties', body: {} },
      ],
    };
    const events = readQueueEvents(answer);
    expect(events.map((e) => e.type)).toEqual([
      'enable-simulator',
      'establish-agent-communication',
      'crossed-region',
      'teleport-finish',
      'disable-simulator',
      'other',
    ]);
    expect(events[0]).toEqual({ type: 'enable-simulator', handle: EAST, ip: '127.0.0.1', port: 9001, size: [256, 512] });
    expect(events[1]).toEqual({
      type: 'establish-agent-communication',
      ip: '127.0.0.1',
      port: 9001,
      seed: 'http://127.0.0.1:9000/CAPS/abc/',
    });
    expect(events[2]).toMatchObject({ type: 'crossed-region', handle: EAST, position: [0.3, 128, 25], size: [256, 256] });
    // A TeleportFinish without sizes (older grids): 256 m.
    expect(events[3]).toMatchObject({ type: 'teleport-finish', handle: EAST, port: 9001, size: [256, 256] });
  });

  it('reports an event that does not parse as bad (with why) and reads the rest', () => {
    const events = readQueueEvents({
      events: [
        { message: 'EnableSimulator', body: { SimulatorInfo: [{ Handle: 'not base64!', IP: b64([1, 2, 3, 4]), Port: 1 }] } },
        { message: 'EstablishAgentCommunication', body: { 'sim-ip-and-port': '300.0.0.1:9', 'seed-capability': 'http://x/' } },
        { message: 'TeleportFinish', body: { Info: [{ SimIP: b64([1, 2, 3, 4]), SimPort: 70000 }] } },
        { message: 'CrossedRegion', body: { RegionData: [], Info: [] } },
        { body: {} },
        { message: 'DisableSimulator' },
      ],
    });
    expect(events.map((e) => e.type)).toEqual(['bad', 'bad', 'bad', 'bad', 'bad', 'disable-simulator']);
    expect(events[0]?.type === 'bad' && events[0].why).toMatch(/Handle/);
  });

  it('never throws on any LLSD value and only ever yields well-formed events', () => {
    const llsd: fc.Arbitrary<LlsdValue> = fc.letrec<{ v: LlsdValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double(),
        fc.string(),
        fc.base64String(),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(
          fc.constantFrom(
            'SimulatorInfo',
            'Handle',
            'IP',
            'Port',
            'RegionData',
            'Info',
            'SimIP',
            'SimPort',
            'seed-capability',
            'x',
          ),
          tie('v'),
          { maxKeys: 5 },
        ),
      ),
    })).v;
    const event = fc.record({
      message: fc.constantFrom(
        'EnableSimulator',
        'EstablishAgentCommunication',
        'CrossedRegion',
        'TeleportFinish',
        'DisableSimulator',
        'X',
      ),
      body: llsd,
    });
    fc.assert(
      fc.property(fc.oneof(llsd, fc.record({ id: fc.integer(), events: fc.array(event, { maxLength: 8 }) })), (answer) => {
        for (const e of readQueueEvents(answer)) {
          if ('port' in e) expect(e.port >= 1 && e.port <= 65535).toBe(true);
          if ('size' in e) for (const s of e.size) expect(s >= 16 && s <= 8192).toBe(true);
          if ('seed' in e) expect(e.seed).toMatch(/^https?:\/\//);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
