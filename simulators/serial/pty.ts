// A pseudo-terminal pair from socat, so a simulator can sit on one end of a "serial line"
// and the gateway open the other with the real serialport binding. socat prints the two
// /dev/pts paths on stderr; a new pair gets new paths, so the gateway is given a stable
// symlink (pointLink) that the simulator re-points when it "plugs the device back in".
// Shared by the radio control-station simulator and the dock's cable (dock/pty.ts).
import type { ChildProcess } from 'node:child_process';
import { lstat, mkdir, rename, symlink, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { findExecutable, spawnTied } from '../../devices/cctv/child';

export interface PtyPair {
  /** Simulator side. */
  a: string;
  /** Gateway side. */
  b: string;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test runner that dies mid-test must not leave socat processes behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface PtyPairOptions {
  timeoutMs?: number;
  /** Override for tests of the "not installed" path. */
  socat?: string;
}

export function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const { timeoutMs = 5000, socat = 'socat' } = options;
  installExitHook();
  // Checked first: behind the death guard a missing program is only an exit code.
  const bin = findExecutable(socat);
  if (!bin) return Promise.reject(new Error('socat not found: apt-get install -y socat'));
  return new Promise<PtyPair>((resolve, reject) => {
    // Tied to us: socat must not outlive a simulator that is killed, not even by SIGKILL.
    const child = spawnTied(bin, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0']);
    child.stdout?.resume();
    live.add(child);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    void exited.then(() => live.delete(child));
    let stderr = '';
    let settled = false;
    const settle = (err: Error | null, pair?: PtyPair): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else if (pair) resolve(pair);
    };
    const timer = setTimeout(() => settle(new Error(`socat gave no PTY paths within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      settle(err.code === 'ENOENT' ? new Error('socat not found: apt-get install -y socat') : err);
    });
    child.once('exit', (code, signal) => {
      settle(new Error(`socat exited (${code ?? signal}) before opening the PTYs: ${stderr.trim()}`));
    });
    // Keep draining stderr for the pair's lifetime: a full pipe would block socat.
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (settled) return;
      stderr += chunk;
      const paths = [...stderr.matchAll(/PTY is (\/dev\/pts\/\d+)/g)].map((m) => m[1] ?? '');
      const [a, b] = paths;
      if (a && b) settle(null, { a, b, close: () => stop(child, exited) });
    });
  });
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
  await exited;
  clearTimeout(timer);
}

/** Atomically (re)point `link` at `target`; refuses to replace anything but a symlink. */
export async function pointLink(link: string, target: string): Promise<void> {
  await assertReplaceable(link);
  await mkdir(dirname(link), { recursive: true });
  const tmp = `${link}.${process.pid}.${Date.now()}.tmp`;
  await symlink(target, tmp);
  await rename(tmp, link);
}

export async function removeLink(link: string): Promise<void> {
  await assertReplaceable(link);
  await unlink(link).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

async function assertReplaceable(link: string): Promise<void> {
  const st = await lstat(link).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (st && !st.isSymbolicLink()) throw new Error(`refusing to replace ${link}: it is not a symlink`);
}
