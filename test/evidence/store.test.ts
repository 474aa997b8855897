import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileOffer } from '../../devices/dock/messages';
import type { OfferKey, VerifiedInfo } from '../../devices/dock/sink';
import { EvidenceStore } from '../../gateway/evidence/store';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const BYTES = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff));
const KEY: OfferKey = { dockId: 'dock/1', cam: 'BWC 7', fileNo: 3, sha256: sha(BYTES) };

describe('EvidenceStore', () => {
  let dir: string;
  let store: EvidenceStore;
  const verified: Array<{ key: OfferKey; info: VerifiedInfo; path: string }> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'townwatch-evidence-'));
    verified.length = 0;
    store = new EvidenceStore({
      dir,
      onVerified: (key, info, path) => {
        verified.push({ key, info, path });
        return Promise.resolve();
      },
    });
    await store.start();
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes each write durable and reports the length as the resume offset, across a restart', async () => {
    expect(await store.durableOffset(KEY)).toBe(0);
    await store.write(KEY, 0, BYTES.subarray(0, 1024));
    await store.write(KEY, 1024, BYTES.subarray(1024, 3000));
    expect(await store.durableOffset(KEY)).toBe(3000);
    await store.close();

    const again = new EvidenceStore({ dir });
    expect(await again.durableOffset(KEY)).toBe(3000);
    await again.write(KEY, 3000, BYTES.subarray(3000));
    expect(await again.finish(KEY)).toEqual({ sha256: KEY.sha256, size: BYTES.length });
    await again.close();
  });

  it('resuming below the end drops the bytes beyond it; a gap is refused', async () => {
    await store.write(KEY, 0, BYTES.subarray(0, 2000));
    await store.write(KEY, 1000, Buffer.from('xyz'));
    expect(await store.durableOffset(KEY)).toBe(1003);
    expect((await stat(store.partialPath(KEY))).size).toBe(1003);
    await expect(store.write(KEY, 2000, Buffer.from('late'))).rejects.toThrow(/gap/);
  });

  it('files a verified file under sha256/<first two>/<hash>, read-only, and knows it afterwards', async () => {
    await store.write(KEY, 0, BYTES);
    const got = await store.finish(KEY);
    expect(got).toEqual({ sha256: KEY.sha256, size: BYTES.length });
    const path = store.pathOf(KEY.sha256);
    expect(path).toBe(join(dir, 'sha256', KEY.sha256.slice(0, 2), KEY.sha256));
    expect(await readFile(path)).toEqual(BYTES);
    expect((await stat(path)).mode & 0o222).toBe(0);
    expect(await readdir(join(dir, 'partial'))).toEqual([]);
    expect(await store.has(KEY.sha256)).toBe(true);
    // A re-offer (lost ERASE_OK) needs no bytes and re-verifies what is held.
    expect(await store.durableOffset(KEY)).toBe(BYTES.length);
    expect(await store.finish(KEY)).toEqual(got);

    const info = { sha256: got.sha256, size: got.size, offer: {} as FileOffer, verifiedAt: 'now' };
    await store.commitVerified(KEY, info);
    expect(verified).toEqual([{ key: KEY, info, path }]);
    await expect(new EvidenceStore({ dir }).commitVerified(KEY, info)).resolves.toBeUndefined();

    expect(await store.remove(KEY.sha256)).toBe(true);
    expect(await store.remove(KEY.sha256)).toBe(false);
    expect(await store.has(KEY.sha256)).toBe(false);
  });

  it('keeps a mismatching file in quarantine with its reason, out of the content store', async () => {
    const damaged = Buffer.from(BYTES);
    damaged[2500] = (damaged[2500] ?? 0) ^ 0xff;
    await store.write(KEY, 0, damaged);
    const got = await store.finish(KEY);
    expect(got).toEqual({ sha256: sha(damaged), size: damaged.length });
    await store.quarantine(KEY, 'received sha256 does not match the offer');
    expect(await store.has(KEY.sha256)).toBe(false);
    expect(await store.has(got.sha256)).toBe(false);
    const q = (await readdir(join(dir, 'quarantine'))).sort();
    expect(q).toHaveLength(2);
    const bin = q.find((n) => n.endsWith('.bin')) ?? '';
    expect(await readFile(join(dir, 'quarantine', bin))).toEqual(damaged);
    const note = JSON.parse(await readFile(join(dir, 'quarantine', bin.replace(/\.bin$/, '.json')), 'utf8')) as Record<string, unknown>;
    expect(note).toMatchObject({ key: KEY, reason: 'received sha256 does not match the offer', receivedSha256: got.sha256, size: damaged.length });
    // The next offer of the same file starts from scratch.
    expect(await store.durableOffset(KEY)).toBe(0);
  });

  it('hashes what is on disk, not what it was told: a partial damaged behind its back is caught', async () => {
    await store.write(KEY, 0, BYTES);
    await store.close();
    await writeFile(store.partialPath(KEY), Buffer.alloc(BYTES.length));
    const fresh = new EvidenceStore({ dir });
    expect((await fresh.finish(KEY)).sha256).not.toBe(KEY.sha256);
    await fresh.close();
  });

  it('a file left longer than its durable offset is cut back on the next write there', async () => {
    await store.write(KEY, 0, BYTES.subarray(0, 100));
    await store.close();
    // Simulate trailing bytes that were never acknowledged (e.g. torn write before a crash).
    await truncate(store.partialPath(KEY), 150);
    const fresh = new EvidenceStore({ dir });
    await fresh.write(KEY, 100, BYTES.subarray(100));
    expect(await fresh.finish(KEY)).toEqual({ sha256: KEY.sha256, size: BYTES.length });
    await fresh.close();
  });

  it('stores an empty recording', async () => {
    const empty = { ...KEY, fileNo: 4, sha256: sha(Buffer.alloc(0)) };
    expect(await store.finish(empty)).toEqual({ sha256: empty.sha256, size: 0 });
    expect(await store.has(empty.sha256)).toBe(true);
  });

  it('refuses names that are not a SHA-256, so no path can escape the store', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not a sha256/);
    expect(() => store.partialPath({ ...KEY, sha256: '..' })).toThrow(/not a sha256/);
    expect(store.partialPath(KEY)).toBe(join(dir, 'partial', `dock%2F1+BWC%207+3+${KEY.sha256}.part`));
  });

  it('serialises operations on one file: a resume never reads a length mid-write', async () => {
    const writes = [store.write(KEY, 0, BYTES.subarray(0, 2000)), store.write(KEY, 2000, BYTES.subarray(2000, 4000))];
    const offset = store.durableOffset(KEY);
    await Promise.all(writes);
    expect(await offset).toBe(4000);
  });
});
