import { polygonCentroid, type LonLat } from '../../config/geo';
import type { Zone } from '../../config/schema';
import { walkSeconds, type ZoneGraph } from './graph';
import { locate, metres } from './zones';

/**
 * Which unit to send: the one that can walk there soonest, over the town's walking graph,
 * from where its radio last said it was. Straight-line distance misleads (the canal), and an
 * old fix is a guess: units with a stale fix are ranked after every unit with a fresh one.
 */

export interface UnitForRanking {
  id: string;
  callsign: string;
  role: string;
  state: string;
  fix: { lat: number; lon: number; receivedAt: number } | null;
  lostContact: boolean;
  online: boolean | null;
}

export interface RankedUnit {
  unitId: string;
  callsign: string;
  role: string;
  state: string;
  zone: string | null;
  travelSeconds: number;
  fixAgeSeconds: number;
  stale: boolean;
  /** For the record only: what a naive ranking would have used. */
  straightLineM: number;
}

export type ExcludedReason = 'not-available' | 'no-fix' | 'lost-contact' | 'offline' | 'unreachable';

export interface Ranking {
  ranked: RankedUnit[];
  excluded: Array<{ unitId: string; callsign: string; reason: ExcludedReason }>;
}

export interface RankContext {
  graph: ZoneGraph;
  zones: readonly Zone[];
  walkSpeedMps: number;
  staleFixSeconds: number;
}

/** States a controller may send: available, or never reported (a radio that sends no statuses). */
const SENDABLE = new Set(['available', 'unknown']);

/** The zone a point is in, or else the zone whose centre is nearest (a unit just off the map). */
function entry(point: LonLat, zones: readonly Zone[]): string | null {
  const inside = locate(point, zones);
  if (inside) return inside;
  let best: { zone: string; m: number } | null = null;
  for (const z of zones) {
    const m = metres(point, polygonCentroid(z.polygon));
    if (!best || m < best.m) best = { zone: z.id, m };
  }
  return best?.zone ?? null;
}

/**
 * Walking seconds from a point to a point. Within one zone, straight across it. Otherwise the
 * graph's walks, which run centre to centre, plus the legs from the start to its zone's
 * centre and from the target zone's centre to the target.
 */
export function travelSeconds(from: LonLat, to: LonLat, ctx: Pick<RankContext, 'graph' | 'zones' | 'walkSpeedMps'>): number {
  const speed = ctx.walkSpeedMps;
  const a = entry(from, ctx.zones);
  const b = entry(to, ctx.zones);
  if (!a || !b || a === b) return metres(from, to) / speed;
  const centre = (id: string) => polygonCentroid(ctx.zones.find((z) => z.id === id)!.polygon);
  const legs = metres(from, centre(a)) / speed + metres(centre(b), to) / speed;
  return walkSeconds(ctx.graph, a, b) + legs;
}

export function rankUnits(units: readonly UnitForRanking[], target: LonLat, ctx: RankContext, nowMs: number): Ranking {
  const ranked: RankedUnit[] = [];
  const excluded: Ranking['excluded'] = [];
  for (const u of units) {
    const reason: ExcludedReason | null = !SENDABLE.has(u.state)
      ? 'not-available'
      : u.lostContact ? 'lost-contact' : u.online === false ? 'offline' : !u.fix ? 'no-fix' : null;
    if (reason || !u.fix) {
      excluded.push({ unitId: u.id, callsign: u.callsign, reason: reason ?? 'no-fix' });
      continue;
    }
    const at: LonLat = [u.fix.lon, u.fix.lat];
    const secs = travelSeconds(at, target, ctx);
    if (!Number.isFinite(secs)) {
      excluded.push({ unitId: u.id, callsign: u.callsign, reason: 'unreachable' });
      continue;
    }
    const fixAgeSeconds = Math.max(0, Math.round((nowMs - u.fix.receivedAt) / 1000));
    ranked.push({
      unitId: u.id, callsign: u.callsign, role: u.role, state: u.state, zone: locate(at, ctx.zones),
      travelSeconds: Math.round(secs), fixAgeSeconds, stale: fixAgeSeconds > ctx.staleFixSeconds,
      straightLineM: Math.round(metres(at, target)),
    });
  }
  ranked.sort((a, b) => Number(a.stale) - Number(b.stale) || a.travelSeconds - b.travelSeconds || a.fixAgeSeconds - b.fixAgeSeconds || a.unitId.localeCompare(b.unitId));
  return { ranked, excluded };
}
