import type { Config } from '../../config/schema';
import { isEvent } from '../contract/is-event';
import { can, seesLive, type Permission } from '../contract/policy';
import type { ConsoleRole } from '../contract/roles';
import type { UntypedJournalEvent } from '../contract/events';
import { withoutPersonal } from '../contract/personal';
import { withoutCaller } from '../contract/tracking-views';
import type { StateSnapshot } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import { FULL_ACCESS } from '../tracking/gallery';
import { AlertsProjection } from './alerts';
import { BulletinsProjection } from './bulletins';
import { CamerasProjection } from './cameras';
import { BreachesProjection, CbosProjection } from './cbos';
import { DevicesProjection } from './devices';
import { EmergenciesProjection } from './emergencies';
import { EvidenceProjection } from './evidence';
import { IncidentsProjection } from './incidents';
import { SubjectsProjection } from './subjects';
import { TextsProjection } from './texts';
import { TracksProjection } from './tracks';
import { UnitsProjection } from './units';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { StateSnapshot } from '../contract/views';

/**
 * Every view of current state, rebuilt from the journal at start and kept current from each
 * committed batch. `seq` is the last event applied: the console resumes from it.
 */
export class Projections {
  readonly units: UnitsProjection;
  readonly devices = new DevicesProjection();
  readonly cameras: CamerasProjection;
  readonly emergencies = new EmergenciesProjection();
  readonly alerts = new AlertsProjection();
  readonly evidence: EvidenceProjection;
  readonly subjects = new SubjectsProjection();
  readonly cbos = new CbosProjection();
  readonly breaches = new BreachesProjection();
  readonly tracks = new TracksProjection();
  readonly incidents: IncidentsProjection;
  readonly texts: TextsProjection;
  readonly bulletins: BulletinsProjection;
  seq = 0;

  constructor(config: Config) {
    this.incidents = new IncidentsProjection(config.site.timezone);
    this.units = new UnitsProjection(config);
    this.cameras = new CamerasProjection(config);
    this.evidence = new EvidenceProjection(config);
    this.texts = new TextsProjection(config);
    this.bulletins = new BulletinsProjection(config);
  }

  private get all() {
    return [
      this.units,
      this.devices,
      this.cameras,
      this.emergencies,
      this.alerts,
      this.evidence,
      this.subjects,
      this.cbos,
      this.breaches,
      this.tracks,
      this.incidents,
      this.texts,
      this.bulletins,
    ];
  }

  apply(event: JournalEvent): void {
    for (const p of this.all) p.apply(event);
    this.seq = event.seq;
  }

  /** Replays events (from zero, or up to a time for time travel). */
  replay(events: Iterable<JournalEvent>): this {
    for (const e of events) this.apply(e);
    return this;
  }

  snapshot(): StateSnapshot {
    return {
      seq: this.seq,
      units: this.units.snapshot(),
      devices: this.devices.snapshot(),
      cameras: this.cameras.snapshot(),
      emergencies: this.emergencies.snapshot(),
      alerts: this.alerts.snapshot(),
      evidence: this.evidence.snapshot(),
      subjects: this.subjects.snapshot(),
      cbos: this.cbos.snapshot(),
      breaches: this.breaches.snapshot(),
      tracks: this.tracks.snapshot(),
      incidents: this.incidents.snapshot(),
      watched: this.subjects.watched(),
    };
  }
}

/** The state a person with this console role may see: personal data only where the role needs it. */
export function snapshotFor(state: StateSnapshot, role: string | null): StateSnapshot {
  // The gallery (names, dates of birth, markers) is never in a snapshot: each view of a subject
  // goes through the tracking API, which journals it. Tracks, orders and incidents carry ids
  // only, and an incident's caller stays in the incident's own record (incidents API). Who is on
  // the watch list (ids) only for the roles that may know who is watched.
  // Each part as the access policy guards it (LIVE_EVENT_PERMISSIONS): a role that may not open
  // the incidents panel gets no incidents here either.
  const may = (permission: Permission) => can(role, permission);
  return {
    ...state,
    subjects: [],
    emergencies: may('emergency.view') ? state.emergencies : [],
    alerts: may('alert.view') ? state.alerts : [],
    evidence: may('evidence.view') ? state.evidence : [],
    cbos: may('subjects.view') ? state.cbos : [],
    breaches: may('tracking.view') ? state.breaches : [],
    tracks: may('tracking.view') ? state.tracks : { tracks: [], unlinked: [] },
    incidents: may('incident.view') ? state.incidents.map(withoutCaller) : [],
    watched: role && FULL_ACCESS.has(role as ConsoleRole) ? state.watched : [],
  };
}

/**
 * `snapshotFor` as JSON text: what `GET /api/state?at=` sends. Time travel's worker runs it
 * (time-travel-worker.ts), so the main thread neither copies nor serialises a whole state.
 */
export function stateJsonFor(state: StateSnapshot, role: string | null): string {
  return JSON.stringify(snapshotFor(state, role));
}

/**
 * Gallery events carry names and dates of birth: outside the gallery API (which journals each
 * view), a reader gets only "this subject changed" and asks the API for what the role may see.
 */
export function redactGallery<E extends { type: string; payload: unknown }>(e: E, role?: string | null): E {
  if (!e.type.startsWith('subject.')) return e;
  if (e.type === 'subject.viewed') return redactSearch(e, role);
  return { ...e, payload: { subjectId: stringField(e.payload, 'subjectId') } };
}

/** A string field of a payload of any shape (a redacted copy keeps only its id), or null. */
function stringField(payload: unknown, key: string): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const v: unknown = Reflect.get(payload, key);
  return typeof v === 'string' ? v : null;
}

/**
 * A `subject.viewed` by search carries the search terms (often a name): only the roles that read
 * the whole gallery may see them. Anyone else, or a caller that names no role, sees that a search
 * happened, by whom and what it showed, but not what was searched for.
 */
function redactSearch<E extends { type: string; payload: unknown }>(e: E, role?: string | null): E {
  const p = e.payload;
  if (typeof p !== 'object' || p === null || !('query' in p) || p.query === undefined || (role && FULL_ACCESS.has(role as ConsoleRole))) return e;
  const { query: _query, ...rest } = p;
  return { ...e, payload: { ...rest, query: 'redacted' } };
}

/**
 * The raw journal as a role may read it (`GET /api/journal`): gallery payloads redacted,
 * custody records (wearers, file names) only for the evidence roles, and who called about an
 * incident only for the roles that may see it (`incident.caller`). Headers and digests stay,
 * so a reader still sees every event and that a payload was withheld. Redacted payloads are no
 * longer their type's, so the rows are untyped.
 */
export function journalFor(events: readonly JournalEvent[], role: string | null): UntypedJournalEvent[] {
  const evidence = can(role, 'evidence.view');
  const caller = can(role, 'incident.caller');
  return events.map((e) => {
    if (!evidence && e.type.startsWith('evidence.')) return { ...e, payload: { evidenceId: stringField(e.payload, 'evidenceId') } };
    // What the role does not see live (a report's words, a radio text, an order's terms): the
    // header and chain stay, the payload loses what identifies or locates a person. Gallery
    // events are cut to their subject's id below, for every role.
    const told = !caller && isEvent(e, 'incident.reported') && e.payload ? { ...e, payload: withoutCaller(e.payload) } : e;
    const seen = seesLive(role, e.type) || e.type.startsWith('subject.') ? told : { ...told, payload: withoutPersonal(e.type, told.payload) };
    return redactGallery<UntypedJournalEvent>(seen, role);
  });
}
