/**
 * `npm run record:plugins`: records what the plugin bus's anomaly detector sees — events a second per plugin — with
 * the example plugins of public/plugins (chat-log, people-radar, chat-commands, object-inspector, photo-mode)
 * running in a real viewer: the real dev server (viewer + edge in workerd, no relay), headless Chromium on the
 * plaza (`?debug`, whose stormDebug.plugins() is the viewer's plugin host), headless visitors (web/visit, in this
 * process) joining in waves, walking and chatting, and the viewer's own visitor chatting (with chat-commands'
 * `!people` / `!where` / `!lines`), clicking objects and exporting the chat log. Each second the host's bus counters
 * are read and each plugin's published events since the last read are its bucket (the bus scores a plugin's
 * publishes: one observe per event, no bytes). Written to tests/support/fixtures/plugin-traffic/plaza-plugins.jsonl,
 * one line per plugin (the schema in tests/support/storm-traffic.ts). Run it under the test lock.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../shared/math/random';
import { launchChromium } from '../tests/support/chromium';
import { StormTrafficLine } from '../tests/support/storm-traffic';
import { parseVisitArgs } from '../web/visit/options';
import { runVisit } from '../web/visit/visit';
import { ORIGIN, startServer, WANDER } from './record-load-traces';
import { nodeSocket } from './visit';

const OUT = fileURLToPath(new URL('../tests/support/fixtures/plugin-traffic/', import.meta.url));
const SECONDS = Number(process.env.RECORD_SECONDS ?? 150);
const PLUGINS = ['chat-log', 'people-radar', 'chat-commands', 'object-inspector', 'photo-mode'];
const log = (line: string): void => void process.stderr.write(`record-plugins: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface HostInfo {
  name: string;
  state: string;
  events_out: number;
}
type Debug = {
  stormDebug: { plugins: () => { list: () => HostInfo[]; load: (u: string, o: object) => Promise<{ ok: boolean }> } | null };
};

/** `count` visitors (`--bots`) walking for `seconds`, each saying `say` once. */
function bots(count: number, seconds: number, say: string): Promise<unknown> {
  log(`${count} bots join for ${seconds} s`);
  const options = parseVisitArgs(
    [
      `${ORIGIN}/#/fv/plaza`,
      '--edge',
      ORIGIN,
      '--bots',
      String(count),
      '--seconds',
      String(seconds),
      '--walk',
      WANDER,
      '--say',
      say,
    ],
    {},
  );
  return runVisit(options, {
    fetch: (input, init) => fetch(input, init),
    createSocket: nodeSocket,
    now: () => performance.now(),
    log: () => undefined,
  }).catch((err: unknown) => log(`bots failed: ${err instanceof Error ? err.message : String(err)}`));
}

const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-plugin-traffic-'));
const stop = await startServer(stateDir);
log(`server up on ${ORIGIN}`);
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
page.on('pageerror', (e) => log(`page error: ${e.message}`));
await page.goto(`${ORIGIN}/?debug`);
const inWorld = Date.now() + 120_000;
while ((await page.getByTestId('connection').getAttribute('data-state')) !== 'in-world') {
  if (Date.now() > inWorld) throw new Error('record-plugins: the viewer did not reach the plaza in 120 s');
  await sleep(500);
}
for (const name of PLUGINS) {
  const loaded = await page.evaluate(
    (url) => (window as unknown as Debug).stormDebug.plugins()?.load(url, { consent: true }),
    `/plugins/${name}/storm-plugin.json`,
  );
  log(`${name}: ${JSON.stringify(loaded).slice(0, 120)}`);
}

const counts = new Map<string, { from: number; events: number[]; last: number }>();
const t0 = Date.now();
let reading = true;
/** Each second: every plugin's published events since the last read. */
const reader = (async () => {
  for (let second = 0; reading; second++) {
    await sleep(Math.max(0, t0 + (second + 1) * 1000 - Date.now()));
    const list = await page.evaluate(() => (window as unknown as Debug).stormDebug.plugins()?.list() ?? []);
    for (const p of list) {
      const c = counts.get(p.name) ?? { from: second, events: [], last: 0 };
      counts.set(p.name, c);
      c.events.push(Math.max(0, p.events_out - c.last));
      c.last = p.events_out;
    }
  }
})();

const chat = async (text: string): Promise<void> => {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
};
const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));
const random = createRandom(21);
const runs: Promise<unknown>[] = [];
const lines = ['hello plugins', '!people', '!where', 'nice fountain', '!lines', 'brb', 'who is here?'];
// The viewer's visitor: a line every 4-12 s, a click on the ground every ~20 s, an export now and then.
const visitor = (async () => {
  const box = await page.locator('canvas').first().boundingBox();
  let next = 5;
  for (let k = 0; next < SECONDS - 5; k++) {
    await at(next);
    await chat(lines[k % lines.length] ?? 'hi').catch((e: unknown) => log(`chat failed: ${String(e)}`));
    if (k % 3 === 1 && box)
      await page.mouse.click(box.x + box.width * (0.35 + 0.3 * random()), box.y + box.height * (0.65 + 0.25 * random()));
    if (k % 5 === 4)
      await page
        .locator('[data-testid=plugin][data-name=chat-log] [data-testid=plugin-action][data-action=export]')
        .dispatchEvent('click')
        .catch(() => undefined);
    next += 4 + Math.floor(random() * 9);
  }
})();
await at(15);
runs.push(bots(3, 45, 'hi from a bot'));
await at(50);
runs.push(bots(5, 40, '!people'));
await at(95);
runs.push(bots(2, 35, 'evening all'));
await at(115);
runs.push(bots(4, 25, '!where'));
await Promise.allSettled([...runs, visitor]);
await at(SECONDS);
reading = false;
await reader;
await browser.close();
await stop();
rmSync(stateDir, { recursive: true, force: true });
const out = [...counts.entries()]
  .filter(([, c]) => c.events.length >= 5)
  .map(([name, c]) =>
    JSON.stringify(
      StormTrafficLine.parse({ source: name, kind: 'plugin', from: c.from, frames: c.events, bytes: c.events.map(() => 0) }),
    ),
  );
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'plaza-plugins.jsonl'), `${out.join('\n')}\n`);
log(`${out.length} plugins → plugin-traffic/plaza-plugins.jsonl`);
