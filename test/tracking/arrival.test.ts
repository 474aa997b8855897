import { describe, expect, it } from 'vitest';
import type { LonLat } from '../../gateway/contract/api';
import { judgeArrival, type ArrivalInput } from '../../gateway/tracking/arrival';
import { offset } from '../../gateway/tracking/zones';

const SHOP: LonLat = [-1.149776, 52.957067];
const RULE = { radiusM: 25, holdMs: 30_000 };
const base: ArrivalInput = { onSceneStatus: false, fix: SHOP, at: 100_000, target: SHOP, receipt: 'delivered', holdingSince: null };

describe('arrival at an incident', () => {
  it('counts the unit\'s own "on scene" status at once, acknowledged or not, near or not', () => {
    expect(judgeArrival({ ...base, onSceneStatus: true, fix: null, receipt: 'pending', target: null }, RULE).by).toBe('status');
  });

  it('does not count a fix at the point before the radio acknowledged the dispatch', () => {
    for (const receipt of ['pending', 'failed', 'timed-out']) {
      expect(judgeArrival({ ...base, receipt, holdingSince: 0 }, RULE)).toEqual({ by: null, holdingSince: null });
    }
  });

  it('counts fixes near the point only once held for the hold time, and starts again when the unit leaves', () => {
    const first = judgeArrival(base, RULE);
    expect(first).toEqual({ by: null, holdingSince: 100_000 });
    expect(judgeArrival({ ...base, at: 129_999, holdingSince: first.holdingSince }, RULE).by).toBeNull();
    expect(judgeArrival({ ...base, fix: offset(SHOP, 90, 20), at: 130_000, holdingSince: first.holdingSince }, RULE)).toEqual({
      by: 'position',
      holdingSince: 100_000,
    });
    // 40 m away: not there, and the hold starts over.
    expect(judgeArrival({ ...base, fix: offset(SHOP, 90, 40), at: 131_000, holdingSince: first.holdingSince }, RULE)).toEqual({ by: null, holdingSince: null });
  });

  it("does not count walking into the incident's zone: fixes 60 m off the point, held for ten minutes, are not arrival", () => {
    let holdingSince: number | null = null;
    for (let t = 0; t <= 600_000; t += 10_000) {
      const d = judgeArrival({ ...base, fix: offset(SHOP, 180, 60), at: 100_000 + t, holdingSince }, RULE);
      expect(d.by).toBeNull();
      holdingSince = d.holdingSince;
    }
    expect(holdingSince).toBeNull();
  });

  it('reaches an incident known only by its zone by status alone', () => {
    expect(judgeArrival({ ...base, target: null, holdingSince: 0 }, RULE)).toEqual({ by: null, holdingSince: null });
  });
});
