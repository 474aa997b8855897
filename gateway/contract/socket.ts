import type { JournalEvent } from './events';
import type { TrackingCommands } from './tracking';
import type { IncidentRecord } from './tracking-views';
import type { StateSnapshot, UnitView } from './views';

/**
 * The Socket.IO contract between the gateway and the console. On connect the console gets
 * the current state (or, when it resumes with `auth.lastSeq`, the events it missed), then
 * live changes. Positions are high-rate and droppable: they are coalesced per radio and sent
 * a few times a second, outside the seq-ordered stream.
 */
export interface ConsoleEvent {
  seq: number;
  ts: number;
  type: string;
  actor: string | null;
  subject: string | null;
  ref: string | null;
  payload: unknown;
}

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

export function toConsoleEvent(e: JournalEvent): ConsoleEvent {
  return { seq: e.seq, ts: e.ts, type: e.type, actor: e.actor, subject: e.subject, ref: e.ref, payload: e.payload };
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
