import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { ManualClock } from '../helpers/clock';
import { journaled, startGateway, testConfig } from '../helpers/gateway';

/**
 * The retention job runs every `evidence.retentionCheckMinutes` on the gateway's clock, and
 * judges age by that clock: here a partial transfer goes stale because the clock is moved on
 * three days, not because the test waited or back-dated the file.
 */
const clock = new ManualClock();
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(testConfig().config, { clock });
});
afterAll(async () => {
  await gw.stop();
});

describe('the scheduled retention pass', () => {
  it('removes a partial transfer once it is older than its limit by the gateway clock, with one receipt', async () => {
    const key = { dockId: 'dock-1', cam: 'BWC-0009', fileNo: 1, sha256: 'cd'.repeat(32) };
    await gw.evidence.store.write(key, 0, Buffer.alloc(2048, 7));
    await gw.evidence.store.close(); // as after a restart: nothing held open
    const path = gw.evidence.store.partialPath(key);
    const every = gw.config.evidence.retentionCheckMinutes * 60_000;
    const maxAge = gw.config.evidence.disk.partialMaxAgeHours * 3_600_000;

    // Every pass up to the limit leaves it alone.
    await clock.advancePastReal(maxAge - every);
    expect(existsSync(path)).toBe(true);
    expect(journaled(gw, 'evidence.partial-removed')).toEqual([]);

    // The first pass past the limit removes it and journals what went and why.
    await clock.advance(2 * every);
    expect(existsSync(path)).toBe(false);
    expect(journaled(gw, 'evidence.partial-removed')).toEqual([
      expect.objectContaining({ bytes: 2048, reason: 'partial transfer not resumed within its age limit' }),
    ]);

    // Later passes have nothing more to say.
    await clock.advance(10 * every);
    expect(journaled(gw, 'evidence.partial-removed')).toHaveLength(1);
  });
});
