/**
 * The gateway's world map: Storm map requests into MapBlockRequest / MapNameRequest, MapBlockReply datagrams (as
 * OpenSim 0.9.2.2 sends them, and random hostile ones) into protocol MapRegions, one answer per request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GridError } from '../../../edge/grid/errors';
import {
  ACCESS_NONE,
  MAP_RETURN_EMPTY,
  MAP_SETTLE_MS,
  MAP_TIMEOUT_MS,
  MAX_PENDING_MAP_REQUESTS,
  type MapAnswer,
  type MapTimers,
  mapRegionHandle,
  mapRegionsFromReply,
  WorldMap,
} from '../../../edge/grid/world-map';
import { decodePacket, encodePacket, fieldText, isMessage, type Message, type MessageOf, textField } from '../../../shared/lludp';
import {
  decodeServerMessage,
  encodeServerMessage,
  MAX_NAME_BYTES,
  MapRegion,
  type MapRequest,
  utf8Length,
} from '../../../shared/protocol';

const AGENT = { agentId: '6f0a3c1e-5b1d-4a8e-9c3b-2d7e8f901234', sessionId: 'a2e76fcd-9360-4f6d-a924-000000000003' };
const NIL = '00000000-0000-0000-0000-000000000000';
const TILE = 'e063a9c1-4c4a-4924-8121-e5b5993b8c3d';

/** Timers driven by hand: advance(ms) runs what fell due, in order. */
function manualTimers(): MapTimers & { advance(ms: number): void; readonly count: number } {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    set(fn, ms) {
      seq += 1;
      due.set(seq, { at: now + ms, fn });
      return seq;
    },
    clear(h) {
      due.delete(h as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
    get count() {
      return due.size;
    },
  };
}

function setup() {
  const timers = manualTimers();
  const sent: Message[] = [];
  const answers: MapAnswer[] = [];
  const map = new WorldMap({ send: (m) => sent.push(m), agent: AGENT, onAnswer: (a) => answers.push(a), timers });
  return { map, sent, answers, timers };
}

type DataBlock = MessageOf<'MapBlockReply'>['blocks']['Data'][number];

function block(x: number, y: number, name: string, over: Partial<DataBlock> = {}): DataBlock {
  return {
    X: x,
    Y: y,
    Name: textField(name),
    Access: 13,
    RegionFlags: 0,
    WaterHeight: 0,
    Agents: 0,
    MapImageID: TILE,
    ...over,
  };
}

/** A MapBlockReply through real datagram bytes, as the simulator sends it. */
function reply(data: DataBlock[], size: { SizeX: number; SizeY: number }[] = []): MessageOf<'MapBlockReply'> {
  const message: Message = {
    name: 'MapBlockReply',
    blocks: { AgentData: { AgentID: AGENT.agentId, Flags: 0 }, Data: data, Size: size },
  };
  const p = decodePacket(encodePacket({ header: { sequence: 1 }, message }));
  if (!isMessage(p.message, 'MapBlockReply')) throw new Error('not a MapBlockReply');
  return p.message;
}

const rect = (min: [number, number], max: [number, number]): MapRequest => ({ type: 'map_request', min, max, name: '' });
const byName = (name: string): MapRequest => ({ type: 'map_request', min: [0, 0], max: [0, 0], name });

describe('WorldMap requests', () => {
  it('asks for a rectangle with MapBlockRequest on the map-tile layer, with the session agent', () => {
    const { map, sent } = setup();
    map.request(rect([998, 999], [1003, 1002]));
    expect(sent).toEqual([
      {
        name: 'MapBlockRequest',
        blocks: {
          AgentData: { AgentID: AGENT.agentId, SessionID: AGENT.sessionId, Flags: 0, EstateID: 0, Godlike: false },
          PositionData: { MinX: 998, MaxX: 1003, MinY: 999, MaxY: 1002 },
        },
      },
    ]);
    // The message encodes as a real datagram.
    expect(() => encodePacket({ header: { sequence: 1, reliable: true }, message: sent[0] as Message })).not.toThrow();
  });

  it('asks for the empty-tile placeholder only when one tile is asked for', () => {
    const { map, sent } = setup();
    map.request(rect([990, 990], [990, 990]));
    const m = sent[0] as Message;
    if (!isMessage(m, 'MapBlockRequest')) throw new Error('expected MapBlockRequest');
    expect(m.blocks.AgentData.Flags).toBe(MAP_RETURN_EMPTY);
  });

  it('asks for a name with MapNameRequest and a NUL-terminated name', () => {
    const { map, sent } = setup();
    map.request(byName('Storm'));
    const m = sent[0] as Message;
    if (!isMessage(m, 'MapNameRequest')) throw new Error('expected MapNameRequest');
    expect(fieldText(m.blocks.NameData.Name)).toBe('Storm');
    expect(m.blocks.NameData.Name.at(-1)).toBe(0);
  });

  it('refuses a rectangle wider than the protocol allows, and a fifth request in flight', () => {
    const { map, sent } = setup();
    expect(() => map.request(rect([0, 0], [40, 1]))).toThrow(expect.objectContaining({ code: 'grid_map_bad_request' }));
    expect(() => map.request(rect([5, 5], [4, 5]))).toThrow(GridError);
    for (let i = 0; i < MAX_PENDING_MAP_REQUESTS; i++) map.request(rect([i, 0], [i, 0]));
    expect(() => map.request(rect([9, 9], [9, 9]))).toThrow(expect.objectContaining({ code: 'grid_map_busy' }));
    expect(sent).toHaveLength(MAX_PENDING_MAP_REQUESTS);
  });
});

describe('WorldMap replies', () => {
  it('reads OpenSim 0.9.2.2 blocks into regions of 256 m when there is no Size block', () => {
    const regions = mapRegionsFromReply(
      reply([block(1000, 1000, 'StormTest'), block(1001, 1000, 'StormEast', { MapImageID: NIL, Agents: 3 })]).blocks,
    );
    expect(regions).toEqual([
      { name: 'StormTest', x: 1000, y: 1000, size: [256, 256], access: 13, image: TILE, agents: 0 },
      { name: 'StormEast', x: 1001, y: 1000, size: [256, 256], access: 13, image: NIL, agents: 3 },
    ]);
  });

  it('takes a var region size from the Size block, and skips placeholders and nameless blocks', () => {
    const regions = mapRegionsFromReply(
      reply(
        [block(990, 990, '', { Access: ACCESS_NONE }), block(7, 8, 'Big'), block(9, 9, '', { Access: 13 })],
        [
          { SizeX: 256, SizeY: 256 },
          { SizeX: 1024, SizeY: 512 },
          { SizeX: 256, SizeY: 256 },
        ],
      ).blocks,
    );
    expect(regions).toEqual([{ name: 'Big', x: 7, y: 8, size: [1024, 512], access: 13, image: TILE, agents: 0 }]);
  });

  it('answers a rectangle once, with the blocks of several packets, after the settle delay', () => {
    const { map, answers, timers } = setup();
    map.request(rect([998, 998], [1003, 1002]));
    map.receive(reply([block(1000, 1000, 'StormTest')]));
    timers.advance(MAP_SETTLE_MS - 10);
    map.receive(reply([block(1001, 1000, 'StormEast'), block(2000, 2000, 'Elsewhere')]));
    timers.advance(MAP_SETTLE_MS - 10);
    expect(answers).toHaveLength(0);
    timers.advance(20);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.regions.map((r) => r.name)).toEqual(['StormTest', 'StormEast']);
    expect(map.inFlight).toBe(0);
    // Everything seen is cached, also the block outside the rectangle.
    expect(map.regionAt(2000, 2000)?.name).toBe('Elsewhere');
    timers.advance(MAP_TIMEOUT_MS * 2);
    expect(answers).toHaveLength(1);
    expect(timers.count).toBe(0);
  });

  it('answers an empty stretch of grid with no regions after the timeout', () => {
    const { map, answers, timers } = setup();
    map.request(rect([10, 10], [12, 12]));
    timers.advance(MAP_TIMEOUT_MS - 1);
    expect(answers).toHaveLength(0);
    timers.advance(1);
    expect(answers).toEqual([{ request: rect([10, 10], [12, 12]), regions: [] }]);
  });

  it("answers a single empty tile at the grid's placeholder, without the timeout", () => {
    const { map, answers, timers } = setup();
    map.request(rect([990, 990], [990, 990]));
    map.receive(reply([block(990, 990, '', { Access: ACCESS_NONE, MapImageID: NIL })]));
    timers.advance(MAP_SETTLE_MS);
    expect(answers).toEqual([{ request: rect([990, 990], [990, 990]), regions: [] }]);
  });

  it('ends a name search at its terminator block (Access 255 at 0,0, the name echoed)', () => {
    const { map, answers } = setup();
    map.request(byName('storm'));
    map.receive(
      reply([
        block(1000, 1000, 'StormTest'),
        block(1001, 1000, 'StormEast'),
        block(0, 0, 'storm', { Access: ACCESS_NONE, MapImageID: NIL }),
      ]),
    );
    expect(answers).toHaveLength(1);
    expect(answers[0]?.regions.map((r) => r.name)).toEqual(['StormTest', 'StormEast']);
  });

  it('ignores other messages', () => {
    const { map } = setup();
    expect(map.receive({ name: 'StartPingCheck', blocks: { PingID: { PingID: 1, OldestUnacked: 0 } } })).toBe(false);
  });
});

describe('WorldMap.lookup', () => {
  it('resolves the region whose whole name matches, case-insensitively, without answering the socket', async () => {
    const { map, sent, answers } = setup();
    const found = map.lookup('STORMEAST');
    expect(sent[0]?.name).toBe('MapNameRequest');
    map.receive(reply([block(1001, 1000, 'StormEast'), block(0, 0, 'STORMEAST', { Access: ACCESS_NONE })]));
    const r = await found;
    expect(r?.name).toBe('StormEast');
    expect(r && mapRegionHandle(r)).toBe(1100611139659776n);
    expect(answers).toHaveLength(0);
  });

  it('resolves null when the search ends with only longer names, or when the grid stays silent', async () => {
    const { map, timers } = setup();
    const partial = map.lookup('Storm');
    map.receive(reply([block(1000, 1000, 'StormTest'), block(0, 0, 'Storm', { Access: ACCESS_NONE })]));
    expect(await partial).toBeNull();
    const silent = map.lookup('Nowhere');
    timers.advance(MAP_TIMEOUT_MS);
    expect(await silent).toBeNull();
  });

  it('shares one search between lookups of the same name, and resolves them null on close', async () => {
    const { map, sent } = setup();
    const a = map.lookup('StormTest');
    const b = map.lookup('stormtest');
    expect(sent).toHaveLength(1);
    map.close();
    expect(await Promise.all([a, b])).toEqual([null, null]);
    expect(await map.lookup('StormTest')).toBeNull();
  });

  it('gives the handle of grid 1000,1000 as (256000 << 32) | 256000', () => {
    expect(mapRegionHandle({ x: 1000, y: 1000 })).toBe(1099511628032000n);
  });
});

const hostileBlock = fc.record({
  X: fc.integer({ min: 0, max: 65535 }),
  Y: fc.integer({ min: 0, max: 65535 }),
  Name: fc.uint8Array({ maxLength: 255 }),
  Access: fc.integer({ min: 0, max: 255 }),
  RegionFlags: fc.nat({ max: 0xffffffff }),
  WaterHeight: fc.integer({ min: 0, max: 255 }),
  Agents: fc.integer({ min: 0, max: 255 }),
  MapImageID: fc.oneof(fc.uuid(), fc.constant(NIL)),
});
const hostileSize = fc.record({ SizeX: fc.nat({ max: 65535 }), SizeY: fc.nat({ max: 65535 }) });

describe('WorldMap properties', () => {
  it('turns any MapBlockReply into regions the Storm protocol accepts and encodes', () => {
    fc.assert(
      fc.property(fc.array(hostileBlock, { maxLength: 20 }), fc.array(hostileSize, { maxLength: 20 }), (data, size) => {
        const regions = mapRegionsFromReply(reply(data, size).blocks);
        expect(regions.length).toBeLessThanOrEqual(data.length);
        for (const r of regions) {
          expect(MapRegion.safeParse(r).success).toBe(true);
          expect(r.access).not.toBe(ACCESS_NONE);
          expect(r.name).not.toBe('');
          expect(utf8Length(r.name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        }
        const frame = decodeServerMessage(encodeServerMessage({ type: 'map', regions }));
        expect(frame).toEqual({ type: 'map', regions });
      }),
    );
  });

  it('answers every rectangle exactly once, with only regions inside it, whatever the replies', () => {
    const rectArb = fc
      .tuple(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
      )
      .map(([x, y, w, h]) => rect([x, y], [x + w, y + h]));
    const step = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), req: rectArb }),
      fc.record({
        kind: fc.constant('reply' as const),
        blocks: fc.array(
          fc.record({
            x: fc.integer({ min: 0, max: 26 }),
            y: fc.integer({ min: 0, max: 26 }),
            access: fc.constantFrom(13, 21, 255),
          }),
          { maxLength: 12 },
        ),
      }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const { map, answers, timers } = setup();
        const asked: MapRequest[] = [];
        for (const s of steps) {
          if (s.kind === 'request') {
            if (map.inFlight >= MAX_PENDING_MAP_REQUESTS) continue;
            map.request(s.req);
            asked.push(s.req);
          } else if (s.kind === 'reply') {
            map.receive(
              reply(s.blocks.map((b) => block(b.x, b.y, b.access === 255 ? '' : `R${b.x}-${b.y}`, { Access: b.access }))),
            );
          } else timers.advance(s.ms);
        }
        timers.advance(MAP_TIMEOUT_MS);
        expect(answers.map((a) => a.request)).toEqual(expect.arrayContaining(asked));
        expect(answers).toHaveLength(asked.length);
        for (const a of answers) {
          for (const r of a.regions) {
            expect(r.x >= a.request.min[0] && r.x <= a.request.max[0] && r.y >= a.request.min[1] && r.y <= a.request.max[1]).toBe(
              true,
            );
          }
        }
        expect(timers.count).toBe(0);
      }),
    );
  });
});
