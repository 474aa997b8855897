import { stat } from 'node:fs/promises';

/**
 * Identity of the device node behind a path (following symlinks), or undefined if there is none.
 *
 * Why this exists: when the far side of a PTY hangs up, read() on our side can return 0 instead
 * of EIO, and serialport retries a zero-byte read forever without emitting 'close'. A pulled
 * cable then looks like a silent line and the port is never reopened. The device node vanishing
 * (or the path now naming a different node) is the reliable sign, for PTYs and USB adapters alike.
 */
export async function deviceId(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.rdev}`;
  } catch {
    return undefined;
  }
}

/** Calls `onGone` once if the node at `path` disappears or changes; returns a stop function. */
export function watchDevice(path: string, id: string | undefined, everyMs: number, onGone: () => void): () => void {
  if (id === undefined) return () => undefined; // not a file (e.g. a mock binding): nothing to watch
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void deviceId(path)
      .then((now) => {
        if (stopped || now === id) return;
        stopped = true;
        clearInterval(timer);
        onGone();
      })
      .finally(() => (busy = false));
  }, everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
