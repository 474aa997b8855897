import type { LonLat } from '../../gateway/contract/api';
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
}

type P = Record<string, unknown>;

export function emptyTracking(): TrackingState {
  return { available: false, incidents: new Map(), tracks: new Map(), unlinked: [], breaches: new Map(), cbos: new Map() };
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
  };
}

/** Adds a sighting to its subject's track (or to the unlinked list), as the gateway's tracks projection does. */
function fuse(t: TrackingState, s: Sighting): void {
  t.unlinked = unlinkedAfter(t.unlinked, s);
  if (s.subjectId !== null) t.tracks.set(s.subjectId, fuseTrack(t.tracks.get(s.subjectId) ?? null, { ...s, subjectId: s.subjectId }).track);
}

/** Applies one event; true if the tracking picture changed. */
export function applyTracking(t: TrackingState, e: ConsoleEvent, place: (p: P) => { zone: string | null; position: LonLat | null }): boolean {
  const p = (e.payload ?? {}) as P;
  if (!t.available) return fallback(t, e, p, place);
  if (e.type === 'track.sighting') {
    fuse(t, structuredClone((p as { sighting: Sighting }).sighting));
    return true;
  }
  if (e.type === 'track.ended') {
    const tr = t.tracks.get(p.subjectId as string);
    if (tr) t.tracks.set(tr.subjectId, endTrack(tr));
    return true;
  }
  if (e.type === 'breach.detected') {
    const b = structuredClone(p) as unknown as BreachRecord;
    t.breaches.set(b.breachId, { ...b, detectedAt: e.ts, incidentId: `inc-${b.breachId}`, acknowledged: null });
    return true;
  }
  if (e.type === 'breach.acknowledged') {
    const b = t.breaches.get(p.breachId as string);
    if (b && !b.acknowledged) b.acknowledged = { by: e.actor, at: e.ts, note: (p.note as string | null) ?? null };
    return true;
  }
  if (e.type.startsWith('cbo.')) return applyCbo(t, e, p);
  if (e.type.startsWith('incident.')) return applyIncident(t, e, p);
  if (e.type === 'radio.receipt' && typeof p.msgId === 'string') {
    for (const i of t.incidents.values()) {
      const a = i.units.find((u) => u.msgId === p.msgId);
      if (a && p.status && !(a.receipt === 'read' && p.status === 'delivered')) {
        a.receipt = p.status as typeof a.receipt;
        return true;
      }
    }
  }
  return false;
}

function applyCbo(t: TrackingState, e: ConsoleEvent, p: P): boolean {
  const state = e.type.slice(4) as CboRecord['state'];
  const existing = t.cbos.get(p.cboId as string);
  if (p.terms && !existing && (state === 'warning' || state === 'issued')) {
    t.cbos.set(p.cboId as string, {
      id: p.cboId as string,
      ...(structuredClone(p.terms) as Omit<CboRecord, 'id' | 'state' | 'history'>),
      state,
      history: [{ state, at: e.ts, actor: e.actor }],
    });
    return true;
  }
  if (!existing || !['issued', 'extended', 'expired', 'revoked'].includes(state)) return false;
  existing.state = state;
  if (state === 'extended' && typeof p.expiresAt === 'string') existing.expiresAt = p.expiresAt;
  existing.history.push({ state, at: e.ts, actor: e.actor });
  return true;
}

function applyIncident(t: TrackingState, e: ConsoleEvent, p: P): boolean {
  if (e.type === 'incident.reported') {
    const r = structuredClone(p) as unknown as IncidentRecord;
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
  const i = t.incidents.get(p.incidentId as string);
  if (!i) return false;
  if (e.type === 'incident.graded') {
    i.grade = structuredClone(p.grade) as IncidentRecord['grade'];
    i.state = 'graded';
  } else if (e.type === 'incident.dispatched') {
    i.units.push({
      unitId: p.unitId as string,
      callsign: p.callsign as string,
      issi: p.issi as number,
      msgId: p.msgId as string,
      dispatchedAt: e.ts,
      dispatchedBy: e.actor,
      travelSeconds: (p.travelSeconds as number | null) ?? null,
      rank: (p.rank as number | null) ?? null,
      receipt: 'pending',
      arrivedAt: null,
    });
    i.dispatchedAt ??= e.ts;
    if (i.state === 'graded') i.state = 'dispatched';
  } else if (e.type === 'incident.on-scene') {
    const unit = i.units.find((u) => u.unitId === p.unitId);
    if (unit) unit.arrivedAt ??= e.ts;
    i.onSceneAt ??= e.ts;
    i.responseSeconds = i.dispatchedAt !== null ? Math.round((i.onSceneAt - i.dispatchedAt) / 1000) : null;
    i.state = 'on-scene';
  } else if (e.type === 'incident.closed') {
    Object.assign(i, { state: 'closed', closedAt: e.ts, outcome: p.outcome });
  } else return false;
  i.history.push({ state: i.state, at: e.ts, actor: e.actor });
  return true;
}

/** Without the tracking service: shop reports become incidents and sightings; CCTV sightings join tracks. */
function fallback(t: TrackingState, e: ConsoleEvent, p: P, place: (p: P) => { zone: string | null; position: LonLat | null }): boolean {
  if (e.type !== 'shop.report' && e.type !== 'cctv.sighting') return false;
  const where = place(p);
  const at = typeof p.occurredAt === 'string' ? p.occurredAt : typeof p.seenAt === 'string' ? p.seenAt : new Date(e.ts).toISOString();
  const s: Sighting = {
    id: `sg-${e.seq}`,
    subjectId: (p.subjectId as string | undefined) ?? null,
    at,
    atMs: Date.parse(at),
    kind: e.type === 'shop.report' ? 'shop' : 'cctv',
    via: 'mqtt',
    reporter: e.actor ?? (p.operator as string | undefined) ?? null,
    premisesId: (p.premisesId as string | undefined) ?? null,
    cameraId: (p.cameraId as string | undefined) ?? null,
    unitId: null,
    position: where.position,
    zone: where.zone,
    precision: p.cameraId ? 'camera' : p.premisesId ? 'premises' : 'zone',
    description: (p.description as string | undefined) ?? null,
    category: (p.category as string | undefined) ?? null,
    media: [],
    causeSeq: e.seq,
  };
  fuse(t, s);
  if (e.type === 'shop.report' && p.kind === 'incident') {
    const id = `inc-${e.seq}`;
    t.incidents.set(id, {
      incidentId: id,
      category: (p.category as string) ?? 'other',
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
