import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSha256 } from '../../../simulators/dock/dock-sim';
import { Rig, until } from './harness';

const SEED = 20251123;

describe('dock offload end to end over a socat PTY pair', () => {
  let rig: Rig;
  afterEach(async () => {
    await rig.close();
  });

  it('delivers each file intact and erases it only after custody is committed', async () => {
    rig = new Rig();
    rig.commitDelayMs = 150;
    const files = [
      { name: 'BWC0001_0001.mp4', size: 300_000 },
      { name: 'BWC0001_0002.mp4', size: 200_001 },
    ];
    await rig.open({ dockId: 'dock-1', bays: 4, seed: SEED, cameras: [{ serial: 'BWC0001', bay: 1, files }] });
    await rig.sim.whenSettled();

    expect([...rig.sim.erased].sort()).toEqual(files.map((f) => `BWC0001/${f.name}`));
    for (const f of files) {
      const want = await fileSha256(SEED, 'BWC0001', f.name, f.size);
      const c = rig.journal.committed.find((x) => x.info.offer.name === f.name);
      expect(c?.info.sha256).toBe(want);
      const bytes = await readFile(rig.store.pathOf(want));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(want);
      // Custody first, then the erase.
      const log = rig.journal.log;
      expect(log.indexOf(`commit BWC0001/${f.name}`)).toBeGreaterThanOrEqual(0);
      expect(log.indexOf(`commit BWC0001/${f.name}`)).toBeLessThan(log.indexOf(`erase BWC0001/${f.name}`));
    }
    expect(rig.of('dock.link').some((e) => e.state === 'up')).toBe(true);
    expect(rig.of('dock.event').map((e) => [e.e, e.cam])).toContainEqual(['docked', 'BWC0001']);
    expect(rig.of('dock.verified')).toHaveLength(2);
  });

  it('with flip, drop, duplicate and slow on, good files arrive intact and a bad camera ends in quarantine', async () => {
    rig = new Rig();
    const good = [{ name: 'A_0001.mp4', size: 400_000 }];
    const bad = [{ name: 'B_0001.mp4', size: 150_000 }];
    await rig.open({
      dockId: 'dock-1',
      bays: 4,
      seed: SEED,
      faultRate: 0.03,
      slowBytesPerSec: 512 * 1024,
      cameras: [
        { serial: 'CAM-A', bay: 1, files: good },
        { serial: 'CAM-B', bay: 2, files: bad, badHash: true },
      ],
    });
    for (const f of ['flip', 'drop', 'duplicate', 'slow'] as const) rig.sim.setFault(f, true);
    await rig.sim.whenSettled();

    const c = rig.sim.faults.counters;
    expect(c.flipped).toBeGreaterThan(0);
    expect(c.dropped).toBeGreaterThan(0);
    expect(c.duplicated).toBeGreaterThan(0);
    expect(rig.of('dock.malformed').length).toBeGreaterThan(0);

    expect([...rig.sim.erased]).toEqual(['CAM-A/A_0001.mp4']);
    expect([...rig.sim.rejected]).toEqual(['CAM-B/B_0001.mp4']);
    const want = await fileSha256(SEED, 'CAM-A', 'A_0001.mp4', 400_000);
    expect(rig.journal.committed.map((x) => x.info.sha256)).toEqual([want]);
    expect(await rig.store.has(want)).toBe(true);

    const mismatch = rig.of('dock.mismatch');
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]?.offered).toBe(await fileSha256(SEED, 'CAM-B', 'B_0001.mp4', 150_000));
    expect(mismatch[0]?.received).not.toBe(mismatch[0]?.offered);
    const q = await readdir(join(rig.store.dir, 'quarantine'));
    expect(q.filter((n) => n.endsWith('.bin'))).toHaveLength(1);
    const note = JSON.parse(await readFile(join(rig.store.dir, 'quarantine', q.find((n) => n.endsWith('.json')) ?? ''), 'utf8')) as { reason: string };
    expect(note.reason).toMatch(/does not match/);
  });

  it('the bad-hash switch sends footage that does not match its offer: quarantined, never erased', async () => {
    rig = new Rig();
    await rig.open({
      dockId: 'dock-1',
      bays: 2,
      seed: SEED,
      cameras: [{ serial: 'CAM-C', bay: 1, files: [{ name: 'C_0001.mp4', size: 64_000 }], docked: false }],
    });
    rig.sim.setFault('bad-hash', true);
    rig.sim.dock('CAM-C');
    await rig.sim.whenSettled();
    expect(rig.sim.erased.size).toBe(0);
    expect([...rig.sim.rejected]).toEqual(['CAM-C/C_0001.mp4']);
    expect(rig.journal.committed).toHaveLength(0);
    expect(rig.of('dock.mismatch')).toHaveLength(1);
  });

  it('resumes from the durable offset after the cable is pulled at 60 %', async () => {
    rig = new Rig();
    const size = 1_000_000;
    await rig.open({ dockId: 'dock-1', bays: 2, seed: SEED, cameras: [{ serial: 'CAM-D', bay: 1, files: [{ name: 'D_0001.mp4', size }], docked: false }] });
    rig.sim.pullAt(0.6, 300);
    rig.sim.dock('CAM-D');
    await rig.sim.whenSettled();

    expect([...rig.sim.erased]).toEqual(['CAM-D/D_0001.mp4']);
    expect(rig.journal.committed[0]?.info.sha256).toBe(await fileSha256(SEED, 'CAM-D', 'D_0001.mp4', size));
    const offsets = rig.sim.requests.map((r) => r.offset);
    expect(offsets[0]).toBe(0);
    expect(offsets.length).toBeGreaterThanOrEqual(2);
    // Everything before the pull that was acknowledged was durable, so the resume starts near 60 %.
    expect(Math.max(...offsets)).toBeGreaterThan(0.5 * size);
    expect(rig.sim.bytesSent).toBeLessThan(1.5 * size); // restarting from zero would send ≥ 1.5× the file
    const link = rig.of('dock.link').map((e) => e.state);
    expect(link.filter((s) => s === 'down').length).toBeGreaterThanOrEqual(1);
    expect(link.filter((s) => s === 'up').length).toBeGreaterThanOrEqual(2);
  });

  it('a new gateway process on the same evidence dir resumes a half-received file', async () => {
    rig = new Rig();
    // Large enough that the stop lands mid-file on a loaded machine: a 1 MB file was once moved
    // whole between seeing 40 % of it and stopping, leaving nothing to resume.
    const size = 6_000_000;
    await rig.open({ dockId: 'dock-1', bays: 2, seed: SEED, cameras: [{ serial: 'CAM-E', bay: 1, files: [{ name: 'E_0001.mp4', size }], docked: false }] });
    rig.sim.dock('CAM-E');
    await until(() => rig.of('dock.progress').some((p) => p.offset >= 0.4 * size), 20_000, '40 % progress');
    await rig.stopGateway();
    expect(rig.journal.committed).toHaveLength(0); // stopped mid-file
    const durable = await rig.store.durableOffset(
      rig.journal.committed[0]?.key ?? { dockId: 'dock-1', cam: 'CAM-E', fileNo: (1 << 16) | 1, sha256: await fileSha256(SEED, 'CAM-E', 'E_0001.mp4', size) },
    );
    expect(durable).toBeGreaterThanOrEqual(0.4 * size);
    await new Promise((r) => setTimeout(r, 300));

    rig.events = [];
    await rig.startGateway();
    await rig.sim.whenSettled();
    expect([...rig.sim.erased]).toEqual(['CAM-E/E_0001.mp4']);
    const offer = rig.of('dock.offer')[0];
    expect(offer?.resumeFrom).toBeGreaterThanOrEqual(durable);
    expect(rig.sim.requests.at(-1)?.offset).toBe(offer?.resumeFrom);
    expect(rig.sim.bytesSent).toBeLessThan(1.5 * size); // restarting from zero would send ≥ 1.5× the file
    expect(rig.journal.committed.at(-1)?.info.sha256).toBe(await fileSha256(SEED, 'CAM-E', 'E_0001.mp4', size));
  });

  it('a camera undocked mid-file and docked again resumes where the gateway stopped', async () => {
    rig = new Rig();
    // Large enough that the undock lands mid-file: the simulated dock now moves a 600 kB file in
    // less time than it takes to see 30 % of it and undock.
    const size = 6_000_000;
    await rig.open({ dockId: 'dock-1', bays: 2, seed: SEED, cameras: [{ serial: 'CAM-F', bay: 1, files: [{ name: 'F_0001.mp4', size }], docked: false }] });
    rig.sim.dock('CAM-F');
    await until(() => rig.of('dock.progress').some((p) => p.offset >= 0.3 * size), 20_000, '30 % progress');
    rig.sim.undock('CAM-F');
    await until(() => rig.of('dock.event').some((e) => e.e === 'undocked'), 5000, 'undocked event');
    expect(rig.sim.erased.size).toBe(0);
    rig.sim.dock('CAM-F');
    await rig.sim.whenSettled();
    expect([...rig.sim.erased]).toEqual(['CAM-F/F_0001.mp4']);
    const offers = rig.of('dock.offer');
    expect(offers).toHaveLength(2);
    expect(offers[1]?.resumeFrom).toBeGreaterThanOrEqual(0.3 * size);
    expect(rig.sim.bytesSent).toBeLessThan(1.5 * size); // restarting from zero would send ≥ 1.5× the file
  });
});
