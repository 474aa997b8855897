import { pointInPolygon, type LonLat } from '../../config/geo';
import type { CboRecord, TimeWindow } from '../contract/tracking-views';
import { localTime, minutesOf, previousDay, type Day } from './clock';
import type { Precision } from './zones';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { CboState, TimeWindow, ExclusionArea, CboTerms, CboRecord } from '../contract/tracking-views';

/**
 * Criminal Behaviour Orders and exclusion notices: when one is in force, and whether a
 * sighting breaches it. Pure: the same order, sighting and time zone always give the same
 * answer, so a breach found live is the breach found on replay.
 */

/** Only an order that was issued (or extended), and is between its start and its expiry. A warning is not enforceable. */
export function inForce(cbo: Pick<CboRecord, 'state' | 'startsAt' | 'expiresAt'>, atMs: number): boolean {
  if (cbo.state !== 'issued' && cbo.state !== 'extended') return false;
  return Date.parse(cbo.startsAt) <= atMs && atMs < Date.parse(cbo.expiresAt);
}

/** Whether a local time falls in any window. Start inclusive, end exclusive. */
export function inWindow(windows: readonly TimeWindow[], atMs: number, timeZone: string): boolean {
  if (windows.length === 0) return true;
  const t = localTime(atMs, timeZone);
  return windows.some((w) => {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    const on = (d: Day) => w.days.length === 0 || w.days.includes(d);
    if (from < to) return on(t.day) && t.minute >= from && t.minute < to;
    // Crosses midnight: the evening part belongs to today's window, the early hours to yesterday's.
    return (on(t.day) && t.minute >= from) || (on(previousDay(t.day)) && t.minute < to);
  });
}

/** Where a sighting put the subject, as far as breach rules care. */
export interface BreachPlace {
  zone: string | null;
  position: LonLat | null;
  precision: Precision;
  premisesId: string | null;
}

export type BreachReason = { kind: 'zone'; zone: string } | { kind: 'area'; name: string } | { kind: 'premises'; premisesId: string };

/**
 * Why a sighting at `atMs` breaches the order; empty when it does not. A drawn area only
 * counts for a sighting whose position is really known (a point or a premises): a camera or
 * zone sighting is placed by its zone alone.
 */
export function breachReasons(cbo: CboRecord, place: BreachPlace, atMs: number, timeZone: string): BreachReason[] {
  if (!inForce(cbo, atMs) || !inWindow(cbo.windows, atMs, timeZone)) return [];
  const reasons: BreachReason[] = [];
  if (place.zone && cbo.excludedZones.includes(place.zone)) reasons.push({ kind: 'zone', zone: place.zone });
  const exact = place.precision === 'point' || place.precision === 'premises';
  if (exact && place.position) {
    const pos = place.position;
    for (const a of cbo.excludedAreas) if (pointInPolygon(pos, a.polygon)) reasons.push({ kind: 'area', name: a.name });
  }
  if (place.premisesId && cbo.excludedPremises.includes(place.premisesId)) reasons.push({ kind: 'premises', premisesId: place.premisesId });
  return reasons;
}

export interface BreachMark {
  cboId: string;
  zone: string | null;
  atMs: number;
}

/**
 * A subject standing in an excluded zone is seen again and again (three cameras, two shops):
 * that is one breach, not five. A breach of the same order in the same zone within the
 * cooldown of an earlier one is a repeat.
 */
export function isRepeat(earlier: readonly BreachMark[], next: BreachMark, cooldownMs: number): boolean {
  return earlier.some((b) => b.cboId === next.cboId && b.zone === next.zone && Math.abs(next.atMs - b.atMs) < cooldownMs);
}
