/**
 * A trusted plugin's burst of requests is answered whole: the host batches a turn's answers (MAX_REPLIES a message)
 * and the world worker keeps commands past a frame's capacity for the next frames, so none of 5,000 promises made at
 * once is left hanging. Through the real trusted runner in a world App (Node).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../../../web/plugins/host';
import { Commands } from '../../../../web/world/keys';
import type { Served } from '../../../support/plugin-fixtures';
import { createTrustedHost, type TrustedHost } from '../../../support/trusted-world';

const BURST = 5000;

const fixtures = new Map<string, Served>([
  [
    'chat-burst',
    {
      manifest: { permissions: ['chat:read', 'chat:send'] },
      code: `export function init(ctx) {
  ctx.chat.onLine(async (line) => {
    if (line.text !== 'burst') return;
    const codes = await Promise.all(Array.from({ length: ${BURST} }, (_, i) => ctx.chat.send('line ' + i).then(() => 'ok', (e) => e.code)));
    const tally = {};
    for (const c of codes) tally[c] = (tally[c] || 0) + 1;
    ctx.log.info(JSON.stringify(tally));
  });
}`,
    },
  ],
]);

describe('a trusted plugin’s burst of requests', () => {
  let world: TrustedHost;
  let host: PluginHost;
  const sent: string[] = [];

  beforeAll(async () => {
    world = await createTrustedHost(fixtures, { sendChat: (text) => void sent.push(text) });
    host = world.host;
  });
  afterAll(() => world?.close());

  it('settles every one of 5,000 requests made at once, and the world drops no command', async () => {
    const r = await host.load(`${world.files.url}/chat-burst/storm-plugin.json`, { trusted: true });
    expect(r).toMatchObject({ ok: true });
    host.chatLine({ from: 'Visitor', text: 'burst', at: Date.now() });
    await expect
      .poll(() => host.list().find((p) => p.name === 'chat-burst')?.last_log, { timeout: 20_000, interval: 20 })
      .toMatch(/^info: /);
    const tally = JSON.parse(
      host
        .list()
        .find((p) => p.name === 'chat-burst')
        ?.last_log.slice('info: '.length) ?? '{}',
    );
    expect(Object.values(tally).reduce((a: number, b) => a + Number(b), 0)).toBe(BURST);
    // What was answered ok went out; anything refused was refused with a code (the anomaly throttle), never lost.
    expect(sent).toHaveLength(tally.ok ?? 0);
    expect(world.trusted.world.app.droppedEvents(Commands)).toBe(0);
  });
});
