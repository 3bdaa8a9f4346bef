/**
 * Starts the dev server once for all e2e files and shares its URL through `inject('baseUrl')`. Its edge asks the
 * OpenAI-compatible test server (tests/support/fake-llm.ts, a double for the operator's model service) for plans,
 * and lists one trusted plugin (TRUSTED_PLUGINS), served from a loopback fixture server: `inject('trustedPlugin')`.
 * A temporary plugin folder is served at /dev-plugins/ with hot reload (STORM_DEV_PLUGIN_DIR): `inject('devPluginDir')`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type RunningServer, startDevServer } from '../support/dev-server';
import { startFakeLlm } from '../support/fake-llm';
import { HOT_E2E_PLUGINS, integrityOf, serve, TRUSTED_E2E_PLUGIN, trustedEntry } from '../support/plugin-fixtures';

let server: RunningServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const llm = await startFakeLlm();
  const plugins = await serve(new Map([[TRUSTED_E2E_PLUGIN.name, TRUSTED_E2E_PLUGIN.served]]));
  const trusted = trustedEntry(plugins.url, TRUSTED_E2E_PLUGIN.name, TRUSTED_E2E_PLUGIN.served);
  const devPluginDir = mkdtempSync(join(tmpdir(), 'storm-dev-plugins-'));
  for (const [name, served] of HOT_E2E_PLUGINS) {
    mkdirSync(join(devPluginDir, name));
    writeFileSync(join(devPluginDir, name, 'index.js'), served.code);
    const manifest = {
      name,
      version: '1.0.0',
      storm: '^1.0.0',
      entry: './index.js',
      integrity: integrityOf(served),
      ...served.manifest,
    };
    writeFileSync(join(devPluginDir, name, 'storm-plugin.json'), JSON.stringify(manifest, null, 2));
  }
  server = await startDevServer(90_000, {
    STORM_DEV_AI_ENDPOINT: llm.url,
    STORM_DEV_AI_MODEL: 'test-model',
    STORM_DEV_TRUSTED_PLUGINS: JSON.stringify([trusted]),
    STORM_DEV_PLUGIN_DIR: devPluginDir,
  });
  project.provide('baseUrl', server.url);
  project.provide('trustedPlugin', trusted.url);
  project.provide('devPluginDir', devPluginDir);
  return async () => {
    await server?.stop();
    await llm.close();
    plugins.close();
    rmSync(devPluginDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The manifest URL of the plugin the dev server's operator list trusts. */
    trustedPlugin: string;
    /** A temporary folder of plugins the dev server serves at /dev-plugins/ and hot-reloads. */
    devPluginDir: string;
  }
}
