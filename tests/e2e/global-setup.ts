/**
 * Starts the dev server once for all e2e files and shares its URL through `inject('baseUrl')`. Its edge asks the
 * OpenAI-compatible test server (tests/support/fake-llm.ts, a double for the operator's model service) for plans.
 */
import type { TestProject } from 'vitest/node';
import { type RunningServer, startDevServer } from '../support/dev-server';
import { startFakeLlm } from '../support/fake-llm';

let server: RunningServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const llm = await startFakeLlm();
  server = await startDevServer(90_000, { STORM_DEV_AI_ENDPOINT: llm.url, STORM_DEV_AI_MODEL: 'test-model' });
  project.provide('baseUrl', server.url);
  return async () => {
    await server?.stop();
    await llm.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
