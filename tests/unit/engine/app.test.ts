import { describe, expect, it } from 'vitest';
import { createApp, defineComponent, defineEvent, defineResource, type Plugin } from '../../../web/engine';

const Position = defineComponent('Position', { value: 'vec3' });
const Velocity = defineComponent('Velocity', { value: 'vec3' });

function fakeClock() {
  let t = 0;
  return { now: () => (t += 0.5), set: (v: number) => (t = v) };
}

describe('the App', () => {
  it('builds plugins in order, refuses a plugin whose dependency is missing, and refuses a second copy', () => {
    const app = createApp({ world: { components: [Position, Velocity], capacity: 64 } });
    const built: string[] = [];
    const a: Plugin = { name: 'a', build: () => built.push('a') };
    const b: Plugin = { name: 'b', after: ['a'], build: () => built.push('b') };
    expect(() => app.addPlugin(b)).toThrow(/needs plugin a/);
    app.addPlugins(a, b);
    expect(built).toEqual(['a', 'b']);
    expect(app.pluginNames()).toEqual(['a', 'b']);
    expect(() => app.addPlugin(a)).toThrow(/added twice/);
  });

  it('holds typed resources by key and names a missing one', () => {
    const app = createApp({ world: { components: [Position], capacity: 64 } });
    const Settings = defineResource<{ speed: number }>('settings');
    expect(() => app.resource(Settings)).toThrow(/resource settings is not in the app/);
    app.insertResource(Settings, { speed: 3 });
    expect(app.resource(Settings).speed).toBe(3);
    // Keys are compared by identity: another key with the same name is another resource.
    expect(app.hasResource(defineResource<{ speed: number }>('settings'))).toBe(false);
  });

  it('delivers an event to every reader once, for the frame it was sent in and the next, then drops it', () => {
    const app = createApp({ world: { components: [Position], capacity: 64 } });
    const Ping = defineEvent<number>('ping', { capacity: 2 });
    app.addEvent(Ping);
    const early = app.reader(Ping);
    const late = app.reader(Ping);
    app.send(Ping, 1);
    expect(early.read()).toEqual([1]);
    expect(early.read()).toEqual([]);
    app.update(0);
    app.send(Ping, 2);
    expect(app.send(Ping, 3)).toBe(true);
    expect(app.send(Ping, 4)).toBe(false);
    expect(app.droppedEvents(Ping)).toBe(1);
    expect(late.read()).toEqual([1, 2, 3]);
    app.update(0);
    app.update(0);
    const fresh = app.reader(Ping);
    expect(fresh.read()).toEqual([]);
    expect(early.read()).toEqual([]);
  });

  it('runs the systems plugins add through the schedule phases and lists them in phase order with timings', () => {
    const clock = fakeClock();
    const app = createApp({ world: { components: [Position, Velocity], capacity: 64 }, now: clock.now });
    const order: string[] = [];
    app.addPlugin({
      name: 'motion',
      build: (a) => {
        a.addSystem({ name: 'extract', phase: 'renderExtract', reads: [Position], run: () => order.push('extract') });
        a.addSystem({
          name: 'integrate',
          phase: 'update',
          reads: [Velocity],
          writes: [Position],
          query: { all: [Position, Velocity] },
          kernel: (world, runs, frame) => {
            order.push('integrate');
            const p = world.column(Position, 'value');
            const v = world.column(Velocity, 'value');
            for (let r = 0; r < runs.length; r += 2)
              for (let i = runs[r] ?? 0; i < (runs[r + 1] ?? 0); i++)
                for (let l = 0; l < 3; l++) p[i * 3 + l] = (p[i * 3 + l] ?? 0) + (v[i * 3 + l] ?? 0) * frame.dt;
          },
        });
        a.addSystem({ name: 'setup', phase: 'startup', run: () => order.push('setup') });
      },
    });
    const e = app.world.create(Position, Velocity);
    app.world.set(e, Velocity, { value: [1, 0, 0] });
    app.update(0.5);
    app.update(0.5);
    expect(order).toEqual(['setup', 'integrate', 'extract', 'integrate', 'extract']);
    expect(app.world.get(e, Position).value[0]).toBeCloseTo(1);
    const systems = app.systems();
    expect(systems.map((s) => [s.system, s.phase, s.plugin])).toEqual([
      ['setup', 'startup', 'motion'],
      ['integrate', 'update', 'motion'],
      ['extract', 'renderExtract', 'motion'],
    ]);
    for (const s of systems) expect(s.lastMs).toBeGreaterThan(0);
    expect(systems.find((s) => s.system === 'integrate')?.runs).toBe(2);
    expect(app.frameStats().frames).toBe(2);
  });

  it('exports frames, phases and systems as a Chrome trace that Perfetto opens', () => {
    const clock = fakeClock();
    const app = createApp({ world: { components: [Position], capacity: 64 }, now: clock.now });
    app.addSystem({ name: 'tick', run: () => {} });
    app.update(0.016);
    const trace = app.exportTrace('world worker');
    const spans = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(spans.map((s) => `${s.cat}:${s.name}`)).toEqual(['system:tick', 'phase:update', 'frame:frame']);
    for (const s of spans) if (s.ph === 'X') expect(s.dur).toBeGreaterThan(0);
    expect(trace.traceEvents[0]).toMatchObject({ ph: 'M', name: 'process_name', args: { name: 'world worker' } });
    // A round trip through JSON is what a saved file holds.
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it('keeps running after a system throws and reports it with its name and phase', () => {
    const app = createApp({ world: { components: [Position], capacity: 64 } });
    let after = 0;
    app.addSystem({
      name: 'broken',
      run: () => {
        throw new Error('boom');
      },
    });
    app.addSystem({ name: 'after', run: () => after++ });
    const failures = app.update(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/system broken failed in update: boom/);
    app.update(0);
    expect(after).toBe(2);
  });
});
