import type { LonLat } from '../../gateway/contract/api';
import { applyCboEvent, CBO_EVENTS } from '../../gateway/contract/cbo-lifecycle';
import { isEvent } from '../../gateway/contract/is-event';
import type { ConsoleEvent, StateSnapshot } from '../../gateway/contract/socket';
import { endTrack, fuse as fuseTrack, unlinkedAfter } from '../../gateway/contract/track-fusion';
import type { BreachRecord, CboRecord, IncidentRecord, Sighting, Track } from '../../gateway/contract/tracking';

/**
 * Incidents, tracks, orders and breaches as the console holds them: from the snapshot, then
 * kept current by the journal stream (`incident.*`, `track.*`, `breach.*`, `cbo.*`), as the
 * gateway's projections are. A gateway without the tracking service sends none of these; the
 * console then builds a plainer picture from what the MQTT contract journals itself (shop
 * reports and CCTV sightings), so the incidents board and tracking panel are never empty lies.
 */
export interface TrackingState {
  /** The gateway has the tracking service (its snapshot carries incidents and tracks). */
  available: boolean;
  incidents: Map<string, IncidentRecord>;
  tracks: Map<string, Track>;
  unlinked: Sighting[];
  breaches: Map<string, BreachRecord>;
  cbos: Map<string, CboRecord>;
  /** Subjects on the watch list, by id (`subject.watched` / `subject.unwatched`). */
  watched: Set<string>;
}

/** What of a shop report or CCTV sighting says where it was. */
export interface Place {
  premisesId?: string;
  cameraId?: string;
  zone?: string;
}
type Placer = (p: Place) => { zone: string | null; position: LonLat | null };

export function emptyTracking(): TrackingState {
  return { available: false, incidents: new Map(), tracks: new Map(), unlinked: [], breaches: new Map(), cbos: new Map(), watched: new Set() };
}

export function trackingFrom(s: StateSnapshot): TrackingState {
  const t = s as Partial<Pick<StateSnapshot, 'incidents' | 'tracks' | 'breaches' | 'cbos'>>;
  if (!t.incidents || !t.tracks) return emptyTracking();
  return {
    available: true,
    incidents: new Map(t.incidents.map((i) => [i.incidentId, i])),
    tracks: new Map(t.tracks.tracks.map((x) => [x.subjectId, x])),
    unlinked: [...t.tracks.unlinked],
    breaches: new Map((t.breaches ?? []).map((b) => [b.breachId, b])),
    cbos: new Map((t.cbos ?? []).map((c) => [c.id, c])),
    watched: new Set(s.watched ?? []),
  };
}

/** Adds a sighting to its subject's track (or to the unlinked list), as the gateway's tracks projection does. */
function fuse(t: TrackingState, s: Sighting): void {
  t.unlinked = unlinkedAfter(t.unlinked, s);
  if (s.subjectId !== null) t.tracks.set(s.subjectId, fuseTrack(t.tracks.get(s.subjectId) ?? null, { ...s, subjectId: s.subjectId }).track);
}

/** Applies one event; true if the tracking picture changed. */
export function applyTracking(t: TrackingState, e: ConsoleEvent, place: Placer): boolean {
  if (!t.available) return fallback(t, e, place);
  if (e.payload === null) return false; // erased under retention
  if (e.type === 'track.sighting' && e.payload) {
    fuse(t, structuredClone(e.payload.sighting));
    return true;
  }
  if (e.type === 'track.ended' && e.payload) {
    const tr = t.tracks.get(e.payload.subjectId);
    if (tr) t.tracks.set(tr.subjectId, endTrack(tr));
    return true;
  }
  if (e.type === 'breach.detected' && e.payload) {
    const b = structuredClone(e.payload);
    t.breaches.set(b.breachId, { ...b, detectedAt: e.ts, incidentId: `inc-${b.breachId}`, acknowledged: null });
    return true;
  }
  if (e.type === 'breach.acknowledged' && e.payload) {
    const b = t.breaches.get(e.payload.breachId);
    if (b && !b.acknowledged) b.acknowledged = { by: e.actor, at: e.ts, note: e.payload.note };
    return true;
  }
  // The watch list: the stream carries only the subject's id (gallery events are redacted).
  if (e.type === 'subject.watched' && e.payload) {
    t.watched.add(e.payload.subjectId);
    return true;
  }
  if (e.type === 'subject.unwatched' && e.payload) return t.watched.delete(e.payload.subjectId);
  // Orders: the same lifecycle as the gateway's projection (contract/cbo-lifecycle.ts).
  if (isEvent(e, ...CBO_EVENTS)) return applyCboEvent(t.cbos, e);
  if (isEvent(e, 'incident.reported', 'incident.graded', 'incident.dispatched', 'incident.on-scene', 'incident.closed')) return applyIncident(t, e);
  if (e.type === 'radio.receipt' && e.payload && 'msgId' in e.payload) {
    const p = e.payload;
    for (const i of t.incidents.values()) {
      const a = i.units.find((u) => u.msgId === p.msgId);
      if (a && !(a.receipt === 'read' && p.status === 'delivered')) {
        a.receipt = p.status;
        return true;
      }
    }
  }
  return false;
}

function applyIncident(
  t: TrackingState,
  e: ConsoleEvent<'incident.reported' | 'incident.graded' | 'incident.dispatched' | 'incident.on-scene' | 'incident.closed'>,
): boolean {
  if (!e.payload) return false;
  if (e.type === 'incident.reported') {
    const r = structuredClone(e.payload);
    t.incidents.set(r.incidentId, {
      ...r,
      state: 'reported',
      openedAt: e.ts,
      grade: null,
      units: [],
      dispatchedAt: null,
      onSceneAt: null,
      responseSeconds: null,
      withinTarget: null,
      closedAt: null,
      outcome: null,
      history: [{ state: 'reported', at: e.ts, actor: e.actor }],
    });
    return true;
  }
  const i = t.incidents.get(e.payload.incidentId);
  if (!i) return false;
  if (e.type === 'incident.graded') {
    i.grade = structuredClone(e.payload.grade);
    i.state = 'graded';
  } else if (e.type === 'incident.dispatched') {
    const p = e.payload;
    i.units.push({
      unitId: p.unitId,
      callsign: p.callsign,
      issi: p.issi,
      msgId: p.msgId,
      dispatchedAt: e.ts,
      dispatchedBy: e.actor,
      travelSeconds: p.travelSeconds,
      rank: p.rank,
      receipt: 'pending',
      arrivedAt: null,
    });
    i.dispatchedAt ??= e.ts;
    if (i.state === 'graded') i.state = 'dispatched';
  } else if (e.type === 'incident.on-scene') {
    const { unitId } = e.payload;
    const unit = i.units.find((u) => u.unitId === unitId);
    if (unit) unit.arrivedAt ??= e.ts;
    i.onSceneAt ??= e.ts;
    i.responseSeconds = i.dispatchedAt !== null ? Math.round((i.onSceneAt - i.dispatchedAt) / 1000) : null;
    i.state = 'on-scene';
  } else {
    Object.assign(i, { state: 'closed', closedAt: e.ts, outcome: e.payload.outcome });
  }
  i.history.push({ state: i.state, at: e.ts, actor: e.actor });
  return true;
}

/** Without the tracking service: shop reports become incidents and sightings; CCTV sightings join tracks. */
function fallback(t: TrackingState, e: ConsoleEvent, place: Placer): boolean {
  if (!isEvent(e, 'shop.report', 'cctv.sighting') || !e.payload) return false;
  const p = e.payload;
  const where = place(p);
  const at = 'occurredAt' in p ? p.occurredAt : 'seenAt' in p ? p.seenAt : new Date(e.ts).toISOString();
  const s: Sighting = {
    id: `sg-${e.seq}`,
    subjectId: p.subjectId ?? null,
    at,
    atMs: Date.parse(at),
    kind: e.type === 'shop.report' ? 'shop' : 'cctv',
    via: 'mqtt',
    reporter: e.actor ?? ('operator' in p ? p.operator : null),
    premisesId: 'premisesId' in p ? p.premisesId : null,
    cameraId: 'cameraId' in p ? p.cameraId : null,
    unitId: null,
    position: where.position,
    zone: where.zone,
    precision: 'cameraId' in p ? 'camera' : 'premisesId' in p ? 'premises' : 'zone',
    description: p.description ?? null,
    category: 'category' in p ? p.category : null,
    media: [],
    causeSeq: e.seq,
  };
  fuse(t, s);
  if ('kind' in p && p.kind === 'incident') {
    const id = `inc-${e.seq}`;
    t.incidents.set(id, {
      incidentId: id,
      category: p.category,
      description: s.description ?? '',
      zone: s.zone,
      position: s.position,
      premisesId: s.premisesId,
      subjectId: s.subjectId,
      reportedAt: at,
      origin: { kind: 'shop-report', ref: null },
      state: 'reported',
      openedAt: e.ts,
      grade: null,
      units: [],
      dispatchedAt: null,
      onSceneAt: null,
      responseSeconds: null,
      withinTarget: null,
      closedAt: null,
      outcome: null,
      history: [{ state: 'reported', at: e.ts, actor: e.actor }],
    });
  }
  return true;
}
