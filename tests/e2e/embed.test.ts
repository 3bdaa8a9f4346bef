/**
 * The embeddable viewer: a host page on ANOTHER origin (a second port) mounts /embed with the SDK and
 * calls the message API; a page on a third origin is refused; isolation inside the frame is reported.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Frame, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeServerMessage, encodeClientMessage, type WorldAction } from '../../shared/protocol';
import { BASE_ARGS, chromiumPath, launchChromium, WEBGPU_ARGS } from '../support/chromium';

/** A host page: no isolation headers at all, the SDK loaded from the viewer's dev server. */
function hostPage(viewer: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host page</title>
<style>body{margin:0;background:#f4f1ea;font:14px system-ui} #slot{width:640px;height:360px}</style></head>
<body><div id="slot"></div>
<script type="module">
  import * as sdk from '${viewer}/embed-sdk.js';
  window.sdk = sdk;
  window.sdkLoaded = true;
</script></body></html>`;
}

/** Starts a plain node:http server on a free 127.0.0.1 port that serves one page at /host.html. */
async function startHost(viewer: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/host.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(hostPage(viewer));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

/**
 * Opens /embed once and waits until it stops navigating: a fresh dev server may discover the render
 * worker's dependencies on first use and reload the page, which would reset a frame under test.
 */
async function warmUp(browser: Browser, viewer: string): Promise<void> {
  const page = await browser.newPage();
  let lastNavigation = Date.now();
  page.on('framenavigated', () => {
    lastNavigation = Date.now();
  });
  try {
    await page.goto(`${viewer}/embed#/fv/plaza`);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const engine = await page
        .getByTestId('embed-isolation')
        .getAttribute('data-engine')
        .catch(() => null);
      if (engine && engine !== 'starting' && Date.now() - lastNavigation > 4000) return;
      await page.waitForTimeout(250);
    }
  } finally {
    await page.close();
  }
}

interface Outcome {
  ok: boolean;
  code?: number;
  message?: string;
  value?: unknown;
}

/** Opens the host page and mounts the viewer through the SDK; returns what `ready` reported. */
async function mount(page: Page, host: string, viewer: string, place = '#/fv/plaza'): Promise<Record<string, unknown>> {
  await page.goto(`${host}/host.html`);
  await page.waitForFunction(() => (window as any).sdkLoaded === true, undefined, { timeout: 60_000 });
  return page.evaluate(
    async ({ viewer, place }) => {
      const w = window as any;
      w.viewer = await w.sdk.mountViewer(document.getElementById('slot'), { viewer, place, readyTimeoutMs: 60_000 });
      w.call = async (name: string, ...args: unknown[]) => {
        try {
          const value = await w.viewer[name](...args);
          return { ok: true, value: value instanceof Uint8Array ? Array.from(value) : value };
        } catch (err: any) {
          return { ok: false, code: err.code, message: err.message };
        }
      };
      return w.viewer.ready;
    },
    { viewer, place },
  );
}

/** The /embed frame a host page mounted. */
function embedFrame(page: Page): Frame | undefined {
  return page.frames().find((f) => f.url().startsWith(`${inject('baseUrl')}/embed`));
}

/** The real OpenSim region's grid (host:port) and region name, when OPENSIM_LOGIN_URI is set. */
const opensim = {
  grid: process.env.OPENSIM_LOGIN_URI ? new URL(process.env.OPENSIM_LOGIN_URI).host : '',
  region: process.env.OPENSIM_REGION ?? 'StormTest',
};

function call(page: Page, name: string, ...args: unknown[]): Promise<Outcome> {
  return page.evaluate(([name, args]) => (window as any).call(name, ...(args as unknown[])), [name, args] as const);
}

describe('the embedded viewer on another origin', () => {
  let browser: Browser;
  let allowed: { server: Server; origin: string };
  let stranger: { server: Server; origin: string };
  let page: Page;
  let ready: Record<string, unknown>;
  const viewer = inject('baseUrl');

  beforeAll(async () => {
    browser = await launchChromium();
    await warmUp(browser, viewer);
    allowed = await startHost(viewer);
    stranger = await startHost(viewer);
    page = await browser.newPage({ viewport: { width: 800, height: 500 } });
    ready = await mount(page, allowed.origin, viewer);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => allowed?.server.close(r));
    await new Promise((r) => stranger?.server.close(r));
  });

  it('reports crossOriginIsolated inside the frame while the host page is not isolated', async () => {
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
    const frame = embedFrame(page);
    expect(frame).toBeDefined();
    const inside = await frame?.evaluate(() => ({ isolated: self.crossOriginIsolated, sab: typeof SharedArrayBuffer }));
    // Which path ran is printed for the report: Document-Isolation-Policy (shared memory) or the fallback.
    console.info(
      `embed isolation: frame crossOriginIsolated=${inside?.isolated}, SharedArrayBuffer=${inside?.sab}, engine=${ready.engine}`,
    );
    expect(ready.crossOriginIsolated).toBe(inside?.isolated);
    expect(ready.engine).toBe(inside?.isolated ? 'shared-memory' : 'single-worker');
    expect(inside?.isolated).toBe(true);
    await expect.poll(() => frame?.getByTestId('embed-isolation').getAttribute('data-isolated')).toBe('true');
  });

  it('answers init, createEntity, queryEntity and updateComponent with real results from the live world’s ECS', async () => {
    const init = await call(page, 'init');
    expect(init.ok).toBe(true);
    const info = init.value as { version: number; components: { id: number; name: string; bytes: number }[] };
    expect(info.version).toBe(1);
    // The viewer's own components (NetId is the server's and not open to the host).
    expect(info.components.map((c) => c.name)).toEqual([
      'Transform',
      'Motion',
      'Shape',
      'Faces',
      'Avatar',
      'LocalPose',
      'Parent',
      'Local',
    ]);

    const created = await call(page, 'createEntity', ['Transform']);
    expect(created.ok).toBe(true);
    const id = created.value as number;

    // Transform = position vec3, rotation quat, scale vec3 (40 bytes of little-endian f32).
    const values = [1.5, 2, -3, 0, 0, 0, 1, 1, 1, 1];
    const bytes = Array.from(new Uint8Array(new Float32Array(values).buffer));
    const updated = await page.evaluate(
      ([id, bytes]) => (window as any).call('updateComponent', id, 'Transform', new Uint8Array(bytes as number[])),
      [id, bytes] as const,
    );
    expect(updated).toEqual({ ok: true });

    const queried = await call(page, 'queryEntity', id);
    expect(queried.ok).toBe(true);
    const out = new Uint8Array(queried.value as number[]);
    const dv = new DataView(out.buffer);
    expect(dv.getUint32(0, true)).toBe(0x31454353); // "SCE1"
    expect(dv.getUint16(8, true)).toBe(2); // Transform, and the Local marker of host-made entities
    expect(Array.from(new Float32Array(out.buffer.slice(20, 60)))).toEqual(values);
  });

  it('draws an entity the host page creates through the SDK in the live world (WebGPU: adapter and picture)', async () => {
    const drawPage = await browser.newPage({ viewport: { width: 800, height: 500 } });
    try {
      await mount(drawPage, allowed.origin, viewer, '#/fv/plaza/100/120/30');
      const frame = embedFrame(drawPage);
      if (!frame) throw new Error('no embed frame');
      const live = frame.getByTestId('embed-world');
      await expect.poll(() => live.getAttribute('data-connection'), { timeout: 30_000 }).toBe('in-world');
      await expect.poll(() => live.getAttribute('data-self'), { timeout: 10_000 }).toMatch(/^100\.00,120\.00,/);
      const chip = frame.getByTestId('embed-isolation');
      await expect.poll(() => chip.getAttribute('data-gpu'), { timeout: 60_000 }).not.toBe('starting');
      const gpu = await chip.getAttribute('data-gpu');
      if (gpu !== 'ready')
        throw new Error(`e2e: the embedded viewer got no WebGPU adapter (${gpu}) with flags ${WEBGPU_ARGS.join(' ')}`);
      const canvas = frame.locator('canvas');
      const instances = async () => Number((await canvas.getAttribute('data-instances')) ?? -1);
      // Settled: the stats (once a second) show the same count twice in a row.
      let before = -1;
      await expect
        .poll(
          async () => {
            const now = await instances();
            const settled = now > 0 && now === before;
            before = now;
            return settled;
          },
          { timeout: 30_000, interval: 1200 },
        )
        .toBe(true);
      const magenta = (png: Buffer): number => {
        const image = PNG.sync.read(png);
        let n = 0;
        for (let i = 0; i < image.data.length; i += 4) {
          const r = image.data[i] ?? 0;
          const g = image.data[i + 1] ?? 0;
          const b = image.data[i + 2] ?? 0;
          if (r > 90 && b > 90 && g < 0.5 * Math.min(r, b)) n++;
        }
        return n;
      };
      const shot = () => drawPage.locator('#slot').screenshot();
      const without = magenta(await shot());
      // A 2 m magenta box 4 m in front of your avatar, where the follow camera looks.
      const self = ((await live.getAttribute('data-self')) ?? '').split(',').map(Number);
      const [x = 0, y = 0, z = 0] = self;
      await call(drawPage, 'init');
      const created = await call(drawPage, 'createEntity', ['Transform', 'Shape', 'Faces']);
      expect(created.ok).toBe(true);
      const pose = Array.from(new Uint8Array(new Float32Array([x, y + 4, z + 1.2, 0, 0, 0, 1, 2, 2, 2]).buffer));
      const faces = [1, 255, 0, 255, 255, ...new Array(31 * 4).fill(0)];
      const set = (type: string, bytes: number[]) =>
        drawPage.evaluate(
          ([id, type, bytes]) => (window as any).call('updateComponent', id, type, new Uint8Array(bytes as number[])),
          [created.value, type, bytes] as const,
        );
      expect(await set('Transform', pose)).toEqual({ ok: true });
      expect(await set('Faces', faces)).toEqual({ ok: true });
      await expect.poll(instances, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 1);
      let seen = 0;
      await expect
        .poll(
          async () => {
            seen = magenta(await shot());
            return seen;
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(without + 500);
      mkdirSync('test-results', { recursive: true });
      writeFileSync('test-results/embed-host-entity.png', await shot());
      console.info(`embed host entity: instances ${before} → ${await instances()}, magenta pixels ${without} → ${seen}`);
    } finally {
      await drawPage.close();
    }
  });

  it('answers configure with bad JSON with -2 and getLastError returns that error', async () => {
    const bad = await call(page, 'configure', '{"maxEntities": ');
    expect(bad).toMatchObject({ ok: false, code: -2 });
    expect(bad.message).toMatch(/^embed: configure: the config is not JSON/);
    const last = await call(page, 'getLastError');
    expect(last).toEqual({ ok: true, value: { code: -2, message: bad.message } });
  });

  it('answers -3 when the configured entity limit is reached and -10 for an unknown entity', async () => {
    const conf = await call(page, 'configure', { maxEntities: 2 });
    expect(conf.ok).toBe(true);
    expect(await call(page, 'createEntity')).toMatchObject({ ok: true });
    expect(await call(page, 'createEntity')).toMatchObject({ ok: false, code: -3 });
    expect(await call(page, 'queryEntity', 4_000_000)).toMatchObject({ ok: false, code: -10 });
    expect(await call(page, 'getLastError')).toMatchObject({ ok: true, value: { code: -10 } });
  });

  it('answers aiDispatch forecast and anomaly from the local tier, and aiEnhance makes a plan the frame commits', async () => {
    const aiPage = await browser.newPage({ viewport: { width: 800, height: 500 } });
    const send = async (frame: Uint8Array): Promise<Outcome> => {
      const r = await aiPage.evaluate((bytes) => (window as any).call('sendPacket', new Uint8Array(bytes)), Array.from(frame));
      if (!r.ok || r.value === null) return r;
      return { ...r, value: decodeServerMessage(new Uint8Array(r.value as number[])) };
    };
    try {
      await mount(aiPage, allowed.origin, viewer, '#/fv/plaza/90/60/30');
      await call(aiPage, 'init');
      const frame = embedFrame(aiPage);
      await expect
        .poll(() => frame?.getByTestId('embed-world').getAttribute('data-connection'), { timeout: 30_000 })
        .toBe('in-world');
      // The AI worker starts after 5 metric snapshots (one a second); until its first forecast: -52 not ready.
      let forecast: Outcome = { ok: false };
      await expect
        .poll(
          async () => {
            forecast = await call(aiPage, 'aiDispatch', { task: 'forecast' });
            return forecast.ok || forecast.code;
          },
          { timeout: 45_000, interval: 1000 },
        )
        .toBe(true);
      const answer = JSON.parse(String(forecast.value));
      expect(answer).toMatchObject({ task: 'forecast', tier: 'local', result: { version: 2, horizon_s: expect.any(Number) } });
      expect(answer.result.predictions.length).toBeGreaterThan(0);
      expect(answer.path[0]).toEqual({ tier: 'local', confidence: answer.confidence });
      // The plugin bus's detector is registered; no plugin has published, so it scores no source yet.
      const anomaly = await call(aiPage, 'aiDispatch', { task: 'anomaly' });
      expect(JSON.parse(String(anomaly.value))).toMatchObject({ tier: 'local', result: { detector: 'plugin-bus', scores: [] } });
      expect(await call(aiPage, 'aiDispatch', '{"task":"dance"}')).toMatchObject({ ok: false, code: -50 });
      expect(await call(aiPage, 'aiDispatch', { task: 'forecast', tier: 'language' })).toMatchObject({ ok: false, code: -20 });

      // A description becomes a prepared plan through the edge's language tier (the test model server answers an arch).
      const enhanced = await aiPage.evaluate(async () => {
        const w = window as any;
        const event = new Promise<any>((resolve) => w.viewer.on('aiEnhanceComplete', resolve));
        const r = await w.call('aiEnhance', new TextEncoder().encode('a red arch over the fountain'));
        const e = await event;
        return { r, e: { ...e, bytes: e.bytes ? Array.from(e.bytes as Uint8Array) : null } };
      });
      expect(enhanced.r).toMatchObject({ ok: true });
      expect(enhanced.e).toMatchObject({ ok: true, bytes: enhanced.r.value });
      const built = JSON.parse(Buffer.from(enhanced.r.value as number[]).toString('utf8'));
      expect(built).toMatchObject({
        task: 'build',
        tier: 'language',
        confidence: 1,
        result: { attempts: 1, plan: { op: 'prepare' } },
      });
      expect(built.result.plan.actions.map((a: WorldAction) => a.tool)).toEqual([
        'create_primitive',
        'create_primitive',
        'create_primitive',
      ]);
      // The plan is this frame's visitor's: its own socket commits it, and three prims appear.
      const committed = await send(
        encodeClientMessage({ type: 'action', id: 61, body: { op: 'commit', planId: built.result.plan.planId } }),
      );
      expect(committed).toMatchObject({ ok: true, value: { type: 'action_result', id: 61, result: { op: 'commit' } } });
      expect((committed.value as { result: { created: number[] } }).result.created).toHaveLength(3);
      // A refused model answer (not JSON, twice) is a clear -54, with the same failure as the event.
      const refused = await aiPage.evaluate(async () => {
        const w = window as any;
        const event = new Promise<any>((resolve) => w.viewer.on('aiEnhanceComplete', resolve));
        const r = await w.call('aiEnhance', new TextEncoder().encode('[case:not-json] a lovely arch'));
        return { r, e: await event };
      });
      expect(refused.r).toMatchObject({ ok: false, code: -54 });
      expect(refused.r.message).toContain('ai_invalid_answer');
      expect(refused.e).toMatchObject({ ok: false, error: { code: -54 } });
    } finally {
      await aiPage.close();
    }
  });

  it('answers a malformed message from the allowed host with -21 and its id', async () => {
    const answer = await page.evaluate(
      (viewer) =>
        new Promise((resolve) => {
          const frame = document.querySelector('iframe') as HTMLIFrameElement;
          addEventListener('message', (e) => {
            if (e.source === frame.contentWindow && (e.data as { id?: unknown }).id === 'raw-1') resolve(e.data);
          });
          frame.contentWindow?.postMessage({ v: 1, id: 'raw-1', method: 'queryEntity', params: { id: 'seven' } }, viewer);
        }),
      viewer,
    );
    expect(answer).toMatchObject({ v: 1, id: 'raw-1', ok: false, error: { code: -21 } });
  });

  it('refuses a message from an origin that is not on the allowlist', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${stranger.origin}/host.html`);
      const answer = await other.evaluate(
        ({ viewer, allowedOrigin }) =>
          new Promise((resolve) => {
            const frame = document.createElement('iframe');
            // The frame allows only the other host; this page is not it.
            frame.src = `${viewer}/embed?allow=${encodeURIComponent(allowedOrigin)}#/fv/plaza`;
            addEventListener('message', (e) => {
              if (e.source === frame.contentWindow && (e.data as { id?: unknown }).id === 7) resolve(e.data);
            });
            frame.onload = () => {
              const send = () => frame.contentWindow?.postMessage({ v: 1, id: 7, method: 'init', params: {} }, viewer);
              send();
              setInterval(send, 500); // until the bridge has started
            };
            document.body.append(frame);
          }),
        { viewer, allowedOrigin: allowed.origin },
      );
      expect(answer).toMatchObject({ v: 1, id: 7, ok: false, error: { code: -22 } });
      expect((answer as { error: { message: string } }).error.message).toContain(stranger.origin);
    } finally {
      await other.close();
    }
  });

  it('stands you in the live world at the link’s place, where a visitor in the full viewer sees you', async () => {
    const embedPage = await browser.newPage({ viewport: { width: 800, height: 500 } });
    const visitor = await browser.newContext();
    try {
      await mount(embedPage, allowed.origin, viewer, '#/fv/plaza/60/70/30');
      const frame = embedFrame(embedPage);
      const live = frame?.getByTestId('embed-world');
      await expect.poll(() => live?.getAttribute('data-connection'), { timeout: 30_000 }).toBe('in-world');
      await expect.poll(() => live?.getAttribute('data-self'), { timeout: 10_000 }).toMatch(/^60\.00,70\.00,/);
      const full = await visitor.newPage();
      await full.goto(`${viewer}/#/fv/plaza/64/70/30`);
      const embedded = full.locator('[data-testid="person"][data-self="false"][data-x="60.00"][data-y="70.00"]');
      await expect.poll(() => embedded.count(), { timeout: 30_000 }).toBe(1);
      // And the embed sees the visitor.
      await expect.poll(() => live?.textContent(), { timeout: 30_000 }).toMatch(/in world · [1-9]\d* others? here/);
    } finally {
      await visitor.close();
      await embedPage.close();
    }
  });

  it('joins another Finalverse place with connectProtocol, and answers -40 for a world that does not exist', async () => {
    const joinPage = await browser.newPage({ viewport: { width: 800, height: 500 } });
    try {
      await mount(joinPage, allowed.origin, viewer, '#/fv/plaza');
      expect(await call(joinPage, 'connectProtocol', 1, 'plaza', '')).toMatchObject({ ok: false, code: -25 });
      await call(joinPage, 'init');
      await joinPage.evaluate(() => {
        const w = window as any;
        w.worldEvents = [];
        w.viewer.on('world', (data: unknown) => w.worldEvents.push(data));
      });
      const joined = await call(joinPage, 'connectProtocol', 1, `${viewer}/#/fv/plaza/80/90/30`, '');
      expect(joined).toEqual({ ok: true, value: '#/fv/plaza/80/90/30' });
      const frame = embedFrame(joinPage);
      const live = frame?.getByTestId('embed-world');
      // Answered once in world: you stand where the place says.
      expect(await live?.getAttribute('data-connection')).toBe('in-world');
      await expect.poll(() => live?.getAttribute('data-self'), { timeout: 10_000 }).toMatch(/^80\.00,90\.00,/);
      expect(frame?.url()).toContain('#/fv/plaza/80/90/30');
      const missing = await call(joinPage, 'connectProtocol', 1, 'no-such-world', '');
      expect(missing).toMatchObject({ ok: false, code: -40 });
      expect(missing.message).toContain('no-such-world');
      // The host heard the world's states as they changed: in plaza, then the failed join.
      const events = await joinPage.evaluate(() => (window as any).worldEvents as { state: string; place: string | null }[]);
      expect(events).toContainEqual({ state: 'in-world', place: '#/fv/plaza' });
      expect(events).toContainEqual(expect.objectContaining({ state: 'failed', place: '#/fv/no-such-world' }));
      expect(await call(joinPage, 'connectProtocol', 1, 'hop://127.0.0.1:9000/R/1/2/3', '')).toMatchObject({
        ok: false,
        code: -41,
      });
    } finally {
      await joinPage.close();
    }
  });

  it('sends chat and World Tool actions with sendPacket, makes narrower tokens, and refuses the viewer’s own frames', async () => {
    const packetPage = await browser.newPage({ viewport: { width: 800, height: 500 } });
    const visitor = await browser.newContext();
    // The SDK takes bytes; the frames are encoded here and cross into the page as arrays.
    const send = async (frame: Uint8Array): Promise<Outcome> => {
      const r = await packetPage.evaluate(
        (bytes) => (window as any).call('sendPacket', new Uint8Array(bytes)),
        Array.from(frame),
      );
      if (!r.ok || r.value === null) return r;
      return { ...r, value: decodeServerMessage(new Uint8Array(r.value as number[])) };
    };
    try {
      await mount(packetPage, allowed.origin, viewer, '#/fv/plaza/70/70/30');
      await call(packetPage, 'init');
      const frame = embedFrame(packetPage);
      await expect
        .poll(() => frame?.getByTestId('embed-world').getAttribute('data-connection'), { timeout: 30_000 })
        .toBe('in-world');
      const full = await visitor.newPage();
      await full.goto(`${viewer}/#/fv/plaza/72/70/30`);
      await expect.poll(() => full.locator('[data-testid="person"][data-self="true"]').count(), { timeout: 30_000 }).toBe(1);
      const text = `hello from the host page ${Date.now()}`;
      expect(await send(encodeClientMessage({ type: 'chat', text }))).toEqual({ ok: true, value: null });
      await expect
        .poll(() => full.getByTestId('chat-line').allTextContents(), { timeout: 20_000 })
        .toContainEqual(expect.stringContaining(text));
      // prepare → plan id → commit: a box appears, with the server's ids in the reply.
      const box: WorldAction = {
        tool: 'create_primitive',
        shape: 'box',
        position: [74, 74, 30],
        scale: [1, 1, 1],
        color: [200, 40, 40, 255],
      };
      const prepared = await send(encodeClientMessage({ type: 'action', id: 41, body: { op: 'prepare', actions: [box] } }));
      expect(prepared).toMatchObject({ ok: true, value: { type: 'action_result', id: 41, result: { op: 'prepare' } } });
      const planId = (prepared.value as { result: { planId: string } }).result.planId;
      const committed = await send(encodeClientMessage({ type: 'action', id: 42, body: { op: 'commit', planId } }));
      expect(committed).toMatchObject({ ok: true, value: { type: 'action_result', id: 42, result: { op: 'commit' } } });
      expect((committed.value as { result: { created: number[] } }).result.created).toHaveLength(1);
      // A join-only token for this world, valid two minutes; more than a visitor gets is refused.
      const token = await call(packetPage, 'generateToken', 1, 120);
      expect(token).toMatchObject({ ok: true, value: expect.stringMatching(/^v1\.[\w-]+\.[\w-]+$/) });
      const claims = JSON.parse(Buffer.from(String(token.value).split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        number
      >;
      expect(claims).toMatchObject({ world: 'plaza', perm: 1 });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
      const greedy = await call(packetPage, 'generateToken', 8, 120);
      expect(greedy).toMatchObject({ ok: false, code: -44 });
      expect(greedy.message).toContain('permission_denied');
      // The viewer's own frames and garbage are refused.
      expect(await send(encodeClientMessage({ type: 'ping', nonce: 1, clientTime: 1 }))).toMatchObject({ ok: false, code: -42 });
      expect(await send(new Uint8Array([0xff, 1, 2]))).toMatchObject({ ok: false, code: -42 });
    } finally {
      await visitor.close();
      await packetPage.close();
    }
  });

  it.runIf(process.env.OPENSIM_LOGIN_URI)(
    'logs into the real OpenSim region with connectProtocol (wrong password: -40 with the grid’s code)',
    async () => {
      const { grid, region } = opensim;
      const account = { first: process.env.OPENSIM_FIRST ?? 'Test', last: process.env.OPENSIM_LAST ?? 'User' };
      const osPage = await browser.newPage({ viewport: { width: 800, height: 500 } });
      try {
        await mount(osPage, allowed.origin, viewer, '#/fv/plaza');
        await call(osPage, 'init');
        const refused = await call(osPage, 'connectProtocol', 0, `hop://${grid}/${region}/60/200/25`, {
          ...account,
          password: 'not-the-password',
        });
        expect(refused).toMatchObject({ ok: false, code: -40 });
        expect(refused.message).toContain('grid_bad_credentials');
        const joined = await call(osPage, 'connectProtocol', 0, `hop://${grid}/${region}/60/200/25`, {
          ...account,
          password: process.env.OPENSIM_PASSWORD ?? 'password',
        });
        expect(joined).toEqual({ ok: true, value: `#/os/${grid}/${region}/60/200/25` });
        const frame = embedFrame(osPage);
        expect(await frame?.getByTestId('embed-world').getAttribute('data-connection')).toBe('in-world');
        await expect.poll(() => frame?.getByTestId('embed-place').textContent()).toBe(`${region} · ${grid}`);
      } finally {
        await osPage.close();
      }
    },
  );

  it.runIf(process.env.OPENSIM_LOGIN_URI)(
    'asks for the OpenSim login of an os link in the frame itself, and enters the region',
    async () => {
      const { grid, region } = opensim;
      const formPage = await browser.newPage({ viewport: { width: 640, height: 400 } });
      try {
        await mount(formPage, allowed.origin, viewer, `#/os/${grid}/${region}/60/200/25`);
        const frame = embedFrame(formPage);
        if (!frame) throw new Error('no embed frame');
        await frame.getByTestId('login-first').waitFor({ timeout: 30_000 });
        mkdirSync('test-results', { recursive: true });
        writeFileSync('test-results/embed-os-login.png', await formPage.locator('#slot').screenshot());
        await frame.getByTestId('login-first').fill(process.env.OPENSIM_FIRST ?? 'Test');
        await frame.getByTestId('login-last').fill(process.env.OPENSIM_LAST ?? 'User');
        await frame.getByTestId('login-password').fill('not-the-password');
        await frame.getByTestId('login-submit').click();
        await expect
          .poll(() => frame.getByTestId('login-error').textContent(), { timeout: 30_000 })
          .toContain('grid_bad_credentials');
        await frame.getByTestId('login-password').fill(process.env.OPENSIM_PASSWORD ?? 'password');
        await frame.getByTestId('login-submit').click();
        await expect
          .poll(() => frame.getByTestId('embed-world').getAttribute('data-connection'), { timeout: 60_000 })
          .toBe('in-world');
        expect(await frame.getByTestId('grid-login').count()).toBe(0);
        await expect.poll(() => frame.getByTestId('embed-world').getAttribute('data-self'), { timeout: 20_000 }).toMatch(/^\d/);
        const [x = 0, y = 0] = ((await frame.getByTestId('embed-world').getAttribute('data-self')) ?? '').split(',').map(Number);
        expect(Math.hypot(x - 60, y - 200)).toBeLessThan(3);
      } finally {
        await formPage.close();
      }
    },
  );

  it('shows a compact, readable overlay at 640x360 (screenshot)', async () => {
    const shotPage = await browser.newPage({ viewport: { width: 640, height: 360 } });
    try {
      await shotPage.goto(`${allowed.origin}/host.html`);
      await shotPage.addStyleTag({ content: 'body{margin:0} #slot{width:640px;height:360px}' });
      await mount(shotPage, allowed.origin, viewer, '#/fv/plaza/128/128/25');
      const frame = embedFrame(shotPage);
      await expect.poll(() => frame?.getByTestId('embed-place').textContent()).toBe('plaza');
      // Shoot once the GPU has answered and, with an adapter, the scene has been drawn.
      await expect
        .poll(() => frame?.getByTestId('embed-isolation').getAttribute('data-gpu'), { timeout: 60_000 })
        .not.toBe('starting');
      if ((await frame?.getByTestId('embed-isolation').getAttribute('data-gpu')) === 'ready') {
        await expect
          .poll(() => frame?.getByTestId('embed-overlay').getAttribute('data-frames'), { timeout: 60_000 })
          .not.toBe('0');
      }
      await shotPage.waitForTimeout(500);
      const png = await shotPage.locator('#slot').screenshot();
      mkdirSync('test-results', { recursive: true });
      writeFileSync('test-results/embed-640x360.png', png);
      expect(png.length).toBeGreaterThan(1000);
    } finally {
      await shotPage.close();
    }
  });
});

describe('the example host page (public/embed-host.html)', () => {
  it('mounts the viewer, calls init, loads the chat-log plugin and shows -2 for configure with bad JSON', async () => {
    const browser = await launchChromium({ webgpu: false });
    try {
      const page = await browser.newPage();
      await page.goto(`${inject('baseUrl')}/embed-host.html`);
      await expect.poll(() => page.locator('#log').textContent(), { timeout: 60_000 }).toContain('init →');
      await expect
        .poll(() => page.locator('#log').textContent(), { timeout: 30_000 })
        .toContain('loadPlugin → {"ok":true,"name":"chat-log"');
      await expect
        .poll(() => page.locator('#log').textContent())
        .toContain('event plugin → {"name":"chat-log","state":"running"');
      await page.click('#plugins');
      await expect
        .poll(() => page.locator('#log').textContent())
        .toMatch(/plugins → \[\{"name":"chat-log","version":"1\.0\.0","state":"running"/);
      await page.click('#bad-config');
      await expect.poll(() => page.locator('#log').textContent()).toContain('configure failed → {"code":-2');
    } finally {
      await browser.close();
    }
  });
});

describe('the embedded viewer without Document-Isolation-Policy', () => {
  it('runs the single-worker fallback, still answers the API and still shows the live world', async () => {
    const viewer = inject('baseUrl');
    // Playwright puts its own --disable-features first; Chromium keeps the last list, so ours wins.
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: [...BASE_ARGS, ...WEBGPU_ARGS, '--disable-features=DocumentIsolationPolicy'],
    });
    const host = await startHost(viewer);
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
      const ready = await mount(page, host.origin, viewer);
      console.info(`embed without DIP: crossOriginIsolated=${ready.crossOriginIsolated}, engine=${ready.engine}`);
      expect(ready.engine).toBe(ready.crossOriginIsolated ? 'shared-memory' : 'single-worker');
      expect(await call(page, 'init')).toMatchObject({ ok: true });
      const created = await call(page, 'createEntity', ['Faces']);
      expect(created.ok).toBe(true);
      const queried = await call(page, 'queryEntity', created.value);
      expect(queried.ok).toBe(true);
      expect(await call(page, 'configure', 'not json')).toMatchObject({ ok: false, code: -2 });
      // No SharedArrayBuffer: the render worker runs the world too, so the visit still happens.
      const frame = embedFrame(page);
      expect(await frame?.evaluate(() => typeof SharedArrayBuffer)).toBe('undefined');
      const live = frame?.getByTestId('embed-world');
      await expect.poll(() => live?.getAttribute('data-connection'), { timeout: 30_000 }).toBe('in-world');
      await expect.poll(() => live?.getAttribute('data-self'), { timeout: 10_000 }).toMatch(/^\d+\.\d\d,\d+\.\d\d,/);
      const joined = await call(page, 'connectProtocol', 1, '#/fv/plaza/90/80/30', '');
      expect(joined).toEqual({ ok: true, value: '#/fv/plaza/90/80/30' });
      await expect.poll(() => live?.getAttribute('data-self'), { timeout: 10_000 }).toMatch(/^90\.00,80\.00,/);
      if ((await frame?.getByTestId('embed-isolation').getAttribute('data-gpu')) === 'ready') {
        await page.waitForTimeout(1000);
        mkdirSync('test-results', { recursive: true });
        writeFileSync('test-results/embed-without-dip.png', await page.locator('#slot').screenshot());
      }
    } finally {
      await browser.close();
      await new Promise((r) => host.server.close(r));
    }
  });
});
