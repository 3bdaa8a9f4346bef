/**
 * Interop: sound against the real StormArt region (../shared/opensim/README.md, "Art content"): its
 * `sound-emitter` prim's looped sound arrives as the entity's sound, and the asset route serves the real Ogg
 * through the edge. Runs only when OPENSIM_ART_LOGIN_URI is set (a region started with OPENSIM_OAR=StormArt.oar).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SOUND_FLAGS } from '../../shared/protocol';
import { FIRST, LAST, openStorm, PASSWORD, postLogin, useEdge } from './grid-client';

const ART_LOGIN_URI = process.env.OPENSIM_ART_LOGIN_URI ?? '';
/** The StormArt region's looped tone (Ogg Vorbis, 440 Hz, 1.5 s). */
const TONE = '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c';

if (ART_LOGIN_URI === '') {
  console.warn(
    'interop: OPENSIM_ART_LOGIN_URI is not set, so the StormArt sound suite DID NOT RUN; start the art region (OPENSIM_OAR=../shared/opensim/StormArt.oar OPENSIM_PORT=9500 OPENSIM_FRESH=1 ../shared/opensim/region.sh start) and export OPENSIM_ART_LOGIN_URI=<its OPENSIM_LOGIN_URI>',
  );
}

describe.skipIf(ART_LOGIN_URI === '')('StormArt region sound through GridSession (interop)', () => {
  const edge = useEdge();

  it("the sound-emitter's looped sound arrives with its asset, gain 0.8 and the loop flag; its Ogg comes through the edge", async () => {
    const login = await postLogin(edge.url, { loginUri: ART_LOGIN_URI, first: FIRST, last: LAST, password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    const session = String(login.json.session);
    const token = String(login.json.token);
    const view = await openStorm(edge.url, session, token);
    try {
      const emitter = () => [...view.entities.values()].find((e) => e.sound?.asset === TONE);
      await view.waitFor(() => emitter() !== undefined, 20_000, 'the sound-emitter with its sound');
      const e = emitter();
      expect(e?.kind).toBe('prim');
      expect(e?.position[0]).toBeCloseTo(128, 0);
      expect(e?.position[1]).toBeCloseTo(132, 0);
      expect(e?.sound?.gain).toBeCloseTo(0.8, 5);
      expect((e?.sound?.flags ?? 0) & SOUND_FLAGS.loop).toBe(SOUND_FLAGS.loop);
      // 20 m right after the OAR load, 0 (the viewer's 20 m default) after a restart.
      expect([0, 20]).toContain(Math.round(e?.sound?.radius ?? -1));
      console.error(`interop: sound-emitter sound ${JSON.stringify(e?.sound)}`);

      const url = `${edge.url}/api/grid/${session}/asset/sound/${TONE}`;
      expect((await fetch(url)).status).toBe(401);
      let res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 20 && res.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 250));
        res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      }
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/ogg');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('OggS');
      // The same bytes as the committed fixture the e2e mixer test decodes.
      expect(bytes).toEqual(new Uint8Array(readFileSync(new URL('../support/fixtures/tone-440.ogg', import.meta.url))));
    } finally {
      view.ws.close();
    }
  }, 60_000);
});
