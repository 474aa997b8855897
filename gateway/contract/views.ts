import type { Config } from '../../config/schema';
import type { BreachRecord, CboRecord, IncidentRecord, Sighting, SubjectRecord, Track } from './tracking-views';

/**
 * The views: the shapes of the state the gateway's projections compute and the console shows
 * (the state snapshot, `units:state`, the REST answers). They live in the contract so that a
 * change to a view is a change to the wire format, made here on purpose; the projections
 * implement them (`snapshot(): StateSnapshot` is checked against this file).
 */

export type UnitState = Config['radio']['statusCodes'][string]['state'] | 'unknown';

export interface Fix {
  lat: number;
  lon: number;
  accuracyM: number | null;
  speedKmh: number | null;
  headingDeg: number | null;
  fixTime: string;
  /** Journal time the fix was received: the age shown to controllers counts from here. */
  receivedAt: number;
}

export interface UnitView {
  id: string;
  callsign: string;
  role: string;
  issi: number;
  state: UnitState;
  statusValue: number | null;
  fix: Fix | null;
  lastHeard: number | null;
  talking: { talkgroup: number; since: number } | null;
  online: boolean | null;
  lostContact: boolean;
  /** How the unit's radio was last heard: an MQTT handset or a TETRA radio via PEI. */
  bearer: 'mqtt' | 'pei' | null;
  /** The unit's open emergency: shown as EMERGENCY whatever its status says, until resolved. */
  emergencyId: string | null;
  /** The incident the unit was sent to, until it closes (which releases the unit). */
  incidentId: string | null;
}

export interface EmergencyView {
  id: string;
  unitId: string;
  issi: number;
  trigger: string;
  raisedAt: number;
  presses: number;
  state: 'open' | 'acknowledged' | 'resolved';
  owner: string | null;
  acknowledgedAt: number | null;
  outcome: 'genuine' | 'false' | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  lastAlertAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'read' | 'failed' | 'timed-out';

export interface AlertView {
  id: string;
  text: string;
  priority: string;
  sentBy: string | null;
  sentAt: number;
  talkgroups: string[];
  /** `text`: a message in one unit's conversation (Messages), not an alert. */
  kind: 'alert' | 'text';
  /** How long recipients had to confirm (scaled by the number of TETRA radios); absent on old alerts. */
  timeoutMs?: number;
  /** `reason`: why a send failed, or why it is still waiting (link down), in the radio's words. */
  recipients: Array<{ unitId: string; issi: number; status: DeliveryStatus; at: number | null; reason?: string | null }>;
}

export interface CameraView {
  id: string;
  name: string;
  zone: string;
  position: readonly [number, number];
  bearingDeg: number;
  fovDeg: number;
  rangeM: number;
  ptz: boolean;
  health: 'unknown' | 'online' | 'offline';
  healthSince: number | null;
  lastFault: string | null;
}

export interface EvidenceRecord {
  /**
   * The exhibit: one recording of one camera (see gateway/evidence/exhibit.ts). Journals from
   * before exhibits used the content hash here. The bytes are `receivedSha256` in the store,
   * which several exhibits may share.
   */
  id: string;
  cam: string;
  fileNo: number;
  wearer: string | null;
  /** No camera-to-wearer assignment was found: someone must attribute this footage. */
  unassigned: boolean;
  dockId: string;
  bay: number;
  name: string;
  recStart: string;
  recEnd: string;
  size: number;
  deviceSha256: string;
  receivedSha256: string;
  gps: { lat: number; lon: number } | null;
  category: 'non-evidential' | 'evidential';
  incidents: string[];
  hold: boolean;
  retainUntil: number;
  verifiedAt: number;
  deleted: { at: number; reason: string } | null;
  /** A clip an operator recorded from a live camera (`cam` is then the camera's id); absent: a body-worn camera's. */
  origin?: 'cctv';
  /** Who recorded the clip (CCTV clips only). */
  recordedBy?: string;
}

/** A received file whose hash or size did not match its offer: quarantined, the camera kept it. */
export interface MismatchAlarm {
  /** The journal event id of the `evidence.hash-mismatch`. */
  id: string;
  at: number;
  dockId: string;
  cam: string;
  fileNo: number;
  name: string;
  offered: string;
  received: string;
  reason: string;
  acknowledged: { by: string; at: number; note: string } | null;
}

export interface DeviceView {
  clientId: string;
  username: string;
  role: string | null;
  online: boolean;
  since: number;
}

export interface TracksState {
  tracks: Track[];
  /** Sightings not (yet) linked to any subject, newest last. */
  unlinked: Sighting[];
}

/** Everything the projections hold, as of `seq`: what a console gets on connect (trimmed per role by `snapshotFor`). */
export interface StateSnapshot {
  seq: number;
  units: UnitView[];
  devices: DeviceView[];
  cameras: CameraView[];
  emergencies: EmergencyView[];
  alerts: AlertView[];
  evidence: EvidenceRecord[];
  subjects: SubjectRecord[];
  cbos: CboRecord[];
  breaches: BreachRecord[];
  tracks: TracksState;
  incidents: IncidentRecord[];
  /** Ids of the subjects on the watch list (ids only: names come from the gallery API, which journals each view). */
  watched?: string[];
}

/** A dock's live transfers (`GET /api/docks`): progress is live state, not journaled. */
export interface DockTransfer {
  cam: string;
  bay: number;
  fileNo: number;
  name: string;
  /** Bytes durable at the gateway. */
  offset: number;
  size: number;
  state: 'receiving' | 'verified' | 'quarantined' | 'undocked' | 'interrupted';
  updatedAt: string;
}

export interface DockLive {
  dockId: string;
  /** The dock's name in the site's configuration, which people read ("Security Office Dock A"). */
  name: string;
  linkUp: boolean;
  /**
   * Per camera and file (`cam/fileNo`): the durable offset, updated at least every second while
   * bytes arrive, and the final state kept after the transfer ends or the camera leaves the bay
   * (until that camera docks again).
   */
  transfers: Record<string, DockTransfer>;
  /** Set while offers are refused for want of disk space (an alarm is journaled once per episode). */
  refusing: { since: string; reason: string } | null;
}

/** One custody event of an exhibit (`GET /api/evidence/:id/custody`, and the bundle's custody log). */
export interface CustodyEntry {
  seq: number;
  ts: string;
  type: string;
  actor: string | null;
  source: string;
}
