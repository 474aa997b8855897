import type { LonLat } from '../../config/geo';
import type { IncidentGrade } from '../../config/schema';

/**
 * What the tracking API and the tracking parts of the state snapshot carry: sightings and
 * tracks, subjects and their orders, incidents and breaches, dispatch rankings, hotspots; and
 * the fixed vocabularies their fields take (days, call channels, outcomes), which the API's
 * input schemas (contract/tracking.ts) validate against. The gateway's tracking logic
 * (gateway/tracking/) computes these shapes; it does not define them.
 */

/** Days of the week, as CBO windows name them (local time, see gateway/tracking/clock.ts). */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

// Sightings and tracks

/** How exactly a sighting's position is known. */
export type Precision = 'point' | 'premises' | 'camera' | 'zone';

export type SourceKind = 'shop' | 'cctv' | 'radio' | 'bodycam' | 'patrol';

export interface Sighting {
  /** `sg-<journal id of the report it came from>`: stable across replays. */
  id: string;
  subjectId: string | null;
  at: string;
  atMs: number;
  kind: SourceKind;
  via: 'mqtt' | 'api';
  /** Who reported it: a username, a camera operator, or the device account. */
  reporter: string | null;
  premisesId: string | null;
  cameraId: string | null;
  unitId: string | null;
  position: LonLat | null;
  zone: string | null;
  precision: Precision;
  description: string | null;
  category: string | null;
  media: string[];
  causeSeq: number;
  /**
   * Set when the sighting implies a move faster than anyone walks from the one before: kept on
   * the track and shown, but it steers no prediction until `confirmed` (a later sighting that
   * follows on from it).
   */
  implausible?: ImplausibleMove | undefined;
  /** The subject id the reporter gave when it names nobody in the gallery: kept for a controller to resolve. */
  unknownSubjectId?: string | undefined;
}

export interface ImplausibleMove {
  /** The sighting it was judged against. */
  fromSightingId: string;
  fromZone: string | null;
  elapsedSeconds: number;
  /** The least walking time the move needs, allowing for how loosely each place is known. */
  walkSeconds: number;
  /** The walking distance over the time elapsed. */
  impliedSpeedMps: number;
  confirmed: boolean;
}

export interface Track {
  trackId: string;
  subjectId: string;
  state: 'active' | 'ended';
  /** Oldest first, by the time seen (a late report slots into its place). */
  sightings: Sighting[];
  currentZones: string[];
  enteredZones: string[];
}

export interface Prediction {
  zone: string;
  /** Shortest walk from the zone last seen in. */
  walkSeconds: number;
  /** The earliest they could be there: last seen + walk. */
  reachableAt: string;
  /** Away from where they came from (more likely than doubling back, but doubling back is kept). */
  onward: boolean;
  /** Relative likelihood, 0–1: nearer is likelier; doubling back counts half. The list is in this order. */
  likelihood: number;
  /** Some camera's field of view covers the zone (or a PTZ camera homed there can turn to it). */
  covered: boolean;
}

/** Frigate's shape for an object's state in `{type, before, after}`. */
export interface TrackSummary {
  trackId: string;
  subjectId: string;
  state: 'active' | 'ended';
  current_zones: string[];
  entered_zones: string[];
  sightings: number;
  sources: SourceKind[];
  firstSeenAt: string;
  last: Pick<Sighting, 'id' | 'at' | 'kind' | 'zone' | 'position' | 'precision' | 'premisesId' | 'cameraId'>;
}

export interface CameraCover {
  cameraId: string;
  /** Share of the camera's field of view inside the zone (0 for a camera homed there that looks out). */
  share: number;
  ptz: boolean;
}

/** One camera to bring up: on the zone the subject is in now, or on a zone they may reach next. */
export interface Handover extends CameraCover {
  zone: string;
  /** Null for the current zone; otherwise the earliest the subject could be there. */
  reachableAt: string | null;
}

/** `GET /api/subjects/:id/track`: the fused track, where they may be heading, which cameras to use. */
export interface TrackView {
  track: Track;
  summary: TrackSummary;
  predicted: Prediction[];
  handover: Handover[];
}

// Subjects and their orders

export type CboState = 'warning' | 'issued' | 'extended' | 'expired' | 'revoked';

/**
 * What kind of order: a court's Criminal Behaviour Order, the partnership's own exclusion
 * notice, or a Community Protection Warning / Notice (Anti-social Behaviour, Crime and Policing
 * Act 2014, s.43: a written warning first, then the notice). All follow one lifecycle: a CPW is
 * recorded as a warning, a CPN or CBO as issued. Journals from before kinds hold CBOs.
 */
export const ORDER_KINDS = ['cbo', 'exclusion-notice', 'cpw', 'cpn'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** Local times; `from` > `to` crosses midnight (20:00–06:00). `days` are days the window starts; empty = every day. */
export interface TimeWindow {
  days: Day[];
  from: string;
  to: string;
}

export interface ExclusionArea {
  name: string;
  polygon: LonLat[];
}

export interface CboTerms {
  subjectId: string;
  /** Absent in journals from before kinds: a CBO. */
  kind?: OrderKind;
  /** Court or notice reference, as written on the order. */
  reference: string | null;
  conditions: string;
  excludedZones: string[];
  excludedAreas: ExclusionArea[];
  excludedPremises: string[];
  /** When the exclusion applies; empty = at all times. */
  windows: TimeWindow[];
  startsAt: string;
  expiresAt: string;
  /** Shared with member premises, as orders are, so they can report breaches. */
  sharedWithMembers: boolean;
}

export interface CboRecord extends CboTerms {
  id: string;
  state: CboState;
  history: Array<{ state: CboState; at: number; actor: string | null }>;
}

export interface SubjectRecord {
  id: string;
  /** Known: identified by name. Sought: identity unknown, described and pictured. */
  status: 'known' | 'sought';
  name: string | null;
  aliases: string[];
  dob: string | null;
  photoRef: string | null;
  /** The photo's thumbnail for lists (absent for photos stored before thumbnails were made). */
  thumbRef?: string | null;
  description: string;
  /** Searchable physical features, `key:value` tags such as `hair:ginger`, `tattoo:left-hand`. */
  features: string[];
  /** Warning markers for officers (violent, weapons…): restricted. */
  markers: string[];
  sharedWithMembers: boolean;
  /**
   * Until when members may see the subject (ISO time): the controller's or officer's decision to
   * share always carries an expiry. Null or absent: shared (by the API's create) until withdrawn.
   */
  sharedWithMembersUntil?: string | null;
  /** On the watch list: who put them there, when and why (journal time). Absent: not watched. */
  watch?: SubjectWatch | null;
  /** Shared with the region: its record and sightings leave the site (see the uplink rules). */
  sharedRegionally: boolean;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
}

export interface SubjectWatch {
  since: number;
  by: string | null;
  reason: string;
}

export type Access = 'full' | 'shared';

export interface CboView {
  id: string;
  kind?: OrderKind;
  state: CboRecord['state'];
  reference: string | null;
  conditions: string;
  excludedZones: string[];
  excludedAreas: CboRecord['excludedAreas'];
  excludedPremises: string[];
  windows: CboRecord['windows'];
  startsAt: string;
  expiresAt: string;
}

export interface SubjectView {
  id: string;
  status: SubjectRecord['status'];
  access: Access;
  description: string;
  photoRef: string | null;
  features: string[];
  sharedWithMembers: boolean;
  sharedWithMembersUntil?: string | null;
  sharedRegionally: boolean;
  name?: string | null;
  aliases?: string[];
  dob?: string | null;
  markers?: string[];
  /** Full access only. */
  watch?: SubjectWatch | null;
  cbos: CboView[];
}

// Incidents and breaches

/** How a call reaches the control room: the 101 line, a 999 call transferred by the police, a radio call, someone at the desk, a camera. */
export const CALL_CHANNELS = ['101', '999', 'radio', 'walk-in', 'cctv'] as const;
export type CallChannel = (typeof CALL_CHANNELS)[number];

export type IncidentState = 'reported' | 'graded' | 'dispatched' | 'on-scene' | 'closed';

/**
 * How an incident ended. Diversions and referrals are outcomes of their own (a partnership counts
 * them): Open to Recovery, community resolution, restorative justice, youth diversion. The last
 * five were the only ones before; journals keep them.
 */
export const OUTCOMES = [
  'arrest',
  'referred-open-to-recovery',
  'community-resolution',
  'restorative-justice',
  'youth-diversion',
  'no-further-action',
  'words-of-advice',
  'no-trace',
  'false-report',
  'resolved',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface IncidentReport {
  incidentId: string;
  category: string;
  description: string;
  zone: string | null;
  position: LonLat | null;
  premisesId: string | null;
  subjectId: string | null;
  /** When it happened, as reported. */
  reportedAt: string;
  origin: { kind: 'shop-report' | 'breach' | 'console'; ref: string | null };
  /** How a call taken in the control room came in (console incidents only). */
  channel?: CallChannel;
  /** Who called, when they gave it (console calls only): personal data, dropped by the uplink and erasable. */
  caller?: CallerDetails;
  /**
   * In the live picture the caller is never sent (see `withoutCaller`): this says there is one,
   * and a role with `incident.caller` asks the incident's own record for it.
   */
  callerOnFile?: boolean;
  /** The subject is shared with the region (stamped when journaled; the uplink rules read it). */
  sharedRegionally?: boolean;
}

export interface CallerDetails {
  name: string | null;
  /** A number to call back on. */
  phone: string | null;
}

export interface Assignment {
  unitId: string;
  callsign: string;
  issi: number;
  msgId: string;
  dispatchedAt: number;
  dispatchedBy: string | null;
  /** Walking seconds the ranking estimated at dispatch, and the unit's place in it. */
  travelSeconds: number | null;
  rank: number | null;
  receipt: 'pending' | 'delivered' | 'read' | 'failed';
  arrivedAt: number | null;
}

export interface IncidentRecord extends IncidentReport {
  /** The number people quote (`TW-2026-000123`): the incident's place in its year, from the journal's order. */
  reference?: string;
  state: IncidentState;
  /** Journal time it was opened: response targets count from here. */
  openedAt: number;
  grade: IncidentGrade | null;
  units: Assignment[];
  dispatchedAt: number | null;
  onSceneAt: number | null;
  /** Dispatch to first arrival. */
  responseSeconds: number | null;
  /** Opened to first arrival within the grade's target. */
  withinTarget: boolean | null;
  closedAt: number | null;
  outcome: Outcome | null;
  history: Array<{ state: IncidentState; at: number; actor: string | null }>;
}

export interface BreachDetected {
  breachId: string;
  cboId: string;
  subjectId: string;
  sightingId: string;
  at: string;
  zone: string | null;
  position: LonLat | null;
  premisesId: string | null;
  reasons: Array<{ kind: string; zone?: string; name?: string; premisesId?: string }>;
  /** As on IncidentReport. */
  sharedRegionally?: boolean;
}

export interface BreachRecord extends BreachDetected {
  detectedAt: number;
  /** The incident the breach opened. */
  incidentId: string;
  acknowledged: { by: string | null; at: number; note: string | null } | null;
}

// Dispatch and analysis

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

/**
 * Why a unit is left out of a ranking: in emergency, on another incident (en route or on scene),
 * otherwise not available (busy, off duty), lost contact, radio offline, no fix (none yet, or
 * none for longer than `incidents.maxFixAgeSeconds`), or no walk from where it is.
 */
export type ExcludedReason = 'emergency' | 'on-incident' | 'not-available' | 'no-fix' | 'lost-contact' | 'offline' | 'unreachable';

export interface ExcludedUnit {
  unitId: string;
  callsign: string;
  reason: ExcludedReason;
  /** The unit's state as its radio last said (for "not-available": busy, off duty…). */
  state?: string;
  /** "on-incident": the incident it is on, and the number people quote. */
  incidentId?: string;
  incidentReference?: string;
  /** "no-fix": how old its last fix is; "lost-contact": how long since it was last heard (absent when never). */
  sinceSeconds?: number;
}

export interface Ranking {
  ranked: RankedUnit[];
  excluded: ExcludedUnit[];
}

export interface HotspotCell {
  zone: string;
  hourOfWeek: number;
  day: string;
  hour: number;
  incidents: number;
  sightings: number;
}

export interface Hotspots {
  from: string;
  to: string;
  timeZone: string;
  cells: HotspotCell[];
  zones: Array<{ zone: string; incidents: number; sightings: number; total: number }>;
  prolific: Array<{ subjectId: string; sightings: number; incidents: number; premises: number; zones: number; lastSeenAt: string }>;
}

/**
 * An incident as the live picture carries it (the console's stream, snapshots, time travel, the
 * Live log): the caller's name and number left out, only that there is a caller on file.
 */
export function withoutCaller<T extends { caller?: CallerDetails }>(i: T): Omit<T, 'caller'> & { callerOnFile?: boolean } {
  if (!i.caller) return i;
  const { caller: _caller, ...rest } = i;
  return { ...rest, callerOnFile: true };
}
