import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Subjects' photos on disk, content-addressed as evidence is (`sha256/<2>/<hash>`, read-only):
 * the same picture uploaded twice is one file, and a file's name proves its bytes. Only the
 * gallery API reads them, after checking who asks; there is no static route to this folder.
 */
export class PhotoStore {
  constructor(readonly dir: string) {}

  private pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256.slice(0, 80)}`);
    return join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** Stores the bytes (once) and gives their hash. Written to a temporary name, then renamed: never half a photo. */
  async put(bytes: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(sha256);
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(dirname(path), { recursive: true, mode: 0o750 });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, bytes, { mode: 0o440, flush: true });
        await rename(tmp, path);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      await chmod(path, 0o440);
    }
    return { sha256, size: bytes.length };
  }

  /** The bytes, or null when there is no such photo. */
  async get(sha256: string): Promise<Buffer | null> {
    if (!SHA256.test(sha256)) return null;
    return readFile(this.pathOf(sha256)).catch(() => null);
  }
}
