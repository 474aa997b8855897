import type { LonLat } from '../../config/geo';
import type { IncidentGrade } from '../../config/schema';
import type { JournalEvent } from '../journal/types';
import type { Sighting } from './track';

/**
 * Incidents: reported → graded → dispatched → on scene → closed. The rules of the lifecycle
 * and the incidents that reports and breaches open, as pure functions.
 */

/** How a call reaches the control room: the 101 line, a radio call, someone at the desk, a camera. */
export const CALL_CHANNELS = ['101', 'radio', 'walk-in', 'cctv'] as const;
export type CallChannel = (typeof CALL_CHANNELS)[number];

export type IncidentState = 'reported' | 'graded' | 'dispatched' | 'on-scene' | 'closed';

export const OUTCOMES = ['arrest', 'words-of-advice', 'no-trace', 'false-report', 'resolved'] as const;
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
  /** The subject is shared with the region (stamped when journaled; the uplink rules read it). */
  sharedRegionally?: boolean;
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

export const mayGrade = (s: IncidentState) => s === 'reported' || s === 'graded';
/** Grade first: the grade sets the target the response is measured against. Extra units may follow. */
export const mayDispatch = (s: IncidentState) => s === 'graded' || s === 'dispatched' || s === 'on-scene';
export const mayClose = (s: IncidentState) => s !== 'closed';
/** Arrival counts once, for the first unit there. */
export const awaitsArrival = (s: IncidentState) => s === 'dispatched';

/** A shop's report of an incident (not a mere sighting) opens one, where the shop is. */
export function incidentFromReport(e: JournalEvent, s: Sighting): IncidentReport | null {
  const p = e.payload as { kind?: string; category?: string; description?: string } | null;
  if (e.type !== 'shop.report' || p?.kind !== 'incident') return null;
  return {
    incidentId: `inc-${e.id}`,
    category: p.category ?? 'other',
    description: p.description ?? '',
    zone: s.zone,
    position: s.position,
    premisesId: s.premisesId,
    subjectId: s.subjectId,
    reportedAt: s.at,
    origin: { kind: 'shop-report', ref: e.id },
  };
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

/** A breach needs a response: it opens an incident at the place of the sighting. */
export function incidentFromBreach(b: BreachDetected, zoneName: (id: string) => string): IncidentReport {
  const where = b.zone ? zoneName(b.zone) : 'an excluded area';
  return {
    incidentId: `inc-${b.breachId}`,
    category: 'cbo-breach',
    description: `CBO ${b.cboId} breached: subject ${b.subjectId} seen in ${where}`,
    zone: b.zone,
    position: b.position,
    premisesId: b.premisesId,
    subjectId: b.subjectId,
    reportedAt: b.at,
    origin: { kind: 'breach', ref: b.breachId },
  };
}

/** Whether an arrival at `atMs` met the grade's target, counted from when the incident was opened. */
export function metTarget(openedAt: number, atMs: number, grade: IncidentGrade | null): boolean | null {
  return grade ? atMs - openedAt <= grade.targetMinutes * 60_000 : null;
}
