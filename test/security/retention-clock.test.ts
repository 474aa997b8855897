import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { verifyJournal } from '../../gateway/journal/verify';
import { retentionStart } from '../../gateway/projections/evidence';
import { DockSimulator } from '../../simulators/dock/dock-sim';
import { startDockGatewayWithSim } from '../devices/dock/harness';

const DAY = 86_400_000;
let gw: Gateway;
let stop: (() => Promise<void>) | undefined;
let sim: DockSimulator;

beforeAll(async () => {
  // A camera whose clock was reset: its shift "began" on 1 January 2000.
  ({ gw, sim, stop } = await startDockGatewayWithSim({
    seed: 7,
    shiftStart: Date.parse('2000-01-01T08:00:00Z'),
    cameras: [
      {
        serial: 'BWC-0001',
        bay: 1,
        files: [
          { name: 'y2k-001.mp4', size: 120_000 },
          { name: 'y2k-002.mp4', size: 80_000 },
        ],
      },
    ],
  }));
  await sim.whenSettled();
}, 60_000);

afterAll(async () => {
  await stop?.();
});

describe("retention does not trust a camera's clock", () => {
  it('keeps footage dated 2000 for the retention period counted from when the gateway received it', async () => {
    const records = gw.projections.evidence.snapshot();
    expect(records).toHaveLength(2);
    expect(sim.erased.size).toBe(2); // the camera has no copy any more
    for (const r of records) {
      expect(r.recEnd.startsWith('2000-01-01')).toBe(true);
      expect(r.retainUntil).toBe(r.verifiedAt + 31 * DAY);
    }
    // An hour later, and a month later: still there.
    expect(await gw.retention.run(Date.now() + 3_600_000)).toEqual([]);
    expect(await gw.retention.run(Date.now() + 30 * DAY)).toEqual([]);
    for (const r of records) expect(existsSync(gw.evidence.store.pathOf(r.receivedSha256))).toBe(true);
    // Past the period counted from receipt it goes, as any footage does.
    expect((await gw.retention.run(Date.now() + 32 * DAY)).sort()).toEqual(records.map((r) => r.id).sort());
  });

  it('journals, once per recording, that it counted from the receive time and why', async () => {
    const notes = [...gw.journal.replay()].filter((e) => e.type === 'evidence.clock-distrusted');
    const records = gw.projections.evidence.snapshot();
    expect(notes.map((n) => n.ref).sort()).toEqual(records.map((r) => r.id).sort());
    for (const n of notes) {
      expect(n.payload).toMatchObject({
        reason: 'recording end is more than 24 h before the gateway received it',
        recEnd: expect.stringMatching(/^2000-01-01/) as unknown,
      });
      const r = records.find((x) => x.id === n.ref)!;
      expect(Date.parse((n.payload as { retentionFrom: string }).retentionFrom)).toBeGreaterThanOrEqual(r.verifiedAt - 60_000);
    }
    expect(verifyJournal(gw.journal.database)).toMatchObject({ ok: true });
  });

  it('also distrusts a clock in the future, but believes a plausible one', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const bounds = { futureToleranceMinutes: 10, maxAgeHours: 24 };
    expect(retentionStart('2030-01-01T00:00:00Z', '2030-01-01T01:00:00Z', now, bounds)).toEqual({ from: now, distrusted: 'recording end is in the future' });
    expect(retentionStart('2026-11-23T08:00:00Z', '2026-11-23T09:00:00Z', now, bounds)).toEqual({ from: Date.parse('2026-11-23T09:00:00Z'), distrusted: null });
  });
});
