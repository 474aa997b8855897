import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A null-modem cable made of two pseudo-terminals joined by socat. Both ends are reached through
 * symlinks that stay put, so "pull the cable" is killing socat (both ports see the line drop)
 * and "plug it back" is a new socat pair behind the same names: exactly what a gateway sees when
 * a USB-serial dock is unplugged and plugged in again.
 */
export interface PtyPair {
  /** Stable path for the gateway's serial port. */
  readonly gatewayPath: string;
  /** Stable path for the dock simulator. */
  readonly dockPath: string;
  readonly connected: boolean;
  pull(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Where the symlinks live; a fresh temporary directory by default (and removed on close). */
  dir?: string;
  socat?: string;
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test runner that dies must not leave socat processes behind. */
function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

function startSocat(bin: string, timeoutMs: number): Promise<{ child: ChildProcess; a: string; b: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`socat did not report two PTYs within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' ? new Error('socat not found: apt-get install -y socat') : err),
    );
    child.once('exit', (code) => fail(new Error(`socat exited (${code}) before it was ready: ${stderr}`)));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const ptys = [...stderr.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1] as string);
      if (ptys.length < 2) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      // Keep draining stderr so socat never blocks on a full pipe.
      child.stderr?.removeAllListeners('data');
      child.stderr?.resume();
      killOnExit(child);
      resolve({ child, a: ptys[0] as string, b: ptys[1] as string });
    });
  });
}

/** Atomic replace, so an opener never finds the name missing halfway through a swap. */
async function pointAt(link: string, target: string): Promise<void> {
  const tmp = `${link}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function openPtyPair(opts: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'townwatch-dock-pty-')));
  await mkdir(dir, { recursive: true });
  const bin = opts.socat ?? 'socat';
  const timeoutMs = opts.startTimeoutMs ?? 5000;
  const gatewayPath = join(dir, 'gateway');
  const dockPath = join(dir, 'dock');
  let child: ChildProcess | undefined;
  let closed = false;

  const restore = async (): Promise<void> => {
    if (closed) throw new Error('PTY pair is closed');
    if (child) return;
    const started = await startSocat(bin, timeoutMs);
    child = started.child;
    await pointAt(gatewayPath, started.a);
    await pointAt(dockPath, started.b);
  };
  const pull = async (): Promise<void> => {
    const c = child;
    child = undefined;
    await stopChild(c);
  };
  try {
    await restore();
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    gatewayPath,
    dockPath,
    get connected() {
      return child !== undefined;
    },
    pull,
    restore,
    close: async () => {
      if (closed) return;
      closed = true;
      await pull();
      if (ownDir) await rm(dir, { recursive: true, force: true });
      else await Promise.all([rm(gatewayPath, { force: true }), rm(dockPath, { force: true })]);
    },
  };
}
