import { createHash } from 'node:crypto';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { exhibitId } from '../../../gateway/evidence/exhibit';
import { EvidenceStore } from '../../../gateway/evidence/store';
import { verifyJournal } from '../../../gateway/journal/verify';
import { DockSimulator, fileSha256 } from '../../../simulators/dock/dock-sim';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { eventually, spawnGateway, testConfig, type ChildGateway } from '../../helpers/gateway';

const SEED = 78;
const CAM = 'BWC-0001';
const NAME = 'BWC-0001_0001.mp4';
/** Version 2 moves several MB/s: big enough that the kill still lands mid-file (and mid-window). */
const SIZE = 40 * 1024 * 1024 + 123;
/** The simulator numbers camera i's file j as ((i + 1) << 16) | (j + 1). */
const FILE_NO = (1 << 16) | 1;

let pty: PtyPair | undefined;
let sim: DockSimulator | undefined;
let gw: ChildGateway | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await gw?.exited;
  await sim?.stop();
  await pty?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function journalOf(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * crash.test.ts for a version 2 dock: the gateway process is SIGKILLed while a window of 4064-byte
 * DATA frames is in flight, and the line drops frames now and then throughout (each loss is a
 * go-back of up to a whole 64-frame window). The second gateway must resume from what the first
 * made durable, verify the whole file, and journal its custody exactly once before the camera
 * may erase it.
 */
describe('version 2: gateway SIGKILL mid-window on a lossy line', () => {
  it('resumes from the durable offset in a new gateway process, custody journaled once', async () => {
    pty = await openPtyPair();
    const t = testConfig((doc) => {
      (doc.docks as Array<Record<string, unknown>>)[0]!.serialPath = pty!.gatewayPath;
    });
    dataDir = t.dir;
    const journalPath = t.config.gateway.journal.path;
    const sha256 = await fileSha256(SEED, CAM, NAME, SIZE);
    // Only for its file names: where the gateway keeps the bytes it has made durable.
    const store = new EvidenceStore({ dir: join(t.dir, 'evidence') });
    const partial = store.partialPath({ dockId: 'dock-1', cam: CAM, fileNo: FILE_NO, sha256 });
    const stored = store.pathOf(sha256);

    gw = await spawnGateway(t.file);
    sim = new DockSimulator({
      path: pty.dockPath,
      cable: pty,
      dockId: 'dock-1',
      bays: 6,
      seed: SEED,
      cameras: [{ serial: CAM, bay: 1, files: [{ name: NAME, size: SIZE }] }],
      versions: [1, 2],
      // One packet in 500 lost, each way: several go-backs per file, not one per window.
      faultRate: 0.002,
    });
    sim.setFault('drop', true);
    // What the gateway had done when the camera was told it may erase: checked at that moment.
    let atErase: { stored: number | null; verified: boolean; erasePermitted: boolean } | undefined;
    sim.on('erased', () => {
      const db = journalOf(journalPath);
      try {
        const count = (type: string) =>
          (
            db.prepare('SELECT count(*) AS n FROM events WHERE type = ? AND ref = ?').get(type, exhibitId({ cam: CAM, fileNo: FILE_NO, sha256 })) as {
              n: number;
            }
          ).n;
        atErase = {
          stored: existsSync(stored) ? statSync(stored).size : null,
          verified: count('evidence.verified') > 0,
          erasePermitted: count('evidence.erase-permitted') > 0,
        };
      } finally {
        db.close();
      }
    });
    await sim.start();

    const half = await eventually(
      () => {
        const n = existsSync(partial) ? statSync(partial).size : 0;
        return n >= SIZE / 2 && n;
      },
      120_000,
      'half the file durable at the first gateway',
    );
    gw.child.kill('SIGKILL');
    await gw.exited;
    const sentBeforeKill = sim.bytesSent;
    const requestsBeforeKill = sim.requests.length;
    // The dead process wrote nothing more: this is what was durable when it died.
    const durableAtKill = statSync(partial).size;
    // The lossy line may have restarted the link (and so the offer) before the kill: count those offers.
    const offersBeforeKill = (() => {
      const db = journalOf(journalPath);
      try {
        return (db.prepare("SELECT count(*) AS n FROM events WHERE type = 'evidence.offered'").get() as { n: number }).n;
      } finally {
        db.close();
      }
    })();
    expect(offersBeforeKill).toBeGreaterThanOrEqual(1);
    expect(durableAtKill).toBeGreaterThanOrEqual(half);
    expect(durableAtKill).toBeLessThan(SIZE);
    expect(sim.erased.size).toBe(0);

    gw = await spawnGateway(t.file);
    await eventually(() => sim!.settled, 180_000, 'the file to be offloaded by the second gateway');

    expect([...sim.erased]).toEqual([`${CAM}/${NAME}`]);
    expect(sim.linkVersion).toBe(2);
    // The line really did lose frames, and the dock recovered from it.
    expect(sim.faults.counters.dropped).toBeGreaterThan(0);
    expect(sim.stats.naksIn).toBeGreaterThan(0);
    const resumed = sim.requests.slice(requestsBeforeKill);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed[0]!.offset).toBeGreaterThanOrEqual(durableAtKill);
    expect(Math.min(...resumed.map((r) => r.offset))).toBeGreaterThanOrEqual(durableAtKill);
    // A restart from zero would send the whole file again; the missing part is under half of it, and
    // the lossy line adds go-backs of up to a window (254 KiB) per lost frame on top.
    const sentAfterKill = sim.bytesSent - sentBeforeKill;
    expect(sentAfterKill).toBeGreaterThanOrEqual(SIZE - durableAtKill);
    expect(sentAfterKill).toBeLessThan(0.9 * SIZE);

    expect(await sha256Of(stored)).toBe(sha256);
    expect(existsSync(partial)).toBe(false);
    expect(atErase, 'ERASE_OK only once the whole file was stored, verified and its custody journaled').toEqual({
      stored: SIZE,
      verified: true,
      erasePermitted: true,
    });

    gw.child.kill('SIGTERM');
    await gw.exited;
    gw = undefined;
    const db = journalOf(journalPath);
    try {
      expect(verifyJournal(db)).toMatchObject({ ok: true });
      const verified = db.prepare("SELECT payload FROM events WHERE type = 'evidence.verified'").all() as Array<{ payload: string }>;
      // Exactly one custody record and one erase permission: nothing lost, nothing twice.
      expect(verified.map((r) => JSON.parse(r.payload) as { sha256: string; size: number })).toEqual([
        expect.objectContaining({ sha256, size: SIZE, deviceSha256: sha256 }),
      ]);
      const permits = db.prepare("SELECT count(*) AS n FROM events WHERE type = 'evidence.erase-permitted'").get() as { n: number };
      expect(permits.n).toBe(1);
      const links = db.prepare("SELECT payload FROM events WHERE type = 'dock.link'").all() as Array<{ payload: string }>;
      const ups = links.map((r) => JSON.parse(r.payload) as { state: string; version?: number }).filter((l) => l.state === 'up');
      expect(ups.length).toBeGreaterThanOrEqual(2);
      for (const up of ups) expect(up.version).toBe(2);
      const offers = db.prepare("SELECT payload FROM events WHERE type = 'evidence.offered' ORDER BY seq").all() as Array<{ payload: string }>;
      const resumeFrom = offers.map((r) => (JSON.parse(r.payload) as { resumeFrom: number }).resumeFrom);
      expect(resumeFrom[0]).toBe(0);
      expect(resumeFrom.slice(offersBeforeKill)).toContain(resumed[0]!.offset);
      expect(Math.min(...resumeFrom.slice(offersBeforeKill))).toBeGreaterThanOrEqual(durableAtKill);
    } finally {
      db.close();
    }
    if (process.env.TW_DOCK_VERBOSE) {
      process.stderr.write(
        `crash v2: link resets ${sim.stats.linkResets}, NAKs ${sim.stats.naksIn}, dropped ${sim.faults.counters.dropped}, offers before kill ${offersBeforeKill}; durable at kill ${durableAtKill} of ${SIZE}, resumed from ${resumed[0]!.offset}, sent after kill ${sentAfterKill} (${((100 * sentAfterKill) / SIZE).toFixed(1)} %)\n`,
      );
    }
  }, 420_000);
});
