import type { HotspotCell, Hotspots } from '../contract/tracking-views';
import { DAYS, hourOfWeek } from './clock';
import { isEvent, type JournalEvent } from '../contract/events';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { HotspotCell, Hotspots } from '../contract/tracking-views';

/**
 * Hotspot analysis: where and when incidents and sightings cluster (zone × local hour of the
 * week), and the prolific subjects: the few people seen and reported most, by the most
 * premises. Computed from journal facts, so any period can be analysed after the fact.
 */

export interface HotspotItem {
  kind: 'incident' | 'sighting';
  zone: string | null;
  /** When it happened (not when it was journaled). */
  atMs: number;
  subjectId: string | null;
  premisesId: string | null;
}

/**
 * The items of `track.sighting` and `incident.reported` events, in journal order: a sighting
 * journaled again (linked to a subject later) counts once, as its latest record says. Run in
 * time travel's worker (time-travel-worker.ts) over its own read of the journal.
 */
export function hotspotItems(events: Iterable<JournalEvent>): HotspotItem[] {
  const sightings = new Map<string, HotspotItem>();
  const items: HotspotItem[] = [];
  for (const r of events) {
    // A null payload was erased under retention.
    if (isEvent(r, 'track.sighting') && r.payload) {
      const s = r.payload.sighting;
      sightings.set(s.id, { kind: 'sighting', zone: s.zone, atMs: s.atMs, subjectId: s.subjectId, premisesId: s.premisesId }); // a later link wins
    } else if (isEvent(r, 'incident.reported') && r.payload) {
      const i = r.payload;
      items.push({ kind: 'incident', zone: i.zone, atMs: Date.parse(i.reportedAt), subjectId: i.subjectId, premisesId: i.premisesId });
    }
  }
  return [...items, ...sightings.values()];
}

/** The event types hotspots read. */
export const HOTSPOT_TYPES = ['track.sighting', 'incident.reported'] as const;

export function hotspots(items: readonly HotspotItem[], fromMs: number, toMs: number, timeZone: string, limit = 10): Hotspots {
  const cells = new Map<string, HotspotCell>();
  const zones = new Map<string, { zone: string; incidents: number; sightings: number; total: number }>();
  const people = new Map<string, { sightings: number; incidents: number; premises: Set<string>; zones: Set<string>; last: number }>();
  for (const it of items) {
    if (it.atMs < fromMs || it.atMs >= toMs) continue;
    const key = it.kind === 'incident' ? 'incidents' : 'sightings';
    if (it.zone) {
      const how = hourOfWeek(it.atMs, timeZone);
      const id = `${it.zone}/${how}`;
      const cell = cells.get(id) ?? { zone: it.zone, hourOfWeek: how, day: DAYS[Math.floor(how / 24)]!, hour: how % 24, incidents: 0, sightings: 0 };
      cell[key]++;
      cells.set(id, cell);
      const z = zones.get(it.zone) ?? { zone: it.zone, incidents: 0, sightings: 0, total: 0 };
      z[key]++;
      z.total++;
      zones.set(it.zone, z);
    }
    if (it.subjectId) {
      const p = people.get(it.subjectId) ?? { sightings: 0, incidents: 0, premises: new Set<string>(), zones: new Set<string>(), last: 0 };
      p[key]++;
      if (it.premisesId) p.premises.add(it.premisesId);
      if (it.zone) p.zones.add(it.zone);
      p.last = Math.max(p.last, it.atMs);
      people.set(it.subjectId, p);
    }
  }
  const total = (c: { incidents: number; sightings: number }) => c.incidents + c.sightings;
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    timeZone,
    cells: [...cells.values()].sort((a, b) => total(b) - total(a) || a.zone.localeCompare(b.zone) || a.hourOfWeek - b.hourOfWeek),
    zones: [...zones.values()].sort((a, b) => b.total - a.total || a.zone.localeCompare(b.zone)),
    prolific: [...people.entries()]
      .map(([subjectId, p]) => ({
        subjectId,
        sightings: p.sightings,
        incidents: p.incidents,
        premises: p.premises.size,
        zones: p.zones.size,
        lastSeenAt: new Date(p.last).toISOString(),
      }))
      // Reports from many different premises weigh more than one shop reporting often.
      .sort((a, b) => b.premises - a.premises || b.incidents + b.sightings - (a.incidents + a.sightings) || a.subjectId.localeCompare(b.subjectId))
      .slice(0, limit),
  };
}
