/**
 * `npm run record:plugins`: records what the plugin bus's anomaly detector sees — events a second per plugin — with
 * the example plugins of public/plugins (chat-log, people-radar, chat-commands, object-inspector, photo-mode)
 * running in a real viewer: the real dev server (viewer + edge in workerd, no relay), headless Chromium on the
 * plaza (`?debug`, whose stormDebug.plugins() is the viewer's plugin host), headless visitors (web/visit, in this
 * process) joining in waves, walking and chatting, and the viewer's own visitor chatting (with chat-commands'
 * `!people` / `!where` / `!lines`), clicking objects and exporting the chat log. Each second the host's counters
 * are read: each plugin's published events (`frames`) and its requests of the host (`requests`: world calls, chat,
 * fetch, storage, panel, camera) since the last read are its bucket (the detector scores a plugin's publishes, one
 * observe per event, and its requests at PLUGIN_REQUEST_WEIGHT each; no bytes). Written to
 * tests/support/fixtures/plugin-traffic/plaza-plugins.jsonl (or RECORD_OUT), one line per plugin (the schema in
 * tests/support/storm-traffic.ts). Harness: tests/support/recorder.ts. Run it under the test lock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../shared/math/random';
import { launchChromium } from '../tests/support/chromium';
import {
  ORIGIN,
  RECORD_SECONDS,
  recorderLog,
  recordingDir,
  startServer,
  until,
  viewerInWorld,
  bots as visitors,
  writeJsonl,
} from '../tests/support/recorder';
import { StormTrafficLine } from '../tests/support/storm-traffic';

const OUT = recordingDir('plugin-traffic');
const PLUGINS = ['chat-log', 'people-radar', 'chat-commands', 'object-inspector', 'photo-mode'];
const log = recorderLog('record-plugins');

interface HostInfo {
  name: string;
  state: string;
  events_out: number;
  requests: number;
}
type Debug = {
  stormDebug: { plugins: () => { list: () => HostInfo[]; load: (u: string, o: object) => Promise<{ ok: boolean }> } | null };
};

/** `count` visitors (`--bots`) walking for `seconds`, each saying `say` once. */
function bots(count: number, seconds: number, say: string): Promise<unknown> {
  log(`${count} bots join for ${seconds} s`);
  return visitors(count, seconds, { say, onError: log });
}

const stateDir = mkdtempSync(join(tmpdir(), 'stormcore-plugin-traffic-'));
const stop = await startServer(stateDir);
log(`server up on ${ORIGIN}`);
const browser = await launchChromium();
const page = await viewerInWorld(browser, '/?debug', log);
for (const name of PLUGINS) {
  const loaded = await page.evaluate(
    (url) => (window as unknown as Debug).stormDebug.plugins()?.load(url, { consent: true }),
    `/plugins/${name}/storm-plugin.json`,
  );
  log(`${name}: ${JSON.stringify(loaded).slice(0, 120)}`);
}

const counts = new Map<string, { from: number; events: number[]; requests: number[]; last: number; lastRequests: number }>();
const t0 = Date.now();
let reading = true;
/** Each second: every plugin's published events and requests of the host since the last read. */
const reader = (async () => {
  for (let second = 0; reading; second++) {
    await until(t0, second + 1);
    const list = await page.evaluate(() => (window as unknown as Debug).stormDebug.plugins()?.list() ?? []);
    for (const p of list) {
      const c = counts.get(p.name) ?? { from: second, events: [], requests: [], last: 0, lastRequests: 0 };
      counts.set(p.name, c);
      c.events.push(Math.max(0, p.events_out - c.last));
      c.last = p.events_out;
      c.requests.push(Math.max(0, p.requests - c.lastRequests));
      c.lastRequests = p.requests;
    }
  }
})();

const chat = async (text: string): Promise<void> => {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
};
const at = (s: number) => until(t0, s);
const random = createRandom(21);
const runs: Promise<unknown>[] = [];
const lines = ['hello plugins', '!people', '!where', 'nice fountain', '!lines', 'brb', 'who is here?'];
// The viewer's visitor: a line every 4-12 s, a click on the ground every ~20 s, an export now and then.
const visitor = (async () => {
  const box = await page.locator('canvas').first().boundingBox();
  let next = 5;
  for (let k = 0; next < RECORD_SECONDS - 5; k++) {
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
await at(RECORD_SECONDS);
reading = false;
await reader;
await browser.close();
await stop();
rmSync(stateDir, { recursive: true, force: true });
const out = [...counts.entries()]
  .filter(([, c]) => c.events.length >= 5)
  .map(([name, c]) =>
    JSON.stringify(
      StormTrafficLine.parse({
        source: name,
        kind: 'plugin',
        from: c.from,
        frames: c.events,
        bytes: c.events.map(() => 0),
        requests: c.requests,
      }),
    ),
  );
log(`${out.length} plugins → ${writeJsonl(OUT, 'plaza-plugins.jsonl', out)}`);
