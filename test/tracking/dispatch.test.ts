import { describe, expect, it } from 'vitest';
import { haversineMetres, type LonLat } from '../../config/geo';
import { rankUnits, travelSeconds, type UnitForRanking } from '../../gateway/tracking/dispatch';
import { buildGraph, walkSeconds, walkTimes } from '../../gateway/tracking/graph';
import { town } from './fixtures';

const graph = buildGraph(town.zones);
const ctx = { graph, zones: town.zones, walkSpeedMps: 1.4, staleFixSeconds: 120 };
const NOW = Date.parse('2026-03-02T14:00:00Z');

/** A breach on the south side of the Bus Station, by the canal. */
const INCIDENT: LonLat = [-1.1480, 52.9526];
/** On the towpath across the water: ~80 m away, but the only bridge is at Wharf Road. */
const TOWPATH: LonLat = [-1.1480, 52.9519];
/** Out in the Market Square: ~300 m away, but a straight walk down the High Street. */
const SQUARE: LonLat = [-1.1500, 52.9550];

function unit(id: string, where: LonLat | null, extra: Partial<UnitForRanking> = {}, fixAgeS = 5): UnitForRanking {
  return {
    id, callsign: id.toUpperCase(), role: 'police', state: 'available', lostContact: false, online: true,
    fix: where ? { lon: where[0], lat: where[1], receivedAt: NOW - fixAgeS * 1000 } : null, ...extra,
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
    const near: LonLat = [-1.1470, 52.9530];
    expect(travelSeconds(near, INCIDENT, ctx)).toBeCloseTo(haversineMetres(near, INCIDENT) / 1.4, 5);
  });

  it('ranks a unit whose fix is stale after every unit with a fresh one, and says how old each fix is', () => {
    const { ranked } = rankUnits([unit('old-near', [-1.1470, 52.9530], {}, 600), unit('square', SQUARE, {}, 30)], INCIDENT, ctx, NOW);
    expect(ranked.map((r) => [r.unitId, r.stale, r.fixAgeSeconds])).toEqual([['square', false, 30], ['old-near', true, 600]]);
  });

  it('leaves out units that cannot be sent, saying why', () => {
    const { ranked, excluded } = rankUnits([
      unit('busy', SQUARE, { state: 'on-scene' }), unit('lost', SQUARE, { lostContact: true }), unit('off', SQUARE, { online: false }),
      unit('nofix', null), unit('never-said', SQUARE, { state: 'unknown' }),
    ], INCIDENT, ctx, NOW);
    expect(ranked.map((r) => r.unitId)).toEqual(['never-said']);
    expect(excluded.map((x) => [x.unitId, x.reason])).toEqual([['busy', 'not-available'], ['lost', 'lost-contact'], ['off', 'offline'], ['nofix', 'no-fix']]);
  });

  it('places a unit just off the map at the nearest zone', () => {
    const offMap: LonLat = [-1.1400, 52.9550]; // east of Station Approach
    expect(travelSeconds(offMap, INCIDENT, ctx)).toBeGreaterThan(walkSeconds(graph, 'station-approach', 'bus-station'));
  });
});
