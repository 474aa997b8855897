import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
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

/**
 * Lowers the calling thread's CPU priority by `by` nice steps (up to 19), for a worker whose
 * work can wait: time travel and hotspots. On two cores a query replaying thousands of events would
 * otherwise take a core from the broker and the journal writer for as long as it runs; 10 steps
 * lower Linux gives it about a tenth of a contended core and all of an idle one. Linux keeps a
 * nice value per thread: `/proc/thread-self` names this thread's id, which setpriority takes in
 * place of a process id. Elsewhere (no /proc) the thread keeps its priority. Returns the
 * thread's id, or null when it could not be lowered.
 */
export function lowerThisThreadPriority(by: number): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isSafeInteger(tid)) return null;
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return tid;
  } catch {
    return null;
  }
}
