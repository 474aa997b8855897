import { clipRecord } from '../../gateway/contract/clip-record';
import type { LonLat, SiteInfo } from '../../gateway/contract/api';
import { applyEmergencyEvent, openedEmergency } from '../../gateway/contract/emergency-lifecycle';
import { isEvent } from '../../gateway/contract/is-event';
import type {
  AlertView,
  CameraView,
  ConsoleEvent,
  DeliveryStatus,
  EmergencyNotice,
  EmergencyView,
  EvidenceRecord,
  PositionUpdate,
  StateSnapshot,
  UnitView,
} from '../../gateway/contract/socket';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import { centre } from './geo';
import { applyTracking, emptyTracking, trackingFrom, type Place, type TrackingState } from './tracking-state';

export interface TrackOverlay {
  subjectId: string;
  /** Where the subject was seen, oldest first: a position, or the zone it was seen in. */
  points: Array<{ at: number; position: LonLat; zone: string | null }>;
  predicted: Array<{ zone: string; probability: number | null }>;
  /** True when the prediction is the zone graph's neighbours, not the tracking service's. */
  neighboursOnly: boolean;
}

export type Topic = 'units' | 'positions' | 'emergencies' | 'alerts' | 'cameras' | 'evidence' | 'events' | 'tracking' | 'connection';
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

/**
 * An emergency as the banner shows it: from the journal, or announced before its commit
 * (`emergency:raising`), when `recording` says how far it is.
 */
export type ShownEmergency = EmergencyView & {
  recording?: { state: 'recording' | 'unrecorded'; reason: string | null; bearer: EmergencyNotice['bearer'] };
};

/** How many journal events the live log keeps in memory. */
const LOG_LIMIT = 2000;

/**
 * The console's copy of the live state: the snapshot it was sent, kept current by the journal
 * events that follow, as the gateway's projections are. Units are not derived here at all: the
 * gateway sends each unit's state as its projection computes it (`units:state`), so dispatch,
 * arrival, close and emergencies cannot drift from what the gateway ranks and records. The few
 * rules still restated (receipts, evidence) come from the event types the
 * contract names; the snapshot on every reconnect corrects any drift.
 */
export class Store {
  site: SiteInfo | null = null;
  units = new Map<string, UnitView>();
  emergencies = new Map<string, EmergencyView>();
  /** Emergencies announced before their commit, by id, until their `emergency.raised` arrives. */
  raising = new Map<string, EmergencyNotice>();
  alerts = new Map<string, AlertView>();
  cameras = new Map<string, CameraView>();
  evidence = new Map<string, EvidenceRecord>();
  /** Newest last; each journal event at most once. */
  log: ConsoleEvent[] = [];
  tracking: TrackingState = emptyTracking();
  /** The suspect track the tracking panel has selected, drawn on the map. */
  track: TrackOverlay | null = null;
  connection: Connection = 'connecting';
  seq = 0;
  private readonly byIssi = new Map<number, UnitView>();
  private readonly alertByRef = new Map<string, string>();
  private readonly listeners = new Set<(topics: ReadonlySet<Topic>) => void>();

  subscribe(fn: (topics: ReadonlySet<Topic>) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Tells the panels something outside the stream changed (e.g. the tracking service was found). */
  changed(topics: Topic[]): void {
    this.emit(topics);
  }

  private emit(topics: Iterable<Topic>): void {
    const set = new Set(topics);
    if (set.size === 0) return;
    for (const fn of this.listeners) fn(set);
  }

  setConnection(c: Connection): void {
    if (c === this.connection) return;
    this.connection = c;
    this.emit(['connection']);
  }

  reset(s: StateSnapshot): void {
    this.seq = s.seq;
    this.units = new Map(s.units.map((u) => [u.id, u]));
    this.byIssi.clear();
    for (const u of s.units) this.byIssi.set(u.issi, u);
    this.emergencies = new Map(s.emergencies.map((e) => [e.id, e]));
    // The snapshot holds every emergency on record; one still being committed arrives as its event.
    for (const [id, n] of this.raising) if (n.state === 'recording' || this.emergencies.has(id)) this.raising.delete(id);
    this.alerts = new Map(s.alerts.map((a) => [a.id, a]));
    this.cameras = new Map(s.cameras.map((c) => [c.id, c]));
    this.evidence = new Map(s.evidence.map((r) => [r.id, r]));
    this.tracking = trackingFrom(s);
    this.emit(['units', 'positions', 'emergencies', 'alerts', 'cameras', 'evidence', 'events', 'tracking']);
  }

  /** Applies a batch in seq order; an event already seen (seq ≤ the last) is skipped, never doubled. */
  applyBatch(events: ConsoleEvent[], head: number): void {
    const topics = new Set<Topic>();
    for (const e of events) {
      if (e.seq <= this.seq) continue;
      this.seq = e.seq;
      this.log.push(e);
      topics.add('events');
      for (const t of this.apply(e)) topics.add(t);
    }
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.seq = Math.max(this.seq, head);
    this.emit(topics);
  }

  /**
   * An emergency announced before its commit: shown (and sounding) at once, until its journal
   * event replaces it. One the journal refused stays, marked, until dismissed or raised again.
   */
  applyRaising(n: EmergencyNotice): void {
    if (n.state === 'withdrawn' || this.emergencies.has(n.emergencyId)) {
      if (!this.raising.delete(n.emergencyId)) return;
    } else this.raising.set(n.emergencyId, n);
    this.emit(['emergencies']);
  }

  /** A controller has read that an announced emergency was not recorded. */
  dismissRaising(emergencyId: string): void {
    if (this.raising.delete(emergencyId)) this.emit(['emergencies']);
  }

  /** Units as the gateway's projection has them now; a fix the console already has newer is kept. */
  applyUnits(units: UnitView[]): void {
    for (const next of units) {
      const u = this.units.get(next.id);
      const fix = u?.fix && next.fix && Date.parse(u.fix.fixTime) > Date.parse(next.fix.fixTime) ? u.fix : next.fix;
      if (u) Object.assign(u, next, { fix });
      else {
        this.units.set(next.id, next);
        this.byIssi.set(next.issi, next);
      }
    }
    if (units.length) this.emit(['units']);
  }

  /** Incidents as the gateway's projection has them: its record replaces the one derived here. */
  applyIncidents(incidents: IncidentRecord[]): void {
    for (const i of incidents) this.tracking.incidents.set(i.incidentId, i);
    if (incidents.length) this.emit(['tracking']);
  }

  applyPositions(updates: PositionUpdate[]): void {
    let changed = false;
    for (const p of updates) {
      const u = this.byIssi.get(p.issi);
      if (!u || (u.fix && Date.parse(u.fix.fixTime) > Date.parse(p.fixTime))) continue;
      u.fix = {
        lat: p.lat,
        lon: p.lon,
        accuracyM: p.accuracyM,
        speedKmh: u.fix?.speedKmh ?? null,
        headingDeg: u.fix?.headingDeg ?? null,
        fixTime: p.fixTime,
        receivedAt: Date.now(),
      };
      changed = true;
    }
    if (changed) this.emit(['positions']);
  }

  private apply(e: ConsoleEvent): Topic[] {
    const topics: Topic[] = applyTracking(this.tracking, e, (x) => this.placeOf(x)) ? ['tracking'] : [];
    // An erased payload (retention) changes nothing here.
    if (e.payload === null) return topics;
    // A resumed console gets the fixes it missed here; each unit's state comes as `units:state`.
    if (isEvent(e, 'radio.position') && e.payload) {
      const p = e.payload;
      this.applyPositions([{ issi: p.issi, lat: p.lat, lon: p.lon, accuracyM: p.accuracyM ?? null, fixTime: p.fixTime, seq: e.seq }]);
    } else if (isEvent(e, 'radio.receipt')) topics.push(...this.applyReceipt(e));
    else if (isEvent(e, 'emergency.raised', 'emergency.repeat', 'emergency.realert', 'emergency.acknowledged', 'emergency.resolved'))
      topics.push(...this.applyEmergency(e));
    else if (isEvent(e, 'alert.sent', 'alert.pei-sent', 'alert.timed-out', 'alert.delivery')) topics.push(...this.applyAlert(e));
    else if (isEvent(e, 'camera.online', 'camera.offline', 'cctv.fault')) topics.push(...this.applyCamera(e));
    else if (isEvent(e, 'evidence.verified', 'evidence.clip-recorded', 'evidence.marked-evidential', 'evidence.hold', 'evidence.deleted'))
      topics.push(...this.applyEvidence(e));
    return topics;
  }

  /** Where a shop report or CCTV sighting puts someone: the premises, or the camera's zone. */
  private placeOf(p: Place): { zone: string | null; position: LonLat | null } {
    const prem = this.site?.premises.find((x) => x.id === p.premisesId);
    if (prem) return { zone: prem.zone, position: prem.position };
    const cam = this.site?.cameras.find((x) => x.id === p.cameraId);
    const zone = this.site?.zones.find((z) => z.id === (cam?.zone ?? p.zone));
    return { zone: zone?.id ?? null, position: zone ? centre(zone.polygon) : null };
  }

  private applyEmergency(
    e: ConsoleEvent<'emergency.raised' | 'emergency.repeat' | 'emergency.realert' | 'emergency.acknowledged' | 'emergency.resolved'>,
  ): Topic[] {
    // The gateway's emergencies projection applies the same function (contract/emergency-lifecycle.ts).
    const em = applyEmergencyEvent(this.emergencies, e);
    if (em) {
      this.raising.delete(em.id);
      // The unit's press is on record now: an earlier refused announcement of it is answered.
      if (e.type === 'emergency.raised') for (const [id, n] of this.raising) if (n.unitId === em.unitId && n.state === 'unrecorded') this.raising.delete(id);
    }
    return em ? ['emergencies'] : [];
  }

  private applyAlert(e: ConsoleEvent<'alert.sent' | 'alert.pei-sent' | 'alert.timed-out' | 'alert.delivery'>): Topic[] {
    if (e.type === 'alert.sent' && e.payload) {
      const p = e.payload;
      this.alerts.set(p.alertId, {
        id: p.alertId,
        text: p.text,
        priority: p.priority,
        sentBy: e.actor,
        sentAt: e.ts,
        talkgroups: p.talkgroups,
        kind: p.kind === 'text' ? 'text' : 'alert',
        recipients: p.recipients.map((r) => ({ ...r, status: 'pending', at: null })),
      });
    } else if (e.type === 'alert.pei-sent' && e.payload) {
      // Same rule as the gateway's projection: a concatenated alert is settled by alert.delivery.
      const p = e.payload;
      if ('parts' in p) for (const ref of p.parts) this.alertByRef.delete(`${p.to}/${ref}`);
      else this.alertByRef.set(`${p.to}/${p.msgRef}`, p.alertId);
    } else if (e.type === 'alert.timed-out' && e.payload) {
      for (const r of this.alerts.get(e.payload.alertId)?.recipients ?? []) if (r.status === 'pending') Object.assign(r, { status: 'timed-out', at: e.ts });
    } else if (e.type === 'alert.delivery' && e.payload) {
      // Same rule as the gateway's projection: a send failure (or a wait for the link) with its reason.
      const p = e.payload;
      const r = this.alerts.get(p.alertId)?.recipients.find((x) => x.unitId === p.unitId);
      if (r && r.status !== 'read') {
        if (p.status === 'read' || (p.status === 'delivered' && r.status !== 'delivered')) Object.assign(r, { status: p.status, at: e.ts, reason: null });
        else if (r.status === 'delivered') return ['alerts'];
        else if (p.status === 'failed') Object.assign(r, { status: 'failed', at: e.ts, reason: p.reason });
        else if (r.status === 'pending') r.reason = p.reason;
      }
    }
    return ['alerts'];
  }

  private applyReceipt(e: ConsoleEvent<'radio.receipt'>): Topic[] {
    const p = e.payload;
    if (!p) return [];
    // Over MQTT a receipt names the alert (its message id); over PEI, the SDS it answers.
    const alertId = 'msgId' in p ? p.msgId : this.alertByRef.get(`${p.issi}/${p.msgRef}`);
    const r = alertId ? this.alerts.get(alertId)?.recipients.find((x) => x.issi === p.issi) : undefined;
    // A late receipt still counts; "read" may follow "delivered".
    if (r && (r.status === 'pending' || r.status === 'timed-out' || (r.status === 'delivered' && p.status === 'read'))) {
      const status: DeliveryStatus = p.status;
      Object.assign(r, { status, at: e.ts, reason: 'reason' in p && typeof p.reason === 'string' ? p.reason : null });
      return ['alerts'];
    }
    return [];
  }

  private applyCamera(e: ConsoleEvent<'camera.online' | 'camera.offline' | 'cctv.fault'>): Topic[] {
    const cam = e.payload ? this.cameras.get(e.payload.cameraId) : undefined;
    if (!cam) return [];
    if (e.type === 'camera.online' || e.type === 'camera.offline')
      Object.assign(cam, { health: e.type === 'camera.online' ? 'online' : 'offline', healthSince: e.ts });
    else if (e.type === 'cctv.fault') cam.lastFault = e.payload?.fault ?? null;
    return ['cameras'];
  }

  private applyEvidence(
    e: ConsoleEvent<'evidence.verified' | 'evidence.clip-recorded' | 'evidence.marked-evidential' | 'evidence.hold' | 'evidence.deleted'>,
  ): Topic[] {
    if (!e.payload) return [];
    if (e.type === 'evidence.clip-recorded') {
      if (this.evidence.has(e.payload.evidenceId)) return [];
      this.evidence.set(e.payload.evidenceId, clipRecord(e.payload, e.ts, e.actor, 0));
      return ['evidence'];
    }
    if (e.type === 'evidence.verified') {
      // Keyed by exhibit (one camera's recording), as the gateway is.
      const p = e.payload;
      const id = p.evidenceId;
      if (this.evidence.has(id)) return [];
      const wearer = p.wearer;
      this.evidence.set(id, {
        id,
        cam: p.cam,
        fileNo: p.fileNo,
        wearer,
        unassigned: wearer === null,
        dockId: p.dockId,
        bay: p.bay,
        name: p.name,
        recStart: p.recStart,
        recEnd: p.recEnd,
        size: p.size,
        deviceSha256: p.deviceSha256,
        receivedSha256: p.sha256,
        gps: p.gps,
        category: 'non-evidential',
        incidents: [],
        hold: false,
        retainUntil: 0,
        verifiedAt: e.ts,
        deleted: null,
      });
      return ['evidence'];
    }
    const r = this.evidence.get(e.payload.evidenceId);
    if (!r) return [];
    if (e.type === 'evidence.marked-evidential') {
      r.category = 'evidential';
      if (!r.incidents.includes(e.payload.incidentId)) r.incidents.push(e.payload.incidentId);
    } else if (e.type === 'evidence.hold') r.hold = e.payload.on;
    else if (e.type === 'evidence.deleted') r.deleted = { at: e.ts, reason: e.payload.reason };
    return ['evidence'];
  }

  unitByIssi(issi: number): UnitView | undefined {
    return this.byIssi.get(issi);
  }

  callsign(unitId: string): string {
    return this.units.get(unitId)?.callsign ?? this.site?.units.find((u) => u.id === unitId)?.callsign ?? unitId;
  }

  /** Open emergencies, oldest first, with those announced and not yet on record. */
  openEmergencies(): ShownEmergency[] {
    const announced: ShownEmergency[] = [...this.raising.values()].map((n) => ({
      ...openedEmergency(n, n.raisedAt),
      recording: { state: n.state === 'unrecorded' ? 'unrecorded' : 'recording', reason: n.reason ?? null, bearer: n.bearer },
    }));
    const open = [...this.emergencies.values()].filter((e) => e.state !== 'resolved');
    return [...open, ...announced].sort((a, b) => a.raisedAt - b.raisedAt);
  }
}
