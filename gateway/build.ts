import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../config/root';

/**
 * `npm run build` (and `npm start` first): the gateway as plain JavaScript, so the running
 * gateway carries no TypeScript loader. Under tsx each thread (the main one, the journal
 * writer, the loader's own hooks thread) holds a transpiler: ~45 MB more at idle.
 *
 * Five files in `gateway/dist/`: `main.mjs`, the journal writer's `writer-worker.mjs`, which
 * gateway/journal/protocol.ts starts from beside the bundle, the broker thread's
 * `broker-worker.mjs` (gateway/broker/broker-thread.ts), time travel's
 * `time-travel-worker.mjs` (gateway/projections/time-travel.ts), and the regional service's
 * `region.mjs`, which `npm run region` runs the same way (one node process, which a SIGTERM or
 * Ctrl-C stops, with no loader, npm or shell of its own left behind). Our code is bundled; packages
 * stay imports from node_modules (native modules included), resolved as they always are.
 * Written beside the target and renamed into place, so a concurrent build never leaves half.
 */
export const GATEWAY_DIST = join(PROJECT_ROOT, 'gateway', 'dist');
export const GATEWAY_MAIN = join(GATEWAY_DIST, 'main.mjs');
export const REGION_MAIN = join(GATEWAY_DIST, 'region.mjs');

/**
 * The environment `npm start` runs the bundle with (package.json says the same). Each scrypt
 * login check takes 16 MB; glibc raises its mmap threshold after the first is freed, so later
 * ones come from per-thread arenas and stay resident after use: ~64 MB kept for good once four
 * logins overlapped. A fixed 4 MB threshold sends big blocks to mmap, returned when freed.
 * Ignored where the C library is not glibc.
 */
export const START_ENV = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4194304' } as const;

export async function buildGateway(): Promise<void> {
  const tmp = `${GATEWAY_DIST}.${process.pid}.${Date.now()}`;
  await build({
    entryPoints: {
      main: join(PROJECT_ROOT, 'gateway', 'main.ts'),
      'writer-worker': join(PROJECT_ROOT, 'gateway', 'journal', 'writer-worker.ts'),
      'broker-worker': join(PROJECT_ROOT, 'gateway', 'broker', 'broker-worker.ts'),
      'time-travel-worker': join(PROJECT_ROOT, 'gateway', 'projections', 'time-travel-worker.ts'),
      region: join(PROJECT_ROOT, 'gateway', 'region', 'main.ts'),
    },
    outdir: tmp,
    entryNames: '[name]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  const old = `${tmp}.old`;
  if (existsSync(GATEWAY_DIST)) renameSync(GATEWAY_DIST, old);
  renameSync(tmp, GATEWAY_DIST);
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  const started = Date.now();
  await buildGateway();
  process.stdout.write(`gateway built in ${Date.now() - started} ms: ${relative(process.cwd(), GATEWAY_MAIN)}\n`);
}
