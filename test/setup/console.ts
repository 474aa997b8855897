import type { TestProject } from 'vitest/node';
import { ensureConsoleBuilt } from '../../console/build';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the console could not be built, or null: the browser tests fail with it, the rest run. */
    consoleBuildError: string | null;
  }
}

/**
 * Vitest global setup: the console is built once per run, before any test starts a gateway
 * that serves it (and only if its sources changed since the last build). A failed build must
 * not stop the whole suite: only the console tests need the bundle.
 */
export default async function setup(project: TestProject): Promise<void> {
  try {
    await ensureConsoleBuilt();
    project.provide('consoleBuildError', null);
  } catch (err) {
    project.provide('consoleBuildError', err instanceof Error ? err.message : String(err));
  }
}
