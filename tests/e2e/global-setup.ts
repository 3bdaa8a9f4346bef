/** Starts the dev server once for all e2e files and shares its URL through `inject('baseUrl')`. */
import type { TestProject } from 'vitest/node';
import { type RunningServer, startDevServer } from '../support/dev-server';

let server: RunningServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  server = await startDevServer();
  project.provide('baseUrl', server.url);
  return async () => {
    await server?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
