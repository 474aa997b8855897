import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, stat, statfs, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { OfferRefused, type OfferKey, type OffloadSink, type VerifiedInfo } from '../../devices/dock/sink';

export interface EvidenceStoreOptions {
  dir?: string;
  /** Journals custody; a dock gets ERASE_OK only after this resolves. */
  onVerified?: (key: OfferKey, info: VerifiedInfo, path: string) => Promise<void>;
  logger?: Logger;
  /** An offer is refused when taking it would leave less than this free on the store's disk. */
  minFreeBytes?: number;
}

/** Bounds for `sweep`: stale partials, and how much quarantine is kept. */
export interface StoreBounds {
  partialMaxAgeMs: number;
  quarantineMaxFiles: number;
  quarantineMaxBytes: number;
  quarantineMaxAgeMs: number;
}

/** One file (or a quarantined file with its note) removed by `sweep`, for the journal's receipt. */
export interface SweptFile {
  area: 'partial' | 'quarantine';
  files: string[];
  bytes: number;
  modifiedAt: string;
  reason: string;
  /** What the quarantine note said (key, reason, received hash), when there was one. */
  note: unknown;
}

interface OpenPartial {
  fh: FileHandle;
  /** Bytes on stable storage; the file is never longer than this between calls. */
  length: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const HASH_CHUNK = 256 * 1024;

/**
 * Content-addressed evidence files. Bytes arrive in `partial/`, are fsynced before each write
 * returns (a file's length is its durable offset), and once their SHA-256 matches the offer they
 * move to `sha256/<2>/<hash>`, read-only. Files that do not match go to `quarantine/` with a
 * reason beside them and are never deleted by this class.
 */
export class EvidenceStore implements OffloadSink {
  readonly dir: string;
  private readonly open = new Map<string, OpenPartial>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly pendingQuarantine = new Map<string, { path: string; sha256: string; size: number }>();
  private started: Promise<void> | undefined;

  constructor(private readonly opts: EvidenceStoreOptions = {}) {
    this.dir = opts.dir ?? 'data/evidence';
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      for (const sub of ['partial', 'sha256', 'quarantine']) await mkdir(join(this.dir, sub), { recursive: true });
    })();
    return this.started;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.locks.values()]);
    for (const p of this.open.values()) await p.fh.close();
    this.open.clear();
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** `+` never appears in encodeURIComponent output, so the name maps back to exactly one key. */
  stem(key: OfferKey): string {
    if (!SHA256.test(key.sha256)) throw new Error(`not a sha256: ${key.sha256}`);
    const stem = `${encodeURIComponent(key.dockId)}+${encodeURIComponent(key.cam)}+${key.fileNo}+${key.sha256}`;
    if (stem.length > 220) throw new Error(`dock or camera id too long for a file name: ${stem}`);
    return stem;
  }

  partialPath(key: OfferKey): string {
    return join(this.dir, 'partial', `${this.stem(key)}.part`);
  }

  async has(sha256: string): Promise<boolean> {
    return (await sizeOf(this.pathOf(sha256))) !== undefined;
  }

  async remove(sha256: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(sha256));
      await fsyncDir(dirname(this.pathOf(sha256)));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Free bytes on the store's disk, for unprivileged writers (what `df` shows as available). */
  async freeBytes(): Promise<number> {
    await this.start();
    const s = await statfs(this.dir);
    return s.bavail * s.bsize;
  }

  /** Fails closed: an offer that would leave the disk below its floor is refused before any byte. */
  async admit(_key: OfferKey, bytes: number): Promise<void> {
    const minFreeBytes = this.opts.minFreeBytes ?? 0;
    if (bytes <= 0) return;
    const freeBytes = await this.freeBytes();
    if (freeBytes - bytes < minFreeBytes) {
      throw new OfferRefused(`no space: ${bytes} bytes offered, ${freeBytes} free, ${minFreeBytes} must stay free`, {
        freeBytes,
        neededBytes: bytes,
        minFreeBytes,
      });
    }
  }

  /**
   * Bounds `partial/` and `quarantine/`: a partial untouched for `partialMaxAgeMs` (and not open)
   * is removed (the camera still holds the recording, having had no ERASE_OK); quarantine keeps
   * at most so many files, bytes and days, the oldest going first. Returns what was removed so
   * the caller can journal a receipt for each.
   */
  async sweep(bounds: StoreBounds, now = Date.now()): Promise<SweptFile[]> {
    await this.start();
    const removed: SweptFile[] = [];
    const partialDir = join(this.dir, 'partial');
    for (const name of await readdir(partialDir)) {
      if (!name.endsWith('.part') || this.open.has(name.slice(0, -'.part'.length))) continue;
      const st = await statOf(join(partialDir, name));
      if (!st || now - st.mtimeMs < bounds.partialMaxAgeMs) continue;
      if (!(await removeFile(join(partialDir, name)))) continue;
      removed.push({
        area: 'partial',
        files: [`partial/${name}`],
        bytes: st.size,
        modifiedAt: st.mtime.toISOString(),
        reason: 'partial transfer not resumed within its age limit',
        note: null,
      });
    }
    if (removed.length) await fsyncDir(partialDir);

    // Quarantine entries: `<stem>-<ms>.bin` with its `.json` note, or a note alone.
    const qDir = join(this.dir, 'quarantine');
    const groups = new Map<string, { files: string[]; bytes: number; mtimeMs: number }>();
    for (const name of await readdir(qDir)) {
      const base = name.replace(/\.(bin|json)$/, '');
      if (base === name) continue;
      const st = await statOf(join(qDir, name));
      if (!st) continue;
      const g = groups.get(base) ?? { files: [], bytes: 0, mtimeMs: 0 };
      g.files.push(name);
      g.bytes += st.size;
      g.mtimeMs = Math.max(g.mtimeMs, st.mtimeMs);
      groups.set(base, g);
    }
    const entries = [...groups.entries()].sort((a, b) => a[1].mtimeMs - b[1].mtimeMs || a[0].localeCompare(b[0]));
    let count = entries.length;
    let bytes = entries.reduce((n, [, g]) => n + g.bytes, 0);
    const before = removed.length;
    for (const [base, g] of entries) {
      const reason =
        now - g.mtimeMs >= bounds.quarantineMaxAgeMs
          ? 'quarantine older than its age limit'
          : count > bounds.quarantineMaxFiles
            ? 'quarantine over its file limit'
            : bytes > bounds.quarantineMaxBytes
              ? 'quarantine over its size limit'
              : null;
      if (!reason) continue;
      const note = await readNote(join(qDir, `${base}.json`));
      for (const f of g.files) await removeFile(join(qDir, f));
      count -= 1;
      bytes -= g.bytes;
      removed.push({
        area: 'quarantine',
        files: g.files.sort().map((f) => `quarantine/${f}`),
        bytes: g.bytes,
        modifiedAt: new Date(g.mtimeMs).toISOString(),
        reason,
        note,
      });
    }
    if (removed.length > before) await fsyncDir(qDir);
    return removed;
  }

  /** A fresh path in `partial/` for a file the gateway writes itself (a CCTV clip): same disk, so `adopt` is a rename. */
  async scratchPath(name: string): Promise<string> {
    await this.start();
    return join(this.dir, 'partial', `${Date.now()}-${name.replace(/[^\w.-]/g, '_')}`);
  }

  /**
   * Takes a complete file written by the gateway (a recorded clip) into the store: hashed as it
   * lies on disk, fsynced, moved to `sha256/<2>/<hash>` read-only. Bytes already held are kept once.
   */
  async adopt(path: string): Promise<{ sha256: string; size: number }> {
    const fh = await open(path, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const got = await hashFile(path);
    const stored = this.pathOf(got.sha256);
    await mkdir(dirname(stored), { recursive: true });
    if ((await sizeOf(stored)) === undefined) {
      await rename(path, stored);
      await chmod(stored, 0o444);
      await fsyncDir(dirname(stored));
    } else {
      await unlink(path);
    }
    await fsyncDir(dirname(path));
    return got;
  }

  durableOffset(key: OfferKey): Promise<number> {
    return this.locked(key, async () => {
      // Already stored whole (a lost ERASE_OK, or the same footage again): nothing to send.
      const whole = await sizeOf(this.pathOf(key.sha256));
      if (whole !== undefined) return whole;
      return this.open.get(this.stem(key))?.length ?? (await sizeOf(this.partialPath(key))) ?? 0;
    });
  }

  write(key: OfferKey, offset: number, bytes: Buffer): Promise<void> {
    return this.locked(key, async () => {
      const p = await this.partial(key);
      if (offset > p.length) throw new Error(`write at ${offset} leaves a gap after the durable ${p.length} bytes`);
      // Resuming below the end: whatever lies beyond the offset the gateway asked from is not trusted.
      if (offset < p.length) await p.fh.truncate(offset);
      p.length = offset;
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await p.fh.write(bytes, done, bytes.length - done, offset + done);
        done += bytesWritten;
      }
      await p.fh.datasync();
      p.length = offset + bytes.length;
    });
  }

  finish(key: OfferKey): Promise<{ sha256: string; size: number }> {
    return this.locked(key, async () => {
      const stem = this.stem(key);
      const part = this.partialPath(key);
      const stored = this.pathOf(key.sha256);
      if (!this.open.has(stem) && (await sizeOf(part)) === undefined && (await sizeOf(stored)) !== undefined) {
        // Re-offered after it was stored: re-read what we hold rather than trust the file name.
        const got = await hashFile(stored);
        if (got.sha256 !== key.sha256) await this.toQuarantine(key, stored, got);
        return got;
      }
      await this.partial(key);
      await this.closePartial(stem);
      const got = await hashFile(part);
      if (got.sha256 !== key.sha256) {
        await this.toQuarantine(key, part, got);
        return got;
      }
      await mkdir(dirname(stored), { recursive: true });
      if ((await sizeOf(stored)) === undefined) {
        await rename(part, stored);
        await chmod(stored, 0o444);
        await fsyncDir(dirname(stored));
      } else {
        await unlink(part);
      }
      await fsyncDir(dirname(part));
      return got;
    });
  }

  async commitVerified(key: OfferKey, info: VerifiedInfo): Promise<void> {
    await this.opts.onVerified?.(key, info, this.pathOf(info.sha256));
  }

  quarantine(key: OfferKey, reason: string): Promise<void> {
    return this.locked(key, async () => {
      const stem = this.stem(key);
      let held = this.pendingQuarantine.get(stem);
      this.pendingQuarantine.delete(stem);
      if (!held && (this.open.has(stem) || (await sizeOf(this.partialPath(key))) !== undefined)) {
        await this.closePartial(stem);
        const got = await hashFile(this.partialPath(key));
        await this.toQuarantine(key, this.partialPath(key), got);
        held = this.pendingQuarantine.get(stem);
        this.pendingQuarantine.delete(stem);
      }
      const note = { key, reason, file: held?.path ?? null, receivedSha256: held?.sha256 ?? null, size: held?.size ?? null, at: new Date().toISOString() };
      const notePath = held ? held.path.replace(/\.bin$/, '.json') : join(this.dir, 'quarantine', `${stem}-${Date.now()}.json`);
      await writeFile(notePath, JSON.stringify(note, null, 2) + '\n', { flush: true });
      await fsyncDir(dirname(notePath));
      this.opts.logger?.warn(note, 'evidence quarantined');
    });
  }

  private async toQuarantine(key: OfferKey, from: string, got: { sha256: string; size: number }): Promise<void> {
    const stem = this.stem(key);
    // Time-stamped: a camera that offers the same bad file on every docking leaves every copy.
    const to = join(this.dir, 'quarantine', `${stem}-${Date.now()}.bin`);
    await rename(from, to);
    await fsyncDir(dirname(from));
    await fsyncDir(dirname(to));
    this.pendingQuarantine.set(stem, { path: to, ...got });
  }

  private async partial(key: OfferKey): Promise<OpenPartial> {
    await this.start();
    const stem = this.stem(key);
    const cached = this.open.get(stem);
    if (cached) return cached;
    const path = this.partialPath(key);
    const existed = (await sizeOf(path)) !== undefined;
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o640);
    const p = { fh, length: (await fh.stat()).size };
    this.open.set(stem, p);
    if (!existed) await fsyncDir(dirname(path));
    return p;
  }

  private async closePartial(stem: string): Promise<void> {
    const p = this.open.get(stem);
    this.open.delete(stem);
    await p?.fh.close();
  }

  /** One operation per file at a time: a resume must never read a length mid-write. */
  private locked<T>(key: OfferKey, fn: () => Promise<T>): Promise<T> {
    const stem = this.stem(key);
    const prev = this.locks.get(stem) ?? Promise.resolve();
    const run = prev.then(async () => {
      await this.start();
      return fn();
    });
    const tail = run.catch(() => undefined);
    this.locks.set(stem, tail);
    void tail.then(() => {
      if (this.locks.get(stem) === tail) this.locks.delete(stem);
    });
    return run;
  }
}

/** One buffer, reused: hashing a 200 MB recording must not leave 200 MB of chunks for the GC. */
async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_CHUNK);
  const fh = await open(path, constants.O_RDONLY);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { sha256: h.digest('hex'), size };
}

async function statOf(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function readNote(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A rename or a new file is only durable once its directory entry is. */
async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
