import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './net';

/**
 * A real PostgreSQL server for a test file: Debian's `postgresql` binaries, a throwaway cluster
 * on a free loopback port, unix sockets in its temporary directory. initdb runs once per
 * machine into a template that later clusters copy (a copy takes a tenth of an initdb).
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */

export interface PostgresServer {
  /** Superuser connection string (trust authentication on loopback). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const HELP = 'install the Debian package "postgresql" (npm test installs it as root: config/system-deps.sh)';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error(`PostgreSQL server binaries not found under ${root}/<version>/bin: ${HELP}`);
}

/** As root: the `postgres` account's ids. Otherwise: run as ourselves. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) throw new Error(`running as root, but there is no "postgres" user to run PostgreSQL as: ${HELP}`);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function own(path: string, as: { uid: number; gid: number } | null): void {
  if (as) chownSync(path, as.uid, as.gid);
}

function template(bin: string, as: { uid: number; gid: number } | null): string {
  const path = join(process.env.TW_CACHE_DIR ?? tmpdir(), `tw-pg-template-${bin.split('/').at(-2)}-${process.getuid?.() ?? 0}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const work = mkdtempSync(join(tmpdir(), 'tw-pg-initdb-'));
  own(work, as);
  const r = spawnSync(join(bin, 'initdb'), ['-D', join(work, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    encoding: 'utf8',
    cwd: work,
    ...(as ?? {}),
  });
  if (r.status !== 0) throw new Error(`initdb failed (${r.status}): ${r.stderr || r.stdout}`);
  try {
    renameSync(join(work, 'data'), path);
  } catch {
    // Another test worker made the template first: use theirs.
  }
  rmSync(work, { recursive: true, force: true });
  return path;
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${output()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const as = runAs();
  const tpl = template(bin, as);
  const base = mkdtempSync(join(tmpdir(), 'tw-pg-'));
  const data = join(base, 'data');
  const cp = spawnSync('cp', ['-a', tpl, data]);
  if (cp.status !== 0) throw new Error(`could not copy the PostgreSQL template: ${String(cp.stderr)}`);
  own(base, as);
  const port = await freePort();
  // Durability settings off: the tests kill our processes, never the database server.
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    base,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=60',
    '-c',
    'shared_buffers=16MB',
  ];
  const child = spawn(join(bin, 'postgres'), args, { cwd: base, stdio: ['ignore', 'ignore', 'pipe'], ...(as ?? {}) });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitReady(url, child, () => out);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT'); // fast shutdown
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
