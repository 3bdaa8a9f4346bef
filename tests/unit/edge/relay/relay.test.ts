import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import type { Relay } from '../../../../edge/relay/relay.ts';
import {
  bindUdp,
  circuitUrl,
  closed,
  connect,
  type FakeSim,
  nextMessage,
  refusal,
  sleep,
  startFakeSim,
  startRelay,
  until,
} from './relay-harness.ts';

// The relay imports 'ws'; this project resolves it to the browser stub (see real-ws.ts).
vi.mock('ws', () => import('./real-ws.ts').then((m) => m.wsModule()));

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(
  overrides: Parameters<typeof startRelay>[1] = {},
  options: Parameters<typeof startRelay>[2] = {},
): Promise<{ sim: FakeSim; relay: Relay; simAddr: string }> {
  const sim = await startFakeSim();
  cleanup.push(() => sim.close());
  const relay = await startRelay([`127.0.0.1:${sim.port}`], overrides, options);
  cleanup.push(() => relay.close());
  return { sim, relay, simAddr: `127.0.0.1:${sim.port}` };
}

/** Sends raw bytes on a TCP connection and resolves with everything read until the server closes it. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const s = net.connect(port, '127.0.0.1', () => s.end(text));
    s.on('data', (d: Buffer) => {
      answer += d.toString('utf8');
    });
    s.on('error', () => resolve(answer));
    s.on('close', () => resolve(answer));
  });
}

async function open(relay: Relay, simAddr: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = await connect(circuitUrl(relay, simAddr), headers);
  cleanup.push(() => ws.terminate());
  return ws;
}

describe('relay circuits', () => {
  it('forwards each binary message to the simulator as one datagram and returns the reply', async () => {
    const { sim, relay, simAddr } = await setup();
    const ws = await open(relay, simAddr);
    const reply = nextMessage(ws);
    ws.send(Buffer.from([0x40, 0, 0, 0, 1, 0, 0xff, 0xff, 0, 3]));
    const got = await sim.next();
    expect([...got.data]).toEqual([0x40, 0, 0, 0, 1, 0, 0xff, 0xff, 0, 3]);
    expect([...(await reply)]).toEqual([0x40, 0, 0, 0, 1, 0, 0xff, 0xff, 0, 3]);
    expect(relay.metrics.datagramsToSim).toBe(1);
    expect(relay.metrics.datagramsFromSim).toBe(1);
    expect(relay.metrics.circuitsOpened).toBe(1);
  });

  it('keeps datagram boundaries: three messages arrive as three datagrams', async () => {
    const { sim, relay, simAddr } = await setup();
    const ws = await open(relay, simAddr);
    ws.send(Buffer.from('a'));
    ws.send(Buffer.from('bb'));
    ws.send(Buffer.from('ccc'));
    await until(() => sim.received.length === 3);
    expect(sim.received.map((r) => r.data.toString())).toEqual(['a', 'bb', 'ccc']);
  });

  it('gives each circuit its own UDP socket', async () => {
    const { sim, relay, simAddr } = await setup();
    const a = await open(relay, simAddr);
    const b = await open(relay, simAddr);
    a.send(Buffer.from('a'));
    b.send(Buffer.from('b'));
    await until(() => sim.received.length === 2);
    const ports = new Set(sim.received.map((r) => r.from.port));
    expect(ports.size).toBe(2);
    expect(relay.circuitCount).toBe(2);
  });

  it('drops datagrams from any other address or port than the simulator, and counts them', async () => {
    const { sim, relay, simAddr } = await setup();
    const ws = await open(relay, simAddr);
    const received: string[] = [];
    ws.on('message', (d: Buffer) => received.push(d.toString()));
    ws.send(Buffer.from('hello'));
    const first = await sim.next();
    await until(() => received.length === 1);
    const intruder = await bindUdp();
    cleanup.push(() => new Promise<void>((r) => intruder.close(() => r())));
    intruder.send(Buffer.from('spoof'), first.from.port, '127.0.0.1');
    await until(() => relay.metrics.dropped.foreign_source === 1);
    sim.socket.send(Buffer.from('legit'), first.from.port, '127.0.0.1');
    await until(() => received.length === 2);
    expect(received).toEqual(['hello', 'legit']);
  });

  it('drops simulator datagrams larger than the datagram limit', async () => {
    const { sim, relay, simAddr } = await setup({ maxDatagramBytes: 1024 });
    const ws = await open(relay, simAddr);
    const received: number[] = [];
    ws.on('message', (d: Buffer) => received.push(d.length));
    ws.send(Buffer.from('x'));
    const first = await sim.next();
    sim.socket.send(Buffer.alloc(2000), first.from.port, '127.0.0.1');
    await until(() => relay.metrics.dropped.oversize_from_sim === 1);
    sim.socket.send(Buffer.alloc(1000), first.from.port, '127.0.0.1');
    await until(() => received.length === 2);
    expect(received).toEqual([1, 1000]);
  });

  it('closes the circuit with 1009 when a message exceeds the datagram limit', async () => {
    const { sim, relay, simAddr } = await setup({ maxDatagramBytes: 1024 });
    const ws = await open(relay, simAddr);
    const done = closed(ws);
    ws.send(Buffer.alloc(1025));
    expect((await done).code).toBe(1009);
    expect(sim.received).toHaveLength(0);
    await until(() => relay.circuitCount === 0);
  });

  it('accepts a message exactly at the datagram limit', async () => {
    const { sim, relay, simAddr } = await setup({ maxDatagramBytes: 1024 });
    const ws = await open(relay, simAddr);
    ws.send(Buffer.alloc(1024, 7));
    expect((await sim.next()).data.length).toBe(1024);
  });

  it('closes the circuit with 1003 on a text message', async () => {
    const { sim, relay, simAddr } = await setup();
    const ws = await open(relay, simAddr);
    const done = closed(ws);
    ws.send('not a datagram');
    const { code, reason } = await done;
    expect(code).toBe(1003);
    expect(reason).toMatch(/^relay: /);
    expect(sim.received).toHaveLength(0);
  });

  it('drops and counts an empty message without closing', async () => {
    const { sim, relay, simAddr } = await setup();
    const ws = await open(relay, simAddr);
    ws.send(Buffer.alloc(0));
    ws.send(Buffer.from('after'));
    expect((await sim.next()).data.toString()).toBe('after');
    expect(relay.metrics.dropped.empty).toBe(1);
  });

  // Bounds allow for the bucket refilling while the flood is processed: burst + rate × elapsed + 1.
  it('limits a flood to the per-circuit datagram rate and counts the rest as dropped', async () => {
    const { sim, relay, simAddr } = await setup({ toSimDatagramsPerSecond: 20 });
    const ws = await open(relay, simAddr);
    const start = performance.now();
    for (let i = 0; i < 200; i++) ws.send(Buffer.from([i & 255]));
    await until(() => relay.metrics.datagramsToSim + relay.metrics.dropped.rate_to_sim === 200);
    const elapsed = (performance.now() - start) / 1000;
    const sent = relay.metrics.datagramsToSim;
    expect(sent).toBeGreaterThanOrEqual(20);
    expect(sent).toBeLessThanOrEqual(20 + Math.ceil(20 * elapsed) + 1);
    expect(relay.metrics.dropped.rate_to_sim).toBe(200 - sent);
    await until(() => sim.received.length === sent);
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('drops the datagrams of a circuit far over its own usual rate (under the rate limit) and keeps it open', async () => {
    const { sim, relay, simAddr } = await setup({ toSimDatagramsPerSecond: 400 });
    const ws = await open(relay, simAddr);
    // Datagrams at `rate` a second for `seconds`, paced by the clock (timers on a loaded machine run late).
    const pace = async (rate: number, seconds: number): Promise<number> => {
      const start = performance.now();
      let sent = 0;
      while (performance.now() - start < seconds * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate);
        for (; sent < due; sent++) ws.send(Buffer.from([sent & 255]));
        await new Promise((r) => setTimeout(r, 20));
      }
      return sent;
    };
    const usual = await pace(10, 7);
    await until(() => sim.received.length === usual);
    expect(relay.metrics.dropped.anomalous).toBe(0);
    const flood = await pace(300, 3);
    await until(
      () => relay.metrics.datagramsToSim + relay.metrics.dropped.anomalous + relay.metrics.dropped.rate_to_sim === usual + flood,
    );
    expect(relay.metrics.dropped.anomalous).toBeGreaterThan(100);
    expect(relay.metrics.dropped.rate_to_sim).toBe(0);
    expect(ws.readyState).toBe(ws.OPEN);
  }, 20_000);

  it('shows onObserve every datagram from the edge with its circuit and size, the rate-limited ones too', async () => {
    const seen: [string, number][] = [];
    const { relay, simAddr } = await setup({ toSimDatagramsPerSecond: 5 }, { onObserve: (c, b) => seen.push([c, b]) });
    const a = await open(relay, simAddr);
    const b = await open(relay, simAddr);
    for (let i = 0; i < 12; i++) a.send(Buffer.alloc(10 + i));
    b.send(Buffer.alloc(99));
    await until(() => relay.metrics.datagramsToSim + relay.metrics.dropped.rate_to_sim === 13);
    expect(relay.metrics.dropped.rate_to_sim).toBeGreaterThan(0);
    const circuits = [...new Set(seen.map(([c]) => c))];
    expect(circuits).toHaveLength(2);
    expect(seen.filter(([c]) => c === circuits[0]).map(([, n]) => n)).toEqual(Array.from({ length: 12 }, (_, i) => 10 + i));
    expect(seen.filter(([c]) => c === circuits[1])).toEqual([[circuits[1], 99]]);
  });

  it('limits a flood to the per-circuit byte rate', async () => {
    const { sim, relay, simAddr } = await setup({ toSimBytesPerSecond: 10_000 });
    const ws = await open(relay, simAddr);
    const start = performance.now();
    for (let i = 0; i < 50; i++) ws.send(Buffer.alloc(1000));
    await until(() => relay.metrics.datagramsToSim + relay.metrics.dropped.rate_to_sim === 50);
    const elapsed = (performance.now() - start) / 1000;
    expect(relay.metrics.datagramsToSim).toBeGreaterThanOrEqual(10);
    expect(relay.metrics.datagramsToSim).toBeLessThanOrEqual(10 + Math.ceil(10 * elapsed) + 1);
    await until(() => sim.received.length === relay.metrics.datagramsToSim);
  });

  it('limits what the simulator may push through one circuit', async () => {
    const { sim, relay, simAddr } = await setup({ fromSimDatagramsPerSecond: 10 });
    const ws = await open(relay, simAddr);
    let got = 0;
    ws.on('message', () => {
      got += 1;
    });
    const start = performance.now();
    ws.send(Buffer.from('x'));
    const first = await sim.next();
    for (let i = 0; i < 100; i++) sim.socket.send(Buffer.from([i]), first.from.port, '127.0.0.1');
    await until(() => relay.metrics.datagramsFromSim + relay.metrics.dropped.rate_from_sim === 101);
    const elapsed = (performance.now() - start) / 1000;
    expect(relay.metrics.datagramsFromSim).toBeGreaterThanOrEqual(10);
    expect(relay.metrics.datagramsFromSim).toBeLessThanOrEqual(10 + Math.ceil(10 * elapsed) + 1);
    await until(() => got === relay.metrics.datagramsFromSim);
  });

  it('closes a circuit with 4408 when the edge sends nothing for the idle timeout', async () => {
    const { relay, simAddr } = await setup({ idleTimeoutMs: 150 });
    const started = Date.now(); // before the upgrade: the relay's idle clock starts when it accepts
    const ws = await open(relay, simAddr);
    const { code, reason } = await closed(ws);
    expect(code).toBe(4408);
    expect(reason).toBe('relay: idle timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await until(() => relay.circuitCount === 0);
    expect(relay.metrics.circuitsClosed).toBe(1);
  });

  it('keeps a circuit open while the edge keeps sending', async () => {
    const { relay, simAddr } = await setup({ idleTimeoutMs: 400 });
    const ws = await open(relay, simAddr);
    for (let i = 0; i < 12; i++) {
      ws.send(Buffer.from('keepalive'));
      await sleep(50);
    }
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('releases the circuit and its UDP socket when the edge closes', async () => {
    const { sim, relay, simAddr } = await setup();
    const ws = await open(relay, simAddr);
    ws.send(Buffer.from('x'));
    const first = await sim.next();
    ws.close(1000, 'bye');
    await until(() => relay.circuitCount === 0);
    const again = await bindUdp(first.from.port);
    await new Promise<void>((r) => again.close(() => r()));
  });

  it('binds circuits inside a configured UDP port range', async () => {
    const probe = await bindUdp();
    const base = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { sim, relay, simAddr } = await setup({ udpPorts: `${base}-${base + 1}`, maxCircuits: 2 });
    const a = await open(relay, simAddr);
    const b = await open(relay, simAddr);
    a.send(Buffer.from('a'));
    b.send(Buffer.from('b'));
    await until(() => sim.received.length === 2);
    expect(sim.received.map((r) => r.from.port).sort()).toEqual([base, base + 1]);
  });
});

describe('relay refusals (answered before the upgrade)', () => {
  it('refuses a destination outside the allowlist with 403 and counts it', async () => {
    const { relay, sim } = await setup();
    const other = await refusal(circuitUrl(relay, `127.0.0.1:${sim.port + 1}`));
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('relay_destination_refused');
    expect(other.body.error.message).toContain('allowlist');
    const far = await refusal(circuitUrl(relay, '8.8.8.8:53'));
    expect(far.status).toBe(403);
    expect(relay.metrics.refused.destination).toBe(2);
    expect(relay.circuitCount).toBe(0);
  });

  it('refuses hostnames, IPv6 and malformed sim values with 400', async () => {
    const { relay } = await setup();
    for (const bad of ['localhost:9000', '[::1]:9000', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '127.000.0.1:9000', '']) {
      const r = await refusal(circuitUrl(relay, bad));
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('relay_bad_request');
    }
    const two = await refusal(`ws://127.0.0.1:${relay.port}/v1/circuit?sim=127.0.0.1:9000&sim=127.0.0.1:9001`);
    expect(two.status).toBe(400);
  });

  it('refuses connections from browsers (an Origin header) with 403', async () => {
    const { relay, simAddr } = await setup();
    const r = await refusal(circuitUrl(relay, simAddr), { Origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('relay_origin_refused');
  });

  it('requires the bearer token when one is configured, before looking at the destination', async () => {
    const token = 'a-long-shared-secret-0123456789';
    const { relay, simAddr } = await setup({ token });
    expect((await refusal(circuitUrl(relay, simAddr))).status).toBe(401);
    expect((await refusal(circuitUrl(relay, simAddr), { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await refusal(circuitUrl(relay, '8.8.8.8:53'), { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await refusal(circuitUrl(relay, simAddr), { Authorization: token })).status).toBe(401);
    const ws = await open(relay, simAddr, { Authorization: `Bearer ${token}` });
    expect(ws.readyState).toBe(ws.OPEN);
    expect(relay.metrics.refused.unauthorized).toBe(4);
  });

  it('refuses circuits beyond the configured maximum with 503', async () => {
    const { relay, simAddr } = await setup({ maxCircuits: 2 });
    await open(relay, simAddr);
    await open(relay, simAddr);
    const r = await refusal(circuitUrl(relay, simAddr));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('relay_at_capacity');
    const ready = await fetch(`http://127.0.0.1:${relay.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'full', circuits: 2 });
  });

  it('answers 404 on other paths and 426 on a plain GET of the circuit path', async () => {
    const { relay, simAddr } = await setup();
    expect((await refusal(`ws://127.0.0.1:${relay.port}/circuit?sim=${simAddr}`)).status).toBe(404);
    const plain = await fetch(`http://127.0.0.1:${relay.port}/v1/circuit?sim=${simAddr}`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('relay_upgrade_required');
    expect((await fetch(`http://127.0.0.1:${relay.port}/nope`)).status).toBe(404);
  });
});

describe('relay service', () => {
  it('answers GET /healthz, /readyz and /metrics', async () => {
    const { relay, simAddr } = await setup();
    await open(relay, simAddr);
    const health = await fetch(`http://127.0.0.1:${relay.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', circuits: 1, maxCircuits: 256 });
    expect((await fetch(`http://127.0.0.1:${relay.port}/readyz`)).status).toBe(200);
    await refusal(circuitUrl(relay, '10.0.0.1:9000'));
    const text = await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text();
    expect(text).toContain('relay_circuits_active 1');
    expect(text).toContain('relay_refused_total{reason="destination"} 1');
    expect(text).toContain('relay_dropped_total{reason="foreign_source"} 0');
  });

  it('survives garbage on its TCP port and keeps answering', async () => {
    const { relay } = await setup();
    await new Promise<void>((resolve) => {
      const s = net.connect(relay.port, '127.0.0.1', () => {
        s.write(Buffer.from([0, 1, 2, 3, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]));
        s.write('GET /v1/circuit?sim=%zz HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      });
      s.resume(); // read the 400 answer, so the server's end of the connection is seen
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    const r = await refusal(`ws://127.0.0.1:${relay.port}/v1/circuit?sim=%E0%A4%A`);
    expect(r.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${relay.port}/healthz`)).status).toBe(200);
  });

  it('answers a request target that is not a URL with 404 or 400, and keeps running', async () => {
    const { relay } = await setup();
    const plain = await raw(relay.port, 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(plain).toMatch(/^HTTP\/1\.1 404 /);
    const upgrade = await raw(
      relay.port,
      'GET //[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`http://127.0.0.1:${relay.port}/healthz`)).status).toBe(200);
  });

  it('on shutdown closes every circuit with 1001, frees its UDP sockets and stops listening', async () => {
    const sim = await startFakeSim();
    cleanup.push(() => sim.close());
    const relay = await startRelay([`127.0.0.1:${sim.port}`]);
    const a = await connect(circuitUrl(relay, `127.0.0.1:${sim.port}`));
    const b = await connect(circuitUrl(relay, `127.0.0.1:${sim.port}`));
    a.send(Buffer.from('a'));
    b.send(Buffer.from('b'));
    await until(() => sim.received.length === 2);
    const closes = [closed(a), closed(b)];
    await relay.close();
    for (const c of await Promise.all(closes)) expect(c).toEqual({ code: 1001, reason: 'relay: shutting down' });
    expect(relay.circuitCount).toBe(0);
    for (const r of sim.received) {
      const s = await bindUdp(r.from.port);
      await new Promise<void>((res) => s.close(() => res()));
    }
    await expect(fetch(`http://127.0.0.1:${relay.port}/healthz`)).rejects.toThrow();
    await relay.close();
  });
});
