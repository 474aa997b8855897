import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineMetres, pointInPolygon, type LonLat } from '../../config/geo';
import { excludedWords } from '../../gateway/contract/ranking-words';
import { rankUnits, travelSeconds, type UnitForRanking } from '../../gateway/tracking/dispatch';
import { buildGraph, walkSeconds, walkTimes } from '../../gateway/tracking/graph';
import { town } from './fixtures';

const graph = buildGraph(town.zones);
const ctx = { graph, zones: town.zones, walkSpeedMps: 1.4, staleFixSeconds: 120 };
const NOW = Date.parse('2026-03-02T14:00:00Z');

/** A breach on the south side of the Bus Station, by the canal. */
const INCIDENT: LonLat = [-1.148, 52.9526];
/** On the towpath across the water: ~80 m away, but the only bridge is at Wharf Road. */
const TOWPATH: LonLat = [-1.148, 52.9519];
/** Out in the Market Square: ~300 m away, but a straight walk down the High Street. */
const SQUARE: LonLat = [-1.15, 52.955];

function unit(id: string, where: LonLat | null, extra: Partial<UnitForRanking> = {}, fixAgeS = 5): UnitForRanking {
  return {
    id,
    callsign: id.toUpperCase(),
    role: 'police',
    state: 'available',
    lostContact: false,
    online: true,
    fix: where ? { lon: where[0], lat: where[1], receivedAt: NOW - fixAgeS * 1000 } : null,
    ...extra,
  };
}

describe('the walking graph', () => {
  it('finds the shortest walks (Dijkstra), through the lock bridge to the towpath', () => {
    expect(walkSeconds(graph, 'market-square', 'bus-station')).toBe(150); // 90 + 60 via High Street South
    expect(walkSeconds(graph, 'canal-side', 'bus-station')).toBe(360); // 240 + 120 via Wharf Road
    expect(walkSeconds(graph, 'bus-station', 'bus-station')).toBe(0);
    const fromCanal = walkTimes(graph, 'canal-side');
    expect(fromCanal.size).toBe(town.zones.length);
    expect(walkSeconds(graph, 'canal-side', 'nowhere')).toBe(Infinity);
  });

  it('is symmetric', () => {
    for (const a of town.zones) for (const b of town.zones) expect(walkSeconds(graph, a.id, b.id)).toBe(walkSeconds(graph, b.id, a.id));
  });
});

describe('ranking units for an incident', () => {
  it('sends the unit that walks there soonest, not the one nearest as the crow flies', () => {
    expect(haversineMetres(TOWPATH, INCIDENT)).toBeLessThan(haversineMetres(SQUARE, INCIDENT));
    const { ranked } = rankUnits([unit('towpath', TOWPATH), unit('square', SQUARE)], INCIDENT, ctx, NOW);
    expect(ranked.map((r) => r.unitId)).toEqual(['square', 'towpath']);
    const [square, towpath] = ranked;
    expect(towpath!.straightLineM).toBeLessThan(square!.straightLineM);
    expect(towpath!.travelSeconds).toBeGreaterThan(360);
    expect(square!.travelSeconds).toBeLessThan(towpath!.travelSeconds);
    expect(square).toMatchObject({ zone: 'market-square', fixAgeSeconds: 5, stale: false });
  });

  it('within the incident zone, walks straight across it', () => {
    const near: LonLat = [-1.147, 52.953];
    expect(travelSeconds(near, INCIDENT, ctx)).toBeCloseTo(haversineMetres(near, INCIDENT) / 1.4, 5);
  });

  it('ranks a unit whose fix is stale after every unit with a fresh one, and says how old each fix is', () => {
    const { ranked } = rankUnits([unit('old-near', [-1.147, 52.953], {}, 600), unit('square', SQUARE, {}, 30)], INCIDENT, ctx, NOW);
    expect(ranked.map((r) => [r.unitId, r.stale, r.fixAgeSeconds])).toEqual([
      ['square', false, 30],
      ['old-near', true, 600],
    ]);
  });

  it('leaves out units that cannot be sent, saying why in words a controller reads', () => {
    const { ranked, excluded } = rankUnits(
      [
        unit('busy', SQUARE, { state: 'busy' }),
        unit('elsewhere', SQUARE, { state: 'on-scene', incidentId: 'inc-7' }),
        // An emergency outranks the incident it was on: that is what the controller must see.
        unit('pressed', SQUARE, { state: 'en-route', incidentId: 'inc-7', emergencyId: 'em-1' }),
        unit('pressed-free', SQUARE, { emergencyId: 'em-2' }),
        unit('lost', SQUARE, { lostContact: true, lastHeard: NOW - 190_000 }),
        unit('off', SQUARE, { online: false }),
        unit('nofix', null),
        unit('old-fix', SQUARE, {}, 601),
        unit('never-said', SQUARE, { state: 'unknown' }),
      ],
      INCIDENT,
      { ...ctx, maxFixAgeSeconds: 600 },
      NOW,
    );
    expect(ranked.map((r) => r.unitId)).toEqual(['never-said']);
    expect(excluded.map((x) => [x.unitId, x.reason, excludedWords({ ...x, ...(x.incidentId ? { incidentReference: 'TW-2026-000007' } : {}) })])).toEqual([
      ['busy', 'not-available', 'busy'],
      ['elsewhere', 'on-incident', 'on another incident (TW-2026-000007)'],
      ['pressed', 'emergency', 'in emergency'],
      ['pressed-free', 'emergency', 'in emergency'],
      ['lost', 'lost-contact', 'lost contact: nothing heard for 3 min'],
      ['off', 'offline', 'radio offline'],
      ['nofix', 'no-fix', 'no fix yet'],
      ['old-fix', 'no-fix', 'no fix for 10 min'],
    ]);
  });

  it('keeps a unit with an old fix in the ranking when no limit is set, and up to the limit when one is', () => {
    const old = unit('old', SQUARE, {}, 3600);
    expect(rankUnits([old], INCIDENT, ctx, NOW).ranked.map((r) => r.unitId)).toEqual(['old']);
    expect(rankUnits([unit('at-limit', SQUARE, {}, 600)], INCIDENT, { ...ctx, maxFixAgeSeconds: 600 }, NOW).ranked.map((r) => r.unitId)).toEqual(['at-limit']);
  });

  it('ranks a unit 10 m away across a zone boundary first, not behind units 145 m and 199 m away', () => {
    // Just inside High Street North; the first unit stands in the Market Square across the line.
    const incident: LonLat = [-1.15, 52.95558];
    const beside: LonLat = [-1.15, 52.95549];
    const north = (m: number): LonLat => [-1.15, incident[1] + m / 111_320];
    expect(Math.round(haversineMetres(beside, incident))).toBe(10);
    const { ranked } = rankUnits([unit('far', north(199)), unit('mid', north(145)), unit('beside', beside)], incident, ctx, NOW);
    expect(ranked.map((r) => r.unitId)).toEqual(['beside', 'mid', 'far']);
    expect(ranked[0]).toMatchObject({ zone: 'market-square', travelSeconds: 7 });
  });

  it('walks straight across a boundary the zones share even where no walk joins them', () => {
    // Castle Walk's corner meets the Market Square's north edge; the graph goes round by the High Street.
    const square: LonLat = [-1.1507, 52.9555];
    const castle: LonLat = [-1.1507, 52.9556];
    expect(walkSeconds(graph, 'market-square', 'castle-walk')).toBe(150);
    expect(travelSeconds(square, castle, ctx)).toBeCloseTo(haversineMetres(square, castle) / 1.4, 5);
  });

  it('a unit within 25 m of the incident is never ranked behind one more than 100 m away (random positions in the town)', () => {
    const inTown = fc
      .tuple(fc.double({ min: -1.1545, max: -1.1425, noNaN: true }), fc.double({ min: 52.9516, max: 52.9583, noNaN: true }))
      .map(([lon, lat]): LonLat => [lon, lat])
      .filter((p) => town.zones.some((z) => pointInPolygon(p, z.polygon)));
    const around = (c: LonLat, min: number, max: number) =>
      fc
        .tuple(fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min, max, noNaN: true }))
        .map(([b, m]): LonLat => [
          c[0] + (m * Math.sin((b * Math.PI) / 180)) / (111_320 * Math.cos((c[1] * Math.PI) / 180)),
          c[1] + (m * Math.cos((b * Math.PI) / 180)) / 111_320,
        ])
        .filter((p) => town.zones.some((z) => pointInPolygon(p, z.polygon)));
    // The far unit is often just beyond 100 m (where a bad ranking shows), sometimes anywhere.
    const far = (c: LonLat) => fc.oneof(around(c, 101, 160), inTown).filter((p) => haversineMetres(p, c) > 100);
    fc.assert(
      fc.property(
        inTown.chain((incident) => fc.tuple(fc.constant(incident), around(incident, 0, 24.9), far(incident))),
        ([incident, near, far]) => {
          const { ranked } = rankUnits([unit('far', far), unit('near', near)], incident, ctx, NOW);
          expect(ranked.map((r) => r.unitId)).toEqual(['near', 'far']);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never walks faster than the straight line, and still goes round by the lock bridge', () => {
    const bus: LonLat = [-1.1462, 52.9524];
    const towpath: LonLat = [-1.1462, 52.9519];
    expect(haversineMetres(bus, towpath)).toBeLessThan(60);
    // Round by Wharf Road and over the lock bridge: minutes, not the 40 s across the water.
    expect(travelSeconds(bus, towpath, ctx)).toBeGreaterThan(180);
    expect(travelSeconds(SQUARE, INCIDENT, ctx)).toBeGreaterThanOrEqual(haversineMetres(SQUARE, INCIDENT) / 1.4);
  });

  it('places a unit just off the map at the nearest zone', () => {
    const offMap: LonLat = [-1.14, 52.955]; // east of Station Approach
    expect(travelSeconds(offMap, INCIDENT, ctx)).toBeGreaterThan(walkSeconds(graph, 'station-approach', 'bus-station'));
  });
});
