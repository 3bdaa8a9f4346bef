/**
 * Visitors of the demo world in headless Chromium with peer-to-peer on, run inside a private network namespace
 * (tests/support/netns.ts) by the p2p e2e test: the dev server, the browser and every WebRTC packet stay in
 * it. Prints one `RESULT <json>` line: what each visitor's HUD counted and saw.
 *
 *   node --import tsx tests/support/p2p-scenario.ts e2e
 *   node --import tsx tests/support/p2p-scenario.ts bench 2,4,6 8     (visitor counts, trials per count)
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { startDevServer } from './dev-server';

interface Visitor {
  page: Page;
  id: number;
}

interface P2pHud {
  on: boolean;
  open: number;
  wanted: number;
  received: number;
  sent: number;
  fallbacks: number;
  applied: number;
  roomSkipped: number;
  corrections: number;
  probePeer: number;
  probeRoom: number;
  probePeerSent: number;
  roomFrames: number;
  roomBytes: number;
  iceFrom: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`p2p scenario: ${what} never happened (last: ${JSON.stringify(v)})`);
    await sleep(200);
  }
}

async function join(browser: Browser, base: string, x: number): Promise<Visitor> {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 800 } })).newPage();
  await page.goto(`${base}/?debug#/fv/plaza/${x}/128/25`);
  await until(
    'joining',
    () => page.getByTestId('connection').getAttribute('data-state'),
    (s) => s === 'in-world',
    90_000,
  );
  const self = page.locator('[data-testid=person][data-self=true]');
  const id = await until(
    'seeing yourself',
    async () => Number(await self.getAttribute('data-id', { timeout: 1000 }).catch(() => 0)),
    (v) => v > 0,
  );
  return { page, id };
}

async function hud(page: Page): Promise<P2pHud> {
  const el = page.getByTestId('p2p');
  const n = async (name: string) => Number(await el.getAttribute(`data-${name}`));
  return {
    on: (await el.getAttribute('data-on')) === 'true',
    open: await n('open'),
    wanted: await n('wanted'),
    received: await n('received'),
    sent: await n('sent'),
    fallbacks: await n('fallbacks'),
    applied: await n('applied'),
    roomSkipped: await n('room-skipped'),
    corrections: await n('corrections'),
    probePeer: await n('probe-peer'),
    probeRoom: await n('probe-room'),
    probePeerSent: await n('probe-peer-sent'),
    roomFrames: await n('room-frames'),
    roomBytes: await n('room-bytes'),
    iceFrom: (await el.getAttribute('data-ice-from')) ?? '',
  };
}

/** Where `viewer` draws avatar `id` (its HUD's people list), or null. */
async function seen(viewer: Page, id: number): Promise<[number, number] | null> {
  const el = viewer.locator(`[data-testid=person][data-id="${id}"]`);
  if ((await el.count()) === 0) return null;
  return [Number(await el.getAttribute('data-x')), Number(await el.getAttribute('data-y'))];
}

async function turnOn(v: Visitor): Promise<void> {
  await v.page.getByTestId('p2p-toggle').click();
}

/** A walks forward for `ms`; how far each viewer saw A go, and how many peer frames each drew meanwhile. */
async function walk(a: Visitor, viewers: Visitor[], ms: number) {
  const before = await Promise.all(viewers.map(async (v) => ({ at: await seen(v.page, a.id), hud: await hud(v.page) })));
  await a.page.keyboard.down('KeyW');
  await sleep(ms);
  await a.page.keyboard.up('KeyW');
  await sleep(800);
  return Promise.all(
    viewers.map(async (v, i) => {
      const b = before[i];
      const at = await seen(v.page, a.id);
      const h = await hud(v.page);
      const moved = b?.at && at ? Math.hypot(at[0] - b.at[0], at[1] - b.at[1]) : 0;
      return { moved, received: h.received - (b?.hud.received ?? 0), applied: h.applied - (b?.hud.applied ?? 0) };
    }),
  );
}

async function e2e(base: string, browser: Browser) {
  const a = await join(browser, base, 120);
  const b = await join(browser, base, 122);
  await turnOn(a);
  await turnOn(b);
  const twoOpen = await until(
    "two visitors' channel opening",
    async () => [await hud(a.page), await hud(b.page)],
    (hs) => hs.every((h) => h.open === 1),
    45_000,
  );
  const twoWalk = await walk(a, [b], 1500);

  const c = await join(browser, base, 124);
  await turnOn(c);
  const threeOpen = await until(
    "three visitors' channels opening",
    async () => Promise.all([a, b, c].map((v) => hud(v.page))),
    (hs) => hs.every((h) => h.open === 2),
    45_000,
  );
  const threeWalk = await walk(a, [b, c], 1500);

  // Fallback: B's connection to A dies while A walks; B keeps seeing A move (through the room).
  await a.page.keyboard.down('KeyW');
  await sleep(500);
  const dropped = await b.page.evaluate(
    (id) => (window as unknown as { stormDebug: { dropPeer(id: number): boolean } }).stormDebug.dropPeer(id),
    a.id,
  );
  const samples: { t: number; y: number }[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < 2500) {
    const at = await seen(b.page, a.id);
    if (at) samples.push({ t: Date.now() - t0, y: at[1] });
    await sleep(50);
  }
  await a.page.keyboard.up('KeyW');
  let lastChange = 0;
  let longestStill = 0;
  for (let i = 1; i < samples.length; i++) {
    const s = samples[i];
    const p = samples[i - 1];
    if (!s || !p) continue;
    if (Math.abs(s.y - p.y) > 1e-3) {
      longestStill = Math.max(longestStill, s.t - lastChange);
      lastChange = s.t;
    }
  }
  longestStill = Math.max(longestStill, (samples.at(-1)?.t ?? 0) - lastChange);
  const fallback = {
    dropped,
    movedY: (samples.at(-1)?.y ?? 0) - (samples[0]?.y ?? 0),
    longestStillMs: longestStill,
    hud: await hud(b.page),
  };

  // Correction: A's peer frames claim it stands 30 m away while it walks a step; the room's state wins on C.
  await sleep(1000);
  const cBefore = await hud(c.page);
  const selfA = await seen(a.page, a.id);
  const forging = a.page.evaluate(
    async (pos) => {
      const dbg = (window as unknown as { stormDebug: { sendPeerMotion(m: unknown): number } }).stormDebug;
      let sent = 0;
      for (let k = 0; k < 14; k++) {
        sent += dbg.sendPeerMotion({
          seq: 1_000_000 + k,
          sentAt: Date.now(),
          position: pos,
          velocity: [0, 0, 0],
          rotation: [0, 0, 0, 1],
        });
        await new Promise((r) => setTimeout(r, 50));
      }
      return sent;
    },
    [selfA?.[0] ?? 120, (selfA?.[1] ?? 128) + 30, 25],
  );
  await sleep(150);
  await a.page.keyboard.down('KeyW');
  await sleep(300);
  await a.page.keyboard.up('KeyW');
  const forged = await forging;
  await sleep(2500);
  const trueA = await seen(a.page, a.id);
  const cSeesA = await seen(c.page, a.id);
  const cAfter = await hud(c.page);
  const correction = {
    forged,
    corrections: cAfter.corrections - cBefore.corrections,
    offBy: trueA && cSeesA ? Math.hypot(trueA[0] - cSeesA[0], trueA[1] - cSeesA[1]) : -1,
  };
  return { twoOpen, twoWalk, threeOpen, threeWalk, fallback, correction };
}

/**
 * The p2p bench's measure: A's key press to the first moving update of A on every other visitor, by each path;
 * the peer path split at A's stamp on that update (`peerSender`: press to sent; `peerTransit`: sent to drawn);
 * and what the room sent all visitors (frames and bytes per second) while A walked, with p2p on and with it off.
 */
export interface Latencies {
  visitors: number;
  peer: number[];
  room: number[];
  peerSender: number[];
  peerTransit: number[];
  fallbacks: number;
  open: number[];
  traffic: { p2p: boolean; seconds: number; roomFrames: number; roomBytes: number; peerFrames: number }[];
}

type Debug = { stormDebug: { probe(entity: number): void } };

async function bench(base: string, browser: Browser, counts: number[], trials: number): Promise<Latencies[]> {
  const visitors: Visitor[] = [];
  const out: Latencies[] = [];
  for (const n of counts) {
    while (visitors.length < n) {
      const v = await join(browser, base, 118 + visitors.length * 1.5);
      await turnOn(v);
      visitors.push(v);
    }
    // Each visitor connects to the peers the room named (its nearest few: not everyone, past 5).
    const open = await until(
      `${n} visitors' channels opening`,
      async () => Promise.all(visitors.map((v) => hud(v.page))),
      (hs) => hs.every((h) => h.wanted > 0 && h.open === h.wanted),
      60_000,
    ).then((hs) => hs.map((h) => h.open));
    const [a, ...others] = visitors;
    if (!a) throw new Error('p2p scenario: no visitors');
    const peer: number[] = [];
    const room: number[] = [];
    const peerSender: number[] = [];
    const peerTransit: number[] = [];
    for (let t = 0; t < trials; t++) {
      await sleep(1500);
      for (const o of others) await o.page.evaluate((id) => (window as unknown as Debug).stormDebug.probe(id), a.id);
      await a.page.evaluate(() => {
        const w = window as unknown as { p2pPressedAt?: number };
        w.p2pPressedAt = 0;
        window.addEventListener('keydown', () => (w.p2pPressedAt ||= Date.now()), { capture: true, once: true });
      });
      await sleep(300);
      await a.page.keyboard.down(t % 2 === 0 ? 'KeyW' : 'KeyS');
      await sleep(700);
      await a.page.keyboard.up(t % 2 === 0 ? 'KeyW' : 'KeyS');
      await sleep(800);
      const pressedAt = await a.page.evaluate(() => (window as unknown as { p2pPressedAt?: number }).p2pPressedAt ?? 0);
      for (const o of others) {
        const h = await hud(o.page);
        if (pressedAt > 0 && h.probePeer > 0) {
          peer.push(h.probePeer - pressedAt);
          if (h.probePeerSent > 0) {
            peerSender.push(h.probePeerSent - pressedAt);
            peerTransit.push(h.probePeer - h.probePeerSent);
          }
        }
        if (pressedAt > 0 && h.probeRoom > 0) room.push(h.probeRoom - pressedAt);
      }
    }
    const huds = await Promise.all(visitors.map((v) => hud(v.page)));
    // The room's traffic to everyone while A walks, with p2p on, then off (the same walk), then on again.
    const traffic: Latencies['traffic'] = [];
    for (const p2p of [true, false]) {
      if (!p2p) {
        for (const v of visitors) await turnOn(v); // the toggle: now off
        await until(
          'p2p turning off',
          async () => Promise.all(visitors.map((v) => hud(v.page))),
          (hs) => hs.every((h) => !h.on),
        );
      }
      // An armed probe keeps the counters coming with p2p off.
      for (const o of visitors) await o.page.evaluate((id) => (window as unknown as Debug).stormDebug.probe(id), a.id);
      await sleep(1200);
      const before = await Promise.all(visitors.map((v) => hud(v.page)));
      const t0 = Date.now();
      await a.page.keyboard.down('KeyW');
      await sleep(1500);
      await a.page.keyboard.up('KeyW');
      await a.page.keyboard.down('KeyS');
      await sleep(1500);
      await a.page.keyboard.up('KeyS');
      await sleep(600);
      const after = await Promise.all(visitors.map((v) => hud(v.page)));
      const seconds = (Date.now() - t0) / 1000;
      const sum = (f: (h: P2pHud) => number) => after.reduce((s, h, i) => s + f(h) - f(before[i] ?? h), 0);
      traffic.push({
        p2p,
        seconds,
        roomFrames: sum((h) => h.roomFrames),
        roomBytes: sum((h) => h.roomBytes),
        peerFrames: sum((h) => h.received),
      });
    }
    for (const v of visitors) await turnOn(v); // back on for the next count
    out.push({
      visitors: n,
      peer,
      room,
      peerSender,
      peerTransit,
      fallbacks: huds.reduce((s, h) => s + h.fallbacks, 0),
      open,
      traffic,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'e2e';
  const server = await startDevServer();
  let browser: Browser | null = null;
  try {
    browser = await launchChromium({ webgpu: false });
    let result: unknown;
    if (mode === 'e2e') result = await e2e(server.url, browser);
    else if (mode === 'bench') {
      const counts = (process.argv[3] ?? '2,4,6').split(',').map(Number);
      result = await bench(server.url, browser, counts, Number(process.argv[4] ?? '8'));
    } else throw new Error(`p2p scenario: unknown mode ${mode}`);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
