/** Test projects: unit (Node), edge (inside workerd), e2e (headless Chromium against `npm start`'s server). */
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { rapierForWorkerd } from './scripts/vite-rapier-workerd.ts';

export default defineConfig({
  test: {
    projects: [
      {
        // No solid plugin here: it resolves packages with browser conditions (ws would load its browser stub).
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The edge's GridSession reaches a relay that tests/support/fake-sim.ts starts in Node (with a fake
        // simulator) on its own port, so it never meets a developer's relay on 8790. The rooms verify hellos with
        // the test signing key (tests/edge/support.ts TEST_KEY), whatever .dev.vars holds.
        plugins: [
          rapierForWorkerd(),
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { bindings: { RELAY_URL: 'http://127.0.0.1:18790', TOKEN_KEY: 'edge-test-signing-key-not-a-secret' } },
          }),
        ],
        test: {
          name: 'edge',
          include: ['tests/edge/**/*.test.ts'],
          globalSetup: ['tests/support/fake-sim.ts', 'tests/support/fake-llm.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Against a real OpenSimulator region: runs when OPENSIM_LOGIN_URI is set (.ci/run starts one).
        test: {
          name: 'interop',
          // One account on the real region: the interop and browser suites take turns (a second login kicks the first).
          sequence: { groupOrder: 1 },
          include: ['tests/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The mixer's page loads its module straight from the dev server (/@fs): on a server of its own, started
        // before the other browser suites. After the OpenSim suites the shared server twice stopped serving it
        // (the page's module import never answered, and the run sat idle).
        test: {
          name: 'e2e-audio',
          sequence: { groupOrder: 2 },
          include: ['tests/e2e/audio-mixer.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 3 },
          include: ['tests/e2e/**/*.test.ts'],
          exclude: ['tests/e2e/audio-mixer.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
