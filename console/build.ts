import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the console when it is missing or older than its sources; `npm start` and the tests
 * call this so nobody runs a stale bundle. Fast when nothing changed (an mtime walk).
 *
 * The bundle is written next to the tree and then renamed into place, so a gateway that is
 * serving `console/dist` meanwhile never sees half a build.
 */
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..');
export const DIST = join(HERE, 'dist');
const STAMP = join(DIST, '.built');
/** The sources of the bundle: the console, and the gateway contract whose types it imports. */
const SOURCES = [HERE, join(ROOT, 'gateway/contract'), join(ROOT, 'package-lock.json')];
const SKIP = new Set(['dist', 'node_modules', 'screenshot.png']);

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

export function consoleIsStale(): boolean {
  if (!existsSync(STAMP) || !existsSync(join(DIST, 'index.html'))) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((s) => newestMtime(s) > built);
}

export async function ensureConsoleBuilt(opts: { force?: boolean } = {}): Promise<'fresh' | 'built'> {
  if (!opts.force && !consoleIsStale()) return 'fresh';
  const { build } = await import('vite');
  const cache = join(ROOT, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const tmp = join(cache, `townwatch-console-${process.pid}-${Date.now()}`);
  await build({ configFile: join(HERE, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
  writeFileSync(join(tmp, '.built'), new Date().toISOString());
  const old = `${tmp}.old`;
  try {
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(tmp, DIST);
  } catch {
    // Another build finished first and put its bundle in place: it is just as fresh.
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
  return 'built';
}

// `tsx console/build.ts [--force]`: what `npm start` runs first.
if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  const started = Date.now();
  ensureConsoleBuilt({ force: process.argv.includes('--force') }).then(
    (r) => process.stdout.write(r === 'built' ? `console built in ${Date.now() - started} ms\n` : ''),
    (err: unknown) => {
      process.stderr.write(`console build failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
