import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair as openRawPair, pointLink, type PtyPair as RawPair } from '../serial/pty';

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

export async function openPtyPair(opts: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'townwatch-dock-pty-')));
  await mkdir(dir, { recursive: true });
  const bin = opts.socat ?? 'socat';
  const timeoutMs = opts.startTimeoutMs ?? 5000;
  const gatewayPath = join(dir, 'gateway');
  const dockPath = join(dir, 'dock');
  let socat: RawPair | undefined;
  let closed = false;

  const restore = async (): Promise<void> => {
    if (closed) throw new Error('PTY pair is closed');
    if (socat) return;
    socat = await openRawPair({ socat: bin, timeoutMs });
    await pointLink(gatewayPath, socat.a);
    await pointLink(dockPath, socat.b);
  };
  const pull = async (): Promise<void> => {
    const c = socat;
    socat = undefined;
    await c?.close();
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
      return socat !== undefined;
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
