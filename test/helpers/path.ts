import { chmodSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PATH holding this machine's programs except `hidden`: what a machine without those
 * Debian packages looks like to a script or a child process.
 */
export function pathWithout(hidden: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-path-'));
  // Readable by every user: a test may run a script as nobody on this PATH.
  chmodSync(dir, 0o755);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { mode: 0o755 });
  for (const d of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (hidden.includes(n)) continue;
      try {
        symlinkSync(join(d, n), join(bin, n));
      } catch {
        // an earlier directory's program of the same name wins, as on PATH
      }
    }
  }
  return bin;
}
