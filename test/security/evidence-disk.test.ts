import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { DockLive } from '../../gateway/evidence/service';
import { verifyJournal } from '../../gateway/journal/verify';
import { DockSimulator } from '../../simulators/dock/dock-sim';
import type { PtyPair } from '../../simulators/dock/pty';
import { FAST, startDockGateway } from '../devices/dock/harness';
import { eventually, login } from '../helpers/gateway';

const DAY = 86_400_000;
const events = (gw: Gateway, type: string) => [...gw.journal.replay()].filter((e) => e.type === type);

describe('an offer the evidence disk has no room for', () => {
  let gw: Gateway;
  let pty: PtyPair;
  let sim: DockSimulator;
  let dir: string;

  beforeAll(async () => {
    // A free-space floor no disk meets (1 EiB): the real statfs says there is not room.
    ({ gw, pty, dir } = await startDockGateway((doc) => {
      doc.evidence = { ...(doc.evidence as object), disk: { minFreeMiB: 1024 ** 4 } };
    }));
    sim = new DockSimulator({
      ...FAST,
      path: pty.dockPath,
      cable: pty,
      dockId: 'dock-1',
      bays: 6,
      seed: 3,
      cameras: [{ serial: 'BWC-0001', bay: 1, files: [{ name: 'full-001.mp4', size: 50_000 }] }],
    });
    await sim.start();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await gw?.stop();
    await pty?.close();
  });

  it('G16 is refused with NAK 6 before any byte, the camera keeps it, and one alarm is journaled however often it is offered', async () => {
    // The gateway counts a refusal as it sends the NAK; the dock sees it a moment later, over the line.
    await eventually(() => gw.metrics.evidenceOffersRefused.get().then((m) => (m.values[0]?.value ?? 0) >= 3), 20_000, 'three refusals');
    await eventually(() => sim.stats.naksIn >= 3, 5000, 'the dock to receive three NAKs');
    expect(sim.requests).toEqual([]); // never asked for a byte
    expect(sim.erased.size).toBe(0);
    expect(readdirSync(join(dir, 'evidence', 'partial'))).toEqual([]);
    expect(gw.projections.evidence.snapshot()).toEqual([]);
    const alarms = events(gw, 'evidence.storage-full');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.payload).toMatchObject({ dockId: 'dock-1', cam: 'BWC-0001', name: 'full-001.mp4', neededBytes: 50_000, minFreeBytes: 1024 ** 6 });
  });

  it('shows the alarm on /metrics and on the docks the console polls', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^tw_evidence_storage_full 1$/m);
    expect(metrics).toMatch(/^tw_evidence_offers_refused_total [1-9]\d*$/m);
    const secmgr = await login(gw.httpPort, 'secmgr');
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/docks`, { headers: { cookie: secmgr } });
    const { data } = (await res.json()) as { data: DockLive[] };
    expect(data.find((d) => d.dockId === 'dock-1')?.refusing).toMatchObject({ reason: expect.stringMatching(/^no space/) as unknown });
  });
});

describe('partial/ and quarantine/ are bounded', () => {
  let gw: Gateway;
  let pty: PtyPair;
  let sim: DockSimulator;
  let dir: string;

  beforeAll(async () => {
    ({ gw, pty, dir } = await startDockGateway((doc) => {
      doc.evidence = { ...(doc.evidence as object), disk: { partialMaxAgeHours: 24, quarantineMaxFiles: 1, quarantineMaxAgeDays: 30 } };
    }));
    // Three recordings damaged after hashing: three quarantine entries, through the real protocol.
    sim = new DockSimulator({
      ...FAST,
      path: pty.dockPath,
      cable: pty,
      dockId: 'dock-1',
      bays: 6,
      seed: 4,
      cameras: [
        {
          serial: 'BWC-0002',
          bay: 1,
          badHash: true,
          files: [
            { name: 'bad-1.mp4', size: 20_000 },
            { name: 'bad-2.mp4', size: 21_000 },
            { name: 'bad-3.mp4', size: 22_000 },
          ],
        },
      ],
    });
    await sim.start();
    await sim.whenSettled();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await gw?.stop();
    await pty?.close();
  });

  it('removes stale partials and quarantine beyond its bounds, each with a receipt, and the journal verifies', async () => {
    const qDir = join(dir, 'evidence', 'quarantine');
    expect(readdirSync(qDir).filter((f) => f.endsWith('.bin'))).toHaveLength(3);
    // A transfer abandoned two days ago (its camera never came back), and one from just now.
    const key = (fileNo: number) => ({ dockId: 'dock-1', cam: 'BWC-0003', fileNo, sha256: 'ab'.repeat(32) });
    await gw.evidence.store.write(key(1), 0, Buffer.alloc(4096, 1));
    await gw.evidence.store.write(key(2), 0, Buffer.alloc(4096, 2));
    await gw.evidence.store.close(); // as after a restart: nothing held open
    const stale = gw.evidence.store.partialPath(key(1));
    const old = (Date.now() - 2 * DAY) / 1000;
    utimesSync(stale, old, old);

    expect(await gw.retention.sweep()).toBe(3); // the stale partial, and the two oldest quarantine entries
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(gw.evidence.store.partialPath(key(2)))).toBe(true);
    expect(readdirSync(qDir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);

    const partial = events(gw, 'evidence.partial-removed');
    expect(partial).toHaveLength(1);
    expect(partial[0]!.payload).toMatchObject({ bytes: 4096, reason: 'partial transfer not resumed within its age limit' });
    const quarantine = events(gw, 'evidence.quarantine-removed');
    expect(quarantine).toHaveLength(2);
    for (const q of quarantine) {
      expect(q.payload).toMatchObject({
        reason: 'quarantine over its file limit',
        note: { key: { cam: 'BWC-0002' }, reason: expect.stringMatching(/does not match/) as unknown },
      });
      expect((q.payload as { files: string[] }).files.map((f) => f.replace(/.*\./, ''))).toEqual(['bin', 'json']);
    }
    // Past the age limit the last one goes too.
    expect(await gw.retention.sweep(Date.now() + 31 * DAY)).toBeGreaterThanOrEqual(1);
    expect(readdirSync(qDir)).toEqual([]);
    expect(events(gw, 'evidence.quarantine-removed').at(-1)!.payload).toMatchObject({ reason: 'quarantine older than its age limit' });
    expect(verifyJournal(gw.journal.database)).toMatchObject({ ok: true });
  });
});
