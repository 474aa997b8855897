import { ensureConsoleBuilt } from '../../console/build';

/**
 * Vitest global setup: the console is built once per run, before any test starts a gateway
 * that serves it (and only if its sources changed since the last build).
 */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
