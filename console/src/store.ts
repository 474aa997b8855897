import type { LonLat, SiteInfo } from '../../gateway/contract/api';
import type {
  AlertView,
  CameraView,
  ConsoleEvent,
  DeliveryStatus,
  EmergencyView,
  EvidenceRecord,
  PositionUpdate,
  StateSnapshot,
  UnitView,
} from '../../gateway/contract/socket';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import { centre } from './geo';
import { applyTracking, emptyTracking, trackingFrom, type TrackingState } from './tracking-state';

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

type P = Record<string, unknown>;

/** How many journal events the live log keeps in memory. */
const LOG_LIMIT = 2000;

/**
 * The console's copy of the live state: the snapshot it was sent, kept current by the journal
 * events that follow, as the gateway's projections are. Units are not derived here at all: the
 * gateway sends each unit's state as its projection computes it (`units:state`), so dispatch,
 * arrival, close and emergencies cannot drift from what the gateway ranks and records. The few
 * rules still restated (receipts, emergencies, evidence) come from the event types the
 * contract names; the snapshot on every reconnect corrects any drift.
 */
export class Store {
  site: SiteInfo | null = null;
  units = new Map<string, UnitView>();
  emergencies = new Map<string, EmergencyView>();
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
    const p = (e.payload ?? {}) as P;
    const topics: Topic[] = applyTracking(this.tracking, e, (x) => this.placeOf(x)) ? ['tracking'] : [];
    // A resumed console gets the fixes it missed here; each unit's state comes as `units:state`.
    if (e.type === 'radio.position' && typeof p.issi === 'number') {
      this.applyPositions([
        {
          issi: p.issi,
          lat: p.lat as number,
          lon: p.lon as number,
          accuracyM: (p.accuracyM as number | null) ?? null,
          fixTime: p.fixTime as string,
          seq: e.seq,
        },
      ]);
    } else if (e.type === 'radio.receipt') topics.push(...this.applyReceipt(e, p));
    else if (e.type.startsWith('emergency.')) topics.push(...this.applyEmergency(e, p));
    else if (e.type.startsWith('alert.')) topics.push(...this.applyAlert(e, p));
    else if (e.type.startsWith('camera.') || e.type === 'cctv.fault') topics.push(...this.applyCamera(e, p));
    else if (e.type.startsWith('evidence.')) topics.push(...this.applyEvidence(e, p));
    return topics;
  }

  /** Where a shop report or CCTV sighting puts someone: the premises, or the camera's zone. */
  private placeOf(p: P): { zone: string | null; position: LonLat | null } {
    const prem = this.site?.premises.find((x) => x.id === p.premisesId);
    if (prem) return { zone: prem.zone, position: prem.position };
    const cam = this.site?.cameras.find((x) => x.id === p.cameraId);
    const zone = this.site?.zones.find((z) => z.id === (cam?.zone ?? p.zone));
    return { zone: zone?.id ?? null, position: zone ? centre(zone.polygon) : null };
  }

  private applyEmergency(e: ConsoleEvent, p: P): Topic[] {
    const id = p.emergencyId as string;
    if (e.type === 'emergency.raised') {
      this.emergencies.set(id, {
        id,
        unitId: p.unitId as string,
        issi: p.issi as number,
        trigger: p.trigger as string,
        raisedAt: e.ts,
        presses: 1,
        state: 'open',
        owner: null,
        acknowledgedAt: null,
        outcome: null,
        resolvedBy: null,
        resolvedAt: null,
        lastAlertAt: e.ts,
      });
      return ['emergencies'];
    }
    const em = this.emergencies.get(id);
    if (!em) return [];
    if (e.type === 'emergency.repeat') em.presses += 1;
    else if (e.type === 'emergency.realert') em.lastAlertAt = e.ts;
    else if (e.type === 'emergency.acknowledged') Object.assign(em, { state: 'acknowledged', owner: e.actor, acknowledgedAt: e.ts });
    else if (e.type === 'emergency.resolved') Object.assign(em, { state: 'resolved', outcome: p.outcome, resolvedBy: e.actor, resolvedAt: e.ts });
    return ['emergencies'];
  }

  private applyAlert(e: ConsoleEvent, p: P): Topic[] {
    if (e.type === 'alert.sent') {
      this.alerts.set(p.alertId as string, {
        id: p.alertId as string,
        text: p.text as string,
        priority: p.priority as string,
        sentBy: e.actor,
        sentAt: e.ts,
        talkgroups: p.talkgroups as string[],
        kind: p.kind === 'text' ? 'text' : 'alert',
        recipients: (p.recipients as Array<{ unitId: string; issi: number }>).map((r) => ({ ...r, status: 'pending', at: null })),
      });
    } else if (e.type === 'alert.pei-sent') {
      this.alertByRef.set(`${p.to as number}/${p.msgRef as number}`, p.alertId as string);
    } else if (e.type === 'alert.timed-out') {
      for (const r of this.alerts.get(p.alertId as string)?.recipients ?? []) if (r.status === 'pending') Object.assign(r, { status: 'timed-out', at: e.ts });
    } else if (e.type === 'alert.delivery') {
      // Same rule as the gateway's projection: a send failure (or a wait for the link) with its reason.
      const r = this.alerts.get(p.alertId as string)?.recipients.find((x) => x.unitId === p.unitId);
      if (r && r.status !== 'delivered' && r.status !== 'read') {
        if (p.status === 'failed') Object.assign(r, { status: 'failed', at: e.ts, reason: p.reason as string });
        else if (r.status === 'pending') r.reason = p.reason as string;
      }
    }
    return ['alerts'];
  }

  private applyReceipt(e: ConsoleEvent, p: P): Topic[] {
    const alertId = typeof p.msgId === 'string' ? p.msgId : this.alertByRef.get(`${p.issi as number}/${p.msgRef as number}`);
    const r = alertId ? this.alerts.get(alertId)?.recipients.find((x) => x.issi === p.issi) : undefined;
    // A late receipt still counts; "read" may follow "delivered".
    if (r && (r.status === 'pending' || r.status === 'timed-out' || (r.status === 'delivered' && p.status === 'read'))) {
      Object.assign(r, { status: p.status as DeliveryStatus, at: e.ts, reason: typeof p.reason === 'string' ? p.reason : null });
      return ['alerts'];
    }
    return [];
  }

  private applyCamera(e: ConsoleEvent, p: P): Topic[] {
    const cam = this.cameras.get(p.cameraId as string);
    if (!cam) return [];
    if (e.type === 'camera.online' || e.type === 'camera.offline')
      Object.assign(cam, { health: e.type === 'camera.online' ? 'online' : 'offline', healthSince: e.ts });
    else if (e.type === 'cctv.fault') cam.lastFault = (p.fault as string | undefined) ?? null;
    return ['cameras'];
  }

  private applyEvidence(e: ConsoleEvent, p: P): Topic[] {
    if (e.type === 'evidence.verified') {
      // Keyed by exhibit (one camera's recording), as the gateway is; old journals used the hash.
      const id = (p.evidenceId as string | undefined) ?? (p.sha256 as string);
      if (this.evidence.has(id)) return [];
      const wearer = (p.wearer as string | null) ?? null;
      this.evidence.set(id, {
        id,
        cam: p.cam as string,
        fileNo: p.fileNo as number,
        wearer,
        unassigned: wearer === null,
        dockId: p.dockId as string,
        bay: p.bay as number,
        name: p.name as string,
        recStart: p.recStart as string,
        recEnd: p.recEnd as string,
        size: p.size as number,
        deviceSha256: p.deviceSha256 as string,
        receivedSha256: p.sha256 as string,
        gps: (p.gps as EvidenceRecord['gps']) ?? null,
        category: 'non-evidential',
        incidents: [],
        hold: false,
        retainUntil: 0,
        verifiedAt: e.ts,
        deleted: null,
      });
      return ['evidence'];
    }
    const r = this.evidence.get(p.evidenceId as string);
    if (!r) return [];
    if (e.type === 'evidence.marked-evidential') {
      r.category = 'evidential';
      if (typeof p.incidentId === 'string' && !r.incidents.includes(p.incidentId)) r.incidents.push(p.incidentId);
    } else if (e.type === 'evidence.hold') r.hold = p.on === true;
    else if (e.type === 'evidence.deleted') r.deleted = { at: e.ts, reason: p.reason as string };
    return ['evidence'];
  }

  unitByIssi(issi: number): UnitView | undefined {
    return this.byIssi.get(issi);
  }

  callsign(unitId: string): string {
    return this.units.get(unitId)?.callsign ?? this.site?.units.find((u) => u.id === unitId)?.callsign ?? unitId;
  }

  openEmergencies(): EmergencyView[] {
    return [...this.emergencies.values()].filter((e) => e.state !== 'resolved').sort((a, b) => a.raisedAt - b.raisedAt);
  }
}
