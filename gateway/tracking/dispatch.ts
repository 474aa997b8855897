import type { LonLat } from '../../config/geo';
import type { Zone } from '../../config/schema';
import type { ExcludedReason, RankedUnit, Ranking } from '../contract/tracking-views';
import type { ZoneGraph } from './graph';
import { travelSeconds } from './route';
import { locate, metres } from './zones';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { RankedUnit, ExcludedReason, Ranking } from '../contract/tracking-views';

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
}

export interface RankContext {
  graph: ZoneGraph;
  zones: readonly Zone[];
  walkSpeedMps: number;
  staleFixSeconds: number;
}

/** States a controller may send: available, or never reported (a radio that sends no statuses). */
const SENDABLE = new Set(['available', 'unknown']);

/** Walking seconds from where the unit stands to the incident (see route.ts). */
export { travelSeconds };

export function rankUnits(units: readonly UnitForRanking[], target: LonLat, ctx: RankContext, nowMs: number): Ranking {
  const ranked: RankedUnit[] = [];
  const excluded: Ranking['excluded'] = [];
  for (const u of units) {
    const reason: ExcludedReason | null = !SENDABLE.has(u.state)
      ? 'not-available'
      : u.lostContact
        ? 'lost-contact'
        : u.online === false
          ? 'offline'
          : !u.fix
            ? 'no-fix'
            : null;
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
