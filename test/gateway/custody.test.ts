import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { verifyJournal } from '../../gateway/journal/verify';
import { DockSimulator, fileSha256 } from '../../simulators/dock/dock-sim';
import { startDockGatewayWithSim } from '../devices/dock/harness';

const SEED = 7;
const ORIGINAL = { serial: 'BWC-0001', name: 'arrest-0001.mp4' };

let gw: Gateway;
let stop: (() => Promise<void>) | undefined;
let sim: DockSimulator;

beforeAll(async () => {
  ({ gw, sim, stop } = await startDockGatewayWithSim({
    seed: SEED,
    cameras: [
      { serial: 'BWC-0001', bay: 1, files: [{ name: ORIGINAL.name, size: 120_000 }] },
      // A second camera whose recording is byte-for-byte the first one's.
      { serial: 'BWC-0004', bay: 2, files: [{ name: 'warden-0001.mp4', size: 120_000, sameAs: ORIGINAL }], docked: false },
    ],
  }));
  await sim.whenSettled();
  sim.dock('BWC-0004');
  await sim.whenSettled();
}, 60_000);

afterAll(async () => {
  await stop?.();
});

const custody = (id: string) => [...gw.journal.replay()].filter((e) => e.ref === id && e.type.startsWith('evidence.'));

describe('custody per (camera, file) over a socat PTY', () => {
  it("G17 gives a second camera's identical recording its own exhibit, camera, wearer and custody chain, sharing the stored bytes", async () => {
    const sha = await fileSha256(SEED, ORIGINAL.serial, ORIGINAL.name, 120_000);
    expect([...sim.erased].sort()).toEqual(['BWC-0001/arrest-0001.mp4', 'BWC-0004/warden-0001.mp4']);
    const records = gw.projections.evidence.snapshot();
    expect(records).toHaveLength(2);
    const first = records.find((r) => r.cam === 'BWC-0001')!;
    const second = records.find((r) => r.cam === 'BWC-0004')!;
    expect(first).toMatchObject({ wearer: 'SEC 7', name: ORIGINAL.name, receivedSha256: sha });
    expect(second).toMatchObject({ wearer: 'WARDEN 3', name: 'warden-0001.mp4', receivedSha256: sha, bay: 2 });
    expect(second.id).not.toBe(first.id);

    const chain = (id: string) => custody(id).map((e) => e.type);
    expect(chain(first.id)).toEqual(['evidence.offered', 'evidence.received', 'evidence.verified', 'evidence.erase-permitted']);
    expect(chain(second.id)).toEqual(['evidence.offered', 'evidence.received', 'evidence.verified', 'evidence.erase-permitted']);
    // Every event of BWC-0004's exhibit names BWC-0004; none of BWC-0001's does.
    expect(custody(second.id).every((e) => e.subject === 'bodycam:BWC-0004' && (e.payload as { cam: string }).cam === 'BWC-0004')).toBe(true);
    expect(custody(first.id).every((e) => e.subject === 'bodycam:BWC-0001')).toBe(true);
    const received = custody(second.id).find((e) => e.type === 'evidence.received')!;
    expect(received.payload).toMatchObject({ receivedSha256: sha, size: 120_000, bytesSharedWith: [first.id] });
    expect(custody(second.id).find((e) => e.type === 'evidence.verified')!.payload).toMatchObject({ wearer: 'WARDEN 3', cam: 'BWC-0004', sha256: sha });
    // One copy on disk.
    expect(gw.evidence.store.pathOf(first.receivedSha256)).toBe(gw.evidence.store.pathOf(second.receivedSha256));
    expect(await gw.evidence.store.has(sha)).toBe(true);
  });

  it('retention deleting one exhibit keeps the bytes while the other still needs them', async () => {
    const records = gw.projections.evidence.snapshot();
    const first = records.find((r) => r.cam === 'BWC-0001')!;
    const second = records.find((r) => r.cam === 'BWC-0004')!;
    await gw.journal.append({
      source: 'api',
      type: 'evidence.hold',
      actor: 'secmgr',
      subject: 'bodycam:BWC-0004',
      ref: second.id,
      payload: { evidenceId: second.id, on: true, reason: 'complaint' },
    });
    expect(await gw.retention.run(Date.now() + 40 * 86_400_000)).toEqual([first.id]);
    expect(await gw.evidence.store.has(second.receivedSha256)).toBe(true);
    const receipt = custody(first.id).find((e) => e.type === 'evidence.deleted')!;
    expect(receipt.payload).toMatchObject({ fileKeptFor: [second.id] });
    expect(verifyJournal(gw.journal.database)).toMatchObject({ ok: true });
  });
});
