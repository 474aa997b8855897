import type { TestProject } from 'vitest/node';
import { ensureConsoleBuilt } from '../../console/build';
import { buildGateway } from '../../gateway/build';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the console could not be built, or null: the browser tests fail with it, the rest run. */
    consoleBuildError: string | null;
  }
}

/**
 * Vitest global setup, once per run before any test starts a gateway: the gateway bundle that
 * `npm start` runs (tests of the built gateway spawn it), and the console it serves (only if
 * its sources changed since the last build). A failed console build must not stop the whole
 * suite: only the console tests need that bundle.
 */
export default async function setup(project: TestProject): Promise<void> {
  await buildGateway();
  try {
    await ensureConsoleBuilt();
    project.provide('consoleBuildError', null);
  } catch (err) {
    project.provide('consoleBuildError', err instanceof Error ? err.message : String(err));
  }
}
