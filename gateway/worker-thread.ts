import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts one of the gateway's worker threads (the journal writer, time travel, the broker).
 *
 * Built (`npm start` runs the bundle in dist/), the worker is the bundle's sibling
 * `<bundled>.mjs` (gateway/build.ts writes it). From source, Node 20 cannot load a .ts worker by
 * itself, and tsx's `--import` hook does not reach worker threads (neither inherited nor passed
 * in execArgv), whether the gateway runs under the tsx CLI, `node --import tsx` or vitest. So the
 * worker is then an inline bootstrap that registers tsx's ESM hooks in its own thread and
 * imports the real module: the same everywhere.
 */
export function startWorker(source: URL, bundled: string, options: Pick<WorkerOptions, 'workerData' | 'resourceLimits'> = {}): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${bundled}.mjs`, import.meta.url), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(boot, { ...options, eval: true, execArgv: [] });
}
