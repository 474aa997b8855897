import type { BulletinView, InboxBulletin } from './bulletins';
import type { EventPayload, EventType, JournalEvent } from './events';
import type { TrackingCommands } from './tracking';
import { withoutCaller, type IncidentRecord } from './tracking-views';
import type { StateSnapshot, UnitView } from './views';

/**
 * The Socket.IO contract between the gateway and the console. On connect the console gets
 * the current state (or, when it resumes with `auth.lastSeq`, the events it missed), then
 * live changes. Positions are high-rate and droppable: they are coalesced per radio and sent
 * a few times a second, outside the seq-ordered stream.
 */
export interface ConsoleEventHeader {
  seq: number;
  ts: number;
  actor: string | null;
  subject: string | null;
  ref: string | null;
}

/** Gallery events whose payload the console never gets (names, dates of birth): see `toConsoleEvent`. */
export type RedactedSubjectType = 'subject.created' | 'subject.updated';

/** A gallery event as the console gets it: only which subject changed; the gallery API says what the role may see. */
export type RedactedSubjectPayload = { subjectId: string | null };

/** A call's opening as the console gets it: the caller left out, only that there is one (see `withoutCaller`). */
export type ConsoleIncidentReported = Omit<EventPayload<'incident.reported'>, 'caller'> & { callerOnFile?: boolean };

/** The payload of an event type as the console gets it. */
export type ConsolePayload<K extends EventType> = K extends RedactedSubjectType
  ? RedactedSubjectPayload
  : K extends 'incident.reported'
    ? ConsoleIncidentReported
    : EventPayload<K>;

/**
 * A journal event as the console gets it, discriminated by `type` like `JournalEvent`
 * (`isEvent(e, 'alert.sent')` narrows it). `payload` is null once erased under retention.
 */
export type ConsoleEvent<K extends EventType = EventType> = { [T in K]: ConsoleEventHeader & { type: T; payload: ConsolePayload<T> | null } }[K];

export interface PositionUpdate {
  issi: number;
  lat: number;
  lon: number;
  accuracyM: number | null;
  fixTime: string;
  seq: number;
}

export interface ServerToClientEvents {
  'state:snapshot': (state: StateSnapshot) => void;
  /** Reliable, in seq order; `head` is the seq to resume from. */
  'journal:events': (batch: { events: ConsoleEvent[]; head: number }) => void;
  'units:positions': (positions: PositionUpdate[]) => void;
  /**
   * Units whose state changed, as the gateway's units projection computed it, sent right after
   * the batch that changed them (and every unit after a resumed replay): the console shows
   * these and never re-derives a unit's state from events itself.
   */
  'units:state': (units: UnitView[]) => void;
  /** Incidents that changed, as the gateway's incidents projection has them (reference, receipts, arrival). */
  'incidents:state': (incidents: IncidentRecord[]) => void;
  /** Bulletins to members that were sent or changed (a receipt), with every premises' delivered and read. */
  'bulletins:state': (bulletins: BulletinView[]) => void;
  /** To a member's console: bulletins to its own premises, new or changed, as its premises sees them. */
  'bulletins:inbox': (bulletins: InboxBulletin[]) => void;
  /** To a member's console: its own premises' reported incidents that changed (status, units, outcome), without the caller. */
  'incidents:own': (incidents: IncidentRecord[]) => void;
  /**
   * An emergency decided as its press arrived, sent at once, before its journal commit: the
   * control room hears the alarm without waiting for the disk. Its `emergency.raised` follows in
   * `journal:events` with the same id once it is durable; until then it cannot be acknowledged.
   */
  'emergency:raising': (notice: EmergencyNotice) => void;
}

/**
 * What `emergency:raising` says about an emergency not yet in the journal. `recording`: being
 * committed. `unrecorded`: the journal refused it (`reason`); a handset (`bearer` mqtt) was not
 * acknowledged, so it sends the press again; a TETRA radio (pei) does not. `withdrawn`: the press was a resend of one already on record, which
 * raised nothing new.
 */
export interface EmergencyNotice {
  emergencyId: string;
  unitId: string;
  issi: number;
  trigger: string;
  /** How the press came: from a handset over MQTT, or a TETRA radio through the control station (PEI). */
  bearer: 'mqtt' | 'pei';
  /** When the gateway decided it (ms since the epoch). */
  raisedAt: number;
  state: 'recording' | 'unrecorded' | 'withdrawn';
  reason?: string;
}

/** Every command answers through its ack: `{ data }` on success, `{ error }` on failure. */
export type Ack<T> = (reply: { data: T } | { error: { code: string; message: string } }) => void;

/** Tracking and dispatch commands are listed with their inputs in contract/tracking.ts. */
export interface ClientToServerEvents extends TrackingCommands {
  'emergency:acknowledge': (input: { id: string }, ack: Ack<unknown>) => void;
  'emergency:resolve': (input: { id: string; outcome: 'genuine' | 'false'; note?: string }, ack: Ack<unknown>) => void;
  'alert:send': (input: { text: string; priority?: string; talkgroups?: string[]; units?: string[] }, ack: Ack<unknown>) => void;
}

export interface SocketAuth {
  /** The last `head` the console saw; the server sends what came after it. */
  lastSeq?: number;
}

/**
 * The console's copy of a journal event: the header without the chain's fields (source, hashes,
 * dedupe key), gallery payloads cut to the subject's id, and a call's caller left out (the
 * roles that may see him ask the incident's record). A field added to
 * `JournalEventHeader` reaches the console unless it is left out here.
 */
export function toConsoleEvent(e: JournalEvent): ConsoleEvent {
  const { id: _id, source: _source, dedupe: _dedupe, payloadSha256: _sha, prevHash: _prev, hash: _hash, ...event } = e;
  if (event.type === 'subject.created' || event.type === 'subject.updated') return { ...event, payload: { subjectId: event.payload?.subjectId ?? null } };
  if (event.type === 'incident.reported' && event.payload) return { ...event, payload: withoutCaller(event.payload) };
  return event;
}

/** The views inside the snapshot (defined in contract/views.ts), for the console beside the socket's own types. */
export type {
  StateSnapshot,
  UnitView,
  UnitState,
  Fix,
  EmergencyView,
  AlertView,
  DeliveryStatus,
  CameraView,
  EvidenceRecord,
  DeviceView,
  TracksState,
} from './views';
