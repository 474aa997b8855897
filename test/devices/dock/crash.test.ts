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

const CAM = 'BWC-0001';
const NAME = 'BWC-0001_0001.mp4';
/** The simulator numbers camera i's file j as ((i + 1) << 16) | (j + 1). */
const FILE_NO = (1 << 16) | 1;

interface Case {
  name: string;
  /** The protocol versions the dock offers (none: a dock that predates version 2). */
  versions?: number[];
  /** The version the link must agree. */
  version: number;
  seed: number;
  /** Big enough that the kill lands mid-file on a fast line; small enough for a loaded 2-core machine. */
  size: number;
  /** Packets lost each way (0: a clean line). */
  dropRate: number;
  /** At most this share of the file may be sent again after the kill. */
  resentBelow: number;
}

const CASES: Case[] = [
  { name: 'version 1: gateway SIGKILL mid-file', version: 1, seed: 77, size: 24 * 1024 * 1024 + 123, dropRate: 0, resentBelow: 0.6 },
  {
    name: 'version 2: gateway SIGKILL mid-window on a lossy line',
    versions: [1, 2],
    version: 2,
    seed: 78,
    // Version 2 moves several MB/s: the kill must still land mid-file, and mid-window.
    size: 40 * 1024 * 1024 + 123,
    // One packet in 500 lost, each way: several go-backs per file, not one per window.
    dropRate: 0.002,
    // Each lost frame costs a go-back of up to a whole 64-frame window (254 KiB) on top.
    resentBelow: 0.9,
  },
];

function journalOf(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * The gateway (`npm start`'s entry point, its own process) is SIGKILLed while a camera's file is
 * half offloaded (on version 2, while a window of DATA frames is in flight). A new gateway on the
 * same data dir and serial line must ask the dock for the rest from what the dead one had made
 * durable, not from zero, verify the whole file, and journal its custody exactly once before it
 * lets the camera erase it.
 */
describe.each(CASES)('$name', (c) => {
  const run: { pty?: PtyPair; sim?: DockSimulator; gw?: ChildGateway; dataDir?: string } = {};
  afterAll(async () => {
    run.gw?.child.kill('SIGKILL');
    await run.gw?.exited;
    await run.sim?.stop();
    await run.pty?.close();
    if (run.dataDir) rmSync(run.dataDir, { recursive: true, force: true });
  });

  it('resumes from the durable offset in a new gateway process, custody journaled once', async () => {
    const pty = await openPtyPair();
    run.pty = pty;
    const t = testConfig((doc) => {
      (doc.docks as Array<Record<string, unknown>>)[0]!.serialPath = pty.gatewayPath;
    });
    run.dataDir = t.dir;
    const journalPath = t.config.gateway.journal.path;
    const sha256 = await fileSha256(c.seed, CAM, NAME, c.size);
    // Only for its file names: where the gateway keeps the bytes it has made durable.
    const store = new EvidenceStore({ dir: join(t.dir, 'evidence') });
    const partial = store.partialPath({ dockId: 'dock-1', cam: CAM, fileNo: FILE_NO, sha256 });
    const stored = store.pathOf(sha256);

    let gw = await spawnGateway(t.file);
    run.gw = gw;
    const sim = new DockSimulator({
      path: pty.dockPath,
      cable: pty,
      dockId: 'dock-1',
      bays: 6,
      seed: c.seed,
      cameras: [{ serial: CAM, bay: 1, files: [{ name: NAME, size: c.size }] }],
      ...(c.versions ? { versions: c.versions } : {}),
      faultRate: c.dropRate,
    });
    run.sim = sim;
    if (c.dropRate > 0) sim.setFault('drop', true);
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
        return n >= c.size / 2 && n;
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
    expect(durableAtKill).toBeLessThan(c.size);
    expect(sim.erased.size).toBe(0);

    gw = await spawnGateway(t.file);
    run.gw = gw;
    await eventually(() => sim.settled, 180_000, 'the file to be offloaded by the second gateway');

    expect([...sim.erased]).toEqual([`${CAM}/${NAME}`]);
    expect(sim.linkVersion).toBe(c.version);
    if (c.dropRate > 0) {
      // The line really did lose frames, and the dock recovered from it.
      expect(sim.faults.counters.dropped).toBeGreaterThan(0);
      expect(sim.stats.naksIn).toBeGreaterThan(0);
    }
    const resumed = sim.requests.slice(requestsBeforeKill);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed[0]!.offset).toBeGreaterThanOrEqual(durableAtKill);
    expect(Math.min(...resumed.map((r) => r.offset))).toBeGreaterThanOrEqual(durableAtKill);
    // A restart from zero would send the whole file again; the missing part is under half of it
    // (plus, on a lossy line, go-backs of up to a window per lost frame).
    const sentAfterKill = sim.bytesSent - sentBeforeKill;
    expect(sentAfterKill).toBeGreaterThanOrEqual(c.size - durableAtKill);
    expect(sentAfterKill).toBeLessThan(c.resentBelow * c.size);

    expect(await sha256Of(stored)).toBe(sha256);
    expect(existsSync(partial)).toBe(false);
    expect(atErase, 'ERASE_OK only once the whole file was stored, verified and its custody journaled').toEqual({
      stored: c.size,
      verified: true,
      erasePermitted: true,
    });

    gw.child.kill('SIGTERM');
    await gw.exited;
    run.gw = undefined;
    const db = journalOf(journalPath);
    try {
      expect(verifyJournal(db)).toMatchObject({ ok: true });
      const verified = db.prepare("SELECT payload FROM events WHERE type = 'evidence.verified'").all() as Array<{ payload: string }>;
      // Exactly one custody record and one erase permission: nothing lost, nothing twice.
      expect(verified.map((r) => JSON.parse(r.payload) as { sha256: string; size: number })).toEqual([
        expect.objectContaining({ sha256, size: c.size, deviceSha256: sha256 }),
      ]);
      const permits = db.prepare("SELECT count(*) AS n FROM events WHERE type = 'evidence.erase-permitted'").get() as { n: number };
      expect(permits.n).toBe(1);
      const links = db.prepare("SELECT payload FROM events WHERE type = 'dock.link'").all() as Array<{ payload: string }>;
      const ups = links.map((r) => JSON.parse(r.payload) as { state: string; version?: number }).filter((l) => l.state === 'up');
      expect(ups.length).toBeGreaterThanOrEqual(2);
      for (const up of ups) expect(up.version).toBe(c.version);
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
        `crash v${c.version}: link resets ${sim.stats.linkResets}, NAKs ${sim.stats.naksIn}, dropped ${sim.faults.counters.dropped}, offers before kill ${offersBeforeKill}; durable at kill ${durableAtKill} of ${c.size}, resumed from ${resumed[0]!.offset}, sent after kill ${sentAfterKill} (${((100 * sentAfterKill) / c.size).toFixed(1)} %)\n`,
      );
    }
  }, 420_000);
});
