import type { JournalEvent } from './events';
import type { StateSnapshot } from '../projections';
import type { TrackingCommands } from './tracking';
import type { UnitView } from '../projections/units';
import type { IncidentRecord } from '../tracking/incident';

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

/** The views inside the snapshot, for the console: it imports only the contract. */
export type { StateSnapshot } from '../projections';
export type { UnitView, UnitState, Fix } from '../projections/units';
export type { EmergencyView } from '../projections/emergencies';
export type { AlertView, DeliveryStatus } from '../projections/alerts';
export type { CameraView } from '../projections/cameras';
export type { EvidenceRecord } from '../projections/evidence';
export type { DeviceView } from '../projections/devices';
