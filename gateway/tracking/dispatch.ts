import type { LonLat } from '../../config/geo';
import type { Zone } from '../../config/schema';
import type { ExcludedUnit, RankedUnit, Ranking } from '../contract/tracking-views';
import type { ZoneGraph } from './graph';
import { travelSeconds } from './route';
import { locate, metres } from './zones';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { RankedUnit, ExcludedReason, ExcludedUnit, Ranking } from '../contract/tracking-views';

/**
 * Which unit to send: the one that can walk there soonest, from where its radio last said it
 * was to where the incident is (straight across open ground, the walking graph beyond). Straight-line distance misleads (the canal), and an
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
  /** An open emergency: the unit is not sent anywhere, whatever its last status said. */
  emergencyId?: string | null;
  /** The incident it was sent to, until that closes or its radio says available. */
  incidentId?: string | null;
  /** When its radio was last heard (journal time). */
  lastHeard?: number | null;
}

export interface RankContext {
  graph: ZoneGraph;
  zones: readonly Zone[];
  walkSpeedMps: number;
  staleFixSeconds: number;
  /** Older fixes are no fix at all: the unit is left out ("no fix for 12 min"). Unset: never. */
  maxFixAgeSeconds?: number;
}

/** States a controller may send: available, or never reported (a radio that sends no statuses). */
const SENDABLE = new Set(['available', 'unknown']);

/** Walking seconds from where the unit stands to the incident (see route.ts). */
export { travelSeconds };

/**
 * Why a unit cannot be sent, most telling first: an emergency outranks the incident it was on,
 * which outranks the status that says so; a radio nobody hears comes before a missing fix.
 */
export function exclusion(u: UnitForRanking, ctx: Pick<RankContext, 'maxFixAgeSeconds'>, nowMs: number): ExcludedUnit | null {
  const base = { unitId: u.id, callsign: u.callsign };
  const since = (t: number | null | undefined) => (t === null || t === undefined ? {} : { sinceSeconds: Math.max(0, Math.round((nowMs - t) / 1000)) });
  if (u.emergencyId) return { ...base, reason: 'emergency' };
  if (!SENDABLE.has(u.state)) {
    return u.incidentId && (u.state === 'en-route' || u.state === 'on-scene')
      ? { ...base, reason: 'on-incident', state: u.state, incidentId: u.incidentId }
      : { ...base, reason: 'not-available', state: u.state };
  }
  if (u.lostContact) return { ...base, reason: 'lost-contact', ...since(u.lastHeard) };
  if (u.online === false) return { ...base, reason: 'offline' };
  if (!u.fix) return { ...base, reason: 'no-fix' };
  const max = ctx.maxFixAgeSeconds;
  if (max !== undefined && nowMs - u.fix.receivedAt > max * 1000) return { ...base, reason: 'no-fix', ...since(u.fix.receivedAt) };
  return null;
}

export function rankUnits(units: readonly UnitForRanking[], target: LonLat, ctx: RankContext, nowMs: number): Ranking {
  const ranked: RankedUnit[] = [];
  const excluded: Ranking['excluded'] = [];
  for (const u of units) {
    const out = exclusion(u, ctx, nowMs);
    if (out || !u.fix) {
      excluded.push(out ?? { unitId: u.id, callsign: u.callsign, reason: 'no-fix' });
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
      unitId: u.id,
      callsign: u.callsign,
      role: u.role,
      state: u.state,
      zone: locate(at, ctx.zones),
      travelSeconds: Math.round(secs),
      fixAgeSeconds,
      stale: fixAgeSeconds > ctx.staleFixSeconds,
      straightLineM: Math.round(metres(at, target)),
    });
  }
  ranked.sort(
    (a, b) => Number(a.stale) - Number(b.stale) || a.travelSeconds - b.travelSeconds || a.fixAgeSeconds - b.fixAgeSeconds || a.unitId.localeCompare(b.unitId),
  );
  return { ranked, excluded };
}
