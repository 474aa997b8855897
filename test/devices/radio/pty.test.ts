import { mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPtyPair, pointLink, removeLink } from '../../../simulators/serial/pty';

describe('PTY pair helper', () => {
  it('opens two /dev/pts paths, and a stable link can be re-pointed between pairs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'townwatch-pty-'));
    const link = join(dir, 'radio');
    const first = await openPtyPair();
    try {
      expect(first.a).toMatch(/^\/dev\/pts\/\d+$/);
      expect(first.b).toMatch(/^\/dev\/pts\/\d+$/);
      expect(first.a).not.toBe(first.b);
      await pointLink(link, first.b);
      expect(await readlink(link)).toBe(first.b);
      const second = await openPtyPair();
      await pointLink(link, second.b);
      expect(await readlink(link)).toBe(second.b);
      await second.close();
      await removeLink(link);
      await removeLink(link); // already gone: fine
    } finally {
      await first.close();
      await first.close(); // idempotent
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to replace something that is not a symlink', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'townwatch-pty-'));
    const file = join(dir, 'ttyUSB0');
    await writeFile(file, '');
    await expect(pointLink(file, '/dev/null')).rejects.toThrow(/not a symlink/);
    await rm(dir, { recursive: true, force: true });
  });

  it('says how to install socat when it is missing', async () => {
    await expect(openPtyPair({ socat: 'socat-not-installed-here' })).rejects.toThrow('socat not found: apt-get install -y socat');
  });
});
