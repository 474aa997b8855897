import { describe, expect, it } from 'vitest';
import type { LonLat } from '../../config/geo';
import { areaProblems, siteBounds } from '../../gateway/tracking/areas';
import { breachReasons, inForce, inWindow, isRepeat } from '../../gateway/tracking/cbo';
import { at, cbo, ONE_METRE_LON, sighting, town, TZ } from './fixtures';

/** Bus Station's west edge is its border with High Street South. */
const EDGE_LON = -1.149553;
const LAT = 52.9533;
/** Friday 9 January 2026 (GMT: local = UTC). */
const FRI_NIGHT = '2026-01-09T21:00:00Z';

const breaches = (when: string, place: Parameters<typeof sighting>[1], order = cbo()) => breachReasons(order, sighting(when, place), Date.parse(when), TZ);

describe('breach: where', () => {
  it('a sighting inside the excluded zone in the window is a breach', () => {
    expect(breaches(FRI_NIGHT, at(-1.1478, 52.9533))).toEqual([{ kind: 'zone', zone: 'bus-station' }]);
  });

  it('one metre inside the edge is a breach; one metre outside, in the neighbouring zone, is not', () => {
    const inside = sighting(FRI_NIGHT, at(EDGE_LON + ONE_METRE_LON, LAT));
    const outside = sighting(FRI_NIGHT, at(EDGE_LON - ONE_METRE_LON, LAT));
    expect([inside.zone, outside.zone]).toEqual(['bus-station', 'high-street-south']);
    expect(breachReasons(cbo(), inside, inside.atMs, TZ)).toHaveLength(1);
    expect(breachReasons(cbo(), outside, outside.atMs, TZ)).toEqual([]);
  });

  it('a neighbouring zone, a premises in it, or a camera on it is not a breach', () => {
    expect(breaches(FRI_NIGHT, { zone: 'high-street-south' })).toEqual([]);
    expect(breaches(FRI_NIGHT, { premisesId: 'prem-005' })).toEqual([]);
    expect(breaches(FRI_NIGHT, { cameraId: 'cam-03' })).toEqual([]);
  });

  it('a camera or zone sighting counts by its zone', () => {
    expect(breaches(FRI_NIGHT, { cameraId: 'cam-06' })).toEqual([{ kind: 'zone', zone: 'bus-station' }]);
    expect(breaches(FRI_NIGHT, { zone: 'bus-station' })).toEqual([{ kind: 'zone', zone: 'bus-station' }]);
  });

  it('an excluded premises is breached by a report from it, not by one next door', () => {
    const order = cbo({ excludedZones: [], excludedPremises: ['prem-016'] });
    expect(breaches(FRI_NIGHT, { premisesId: 'prem-016' }, order)).toEqual([{ kind: 'premises', premisesId: 'prem-016' }]);
    expect(breaches(FRI_NIGHT, { premisesId: 'prem-006' }, order)).toEqual([]);
  });

  it('a drawn area counts for a known position only, not for a camera looking somewhere near', () => {
    const square: Array<[number, number]> = [
      [-1.148, 52.953],
      [-1.147, 52.953],
      [-1.147, 52.9536],
      [-1.148, 52.9536],
      [-1.148, 52.953],
    ];
    const order = cbo({ excludedZones: [], excludedAreas: [{ name: 'Concourse', polygon: square }] });
    expect(breaches(FRI_NIGHT, at(-1.1475, 52.9533), order)).toEqual([{ kind: 'area', name: 'Concourse' }]);
    expect(breaches(FRI_NIGHT, at(-1.1482, 52.9533), order)).toEqual([]);
    expect(breaches(FRI_NIGHT, { cameraId: 'cam-06' }, order)).toEqual([]);
  });
});

describe('breach: when (window 20:00–06:00 starting Fridays, Europe/London)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['Friday 19:59 (a minute before)', '2026-01-09T19:59:00Z', false],
    ['Friday 20:00 (start is inclusive)', '2026-01-09T20:00:00Z', true],
    ['Friday 23:59', '2026-01-09T23:59:00Z', true],
    ['Saturday 00:00 (across midnight)', '2026-01-10T00:00:00Z', true],
    ['Saturday 05:59', '2026-01-10T05:59:00Z', true],
    ['Saturday 06:00 (end is exclusive)', '2026-01-10T06:00:00Z', false],
    ['Saturday 21:00 (Saturday is not a window day)', '2026-01-10T21:00:00Z', false],
    ["Friday 03:00 (Thursday night's window, and Thursday is not listed)", '2026-01-09T03:00:00Z', false],
  ];
  for (const [label, when, breach] of cases) {
    it(`${label}: ${breach ? 'breach' : 'no breach'}`, () => {
      expect(breaches(when, { zone: 'bus-station' }).length > 0).toBe(breach);
    });
  }

  it('reads windows in local time: 19:00 UTC is 20:00 in British Summer Time, 19:00 in winter', () => {
    const windows = cbo().windows;
    expect(inWindow(windows, Date.parse('2026-07-10T19:00:00Z'), TZ)).toBe(true);
    expect(inWindow(windows, Date.parse('2026-01-09T19:00:00Z'), TZ)).toBe(false);
  });

  it('a window within one day, on every day, and no window at all', () => {
    const day = [{ days: [], from: '09:00', to: '17:30' }];
    expect(inWindow(day, Date.parse('2026-01-13T09:00:00Z'), TZ)).toBe(true);
    expect(inWindow(day, Date.parse('2026-01-13T17:30:00Z'), TZ)).toBe(false);
    expect(inWindow([], Date.parse('2026-01-13T03:00:00Z'), TZ)).toBe(true);
  });
});

describe('breach: the order itself', () => {
  const order = cbo({ startsAt: '2026-01-09T20:30:00Z', expiresAt: '2026-01-09T22:00:00Z' });

  it('not before the start, from the start, up to but not at the expiry', () => {
    expect(breaches('2026-01-09T20:29:59Z', { zone: 'bus-station' }, order)).toEqual([]);
    expect(breaches('2026-01-09T20:30:00Z', { zone: 'bus-station' }, order)).toHaveLength(1);
    expect(breaches('2026-01-09T21:59:59Z', { zone: 'bus-station' }, order)).toHaveLength(1);
    expect(breaches('2026-01-09T22:00:00Z', { zone: 'bus-station' }, order)).toEqual([]);
  });

  it('only an issued or extended order is in force: not a warning, not revoked, not expired', () => {
    const t = Date.parse(FRI_NIGHT);
    expect(['issued', 'extended', 'warning', 'revoked', 'expired'].map((state) => inForce(cbo({ state: state as never }), t))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(breaches(FRI_NIGHT, { zone: 'bus-station' }, cbo({ state: 'revoked' }))).toEqual([]);
  });

  it('a breach of the same order in the same zone within the cooldown is the same breach', () => {
    const first = { cboId: 'cbo-1', zone: 'bus-station', atMs: Date.parse(FRI_NIGHT) };
    const cooldown = 15 * 60_000;
    expect(isRepeat([first], { ...first, atMs: first.atMs + cooldown - 1 }, cooldown)).toBe(true);
    expect(isRepeat([first], { ...first, atMs: first.atMs + cooldown }, cooldown)).toBe(false);
    expect(isRepeat([first], { ...first, zone: 'canal-side' }, cooldown)).toBe(false);
    expect(isRepeat([first], { ...first, cboId: 'cbo-2' }, cooldown)).toBe(false);
  });
});

describe('areas drawn on an order', () => {
  const bounds = siteBounds(town);
  const square: LonLat[] = [
    [-1.1505, 52.9547],
    [-1.1495, 52.9547],
    [-1.1495, 52.9553],
    [-1.1505, 52.9553],
    [-1.1505, 52.9547],
  ];

  it('a simple polygon in the town is fine', () => {
    expect(areaProblems(square, bounds)).toEqual([]);
  });

  it('a polygon that crosses itself (a bow tie) is refused, naming the crossing edges', () => {
    const bowTie: LonLat[] = [
      [-1.1505, 52.9547],
      [-1.1495, 52.9553],
      [-1.1495, 52.9547],
      [-1.1505, 52.9553],
      [-1.1505, 52.9547],
    ];
    expect(areaProblems(bowTie, bounds)).toEqual(['edges 1 and 3 cross or touch: an area must be a simple polygon that does not cross itself']);
    const spike: LonLat[] = [
      [-1.1505, 52.9547],
      [-1.1495, 52.9547],
      [-1.15, 52.9547],
      [-1.15, 52.9553],
      [-1.1505, 52.9547],
    ];
    expect(areaProblems(spike, bounds)[0]).toMatch(/cross or touch/);
  });

  it('latitude and longitude swapped (the Indian Ocean) is refused as swapped; a point far away as outside the site', () => {
    const swapped = square.map(([lon, lat]): LonLat => [lat, lon]);
    expect(areaProblems(swapped, bounds)).toEqual(['latitude and longitude look swapped ([52.9547, -1.1505]): give each point as [longitude, latitude]']);
    const london = square.map(([lon, lat]): LonLat => [lon + 1.02, lat - 1.45]);
    expect(areaProblems(london, bounds)[0]).toMatch(/^4 point\(s\) lie outside the site/);
  });

  it('a flat or degenerate polygon is refused', () => {
    expect(
      areaProblems(
        [
          [-1.15, 52.955],
          [-1.149, 52.955],
          [-1.15, 52.955],
          [-1.15, 52.955],
        ],
        bounds,
      ),
    ).toEqual(['needs at least 3 different corners']);
    expect(
      areaProblems(
        [
          [-1.15, 52.955],
          [-1.149, 52.955],
          [-1.148, 52.955],
          [-1.15, 52.955],
        ],
        bounds,
      )[0],
    ).toMatch(/cross or touch|no area/);
  });
});
