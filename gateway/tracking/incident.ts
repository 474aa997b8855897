import type { IncidentGrade } from '../../config/schema';
import { isEvent } from '../contract/events';
import type { BreachDetected, IncidentReport, IncidentState } from '../contract/tracking-views';
import type { JournalEvent } from '../journal/types';
import type { Sighting } from './track';

/** The shapes and values this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export {
  CALL_CHANNELS,
  OUTCOMES,
  type CallChannel,
  type IncidentState,
  type Outcome,
  type IncidentReport,
  type Assignment,
  type IncidentRecord,
  type BreachDetected,
} from '../contract/tracking-views';

/**
 * Incidents: reported → graded → dispatched → on scene → closed. The rules of the lifecycle
 * and the incidents that reports and breaches open, as pure functions.
 */

export const mayGrade = (s: IncidentState) => s === 'reported' || s === 'graded';
/** Grade first: the grade sets the target the response is measured against. Extra units may follow. */
export const mayDispatch = (s: IncidentState) => s === 'graded' || s === 'dispatched' || s === 'on-scene';
export const mayClose = (s: IncidentState) => s !== 'closed';
/** Arrival counts once, for the first unit there. */
export const awaitsArrival = (s: IncidentState) => s === 'dispatched';

/** A shop's report of an incident (not a mere sighting) opens one, where the shop is. */
export function incidentFromReport(e: JournalEvent, s: Sighting): IncidentReport | null {
  if (!isEvent(e, 'shop.report') || e.payload?.kind !== 'incident') return null;
  const p = e.payload;
  return {
    incidentId: `inc-${e.id}`,
    category: p.category,
    description: p.description,
    zone: s.zone,
    position: s.position,
    premisesId: s.premisesId,
    subjectId: s.subjectId,
    reportedAt: s.at,
    origin: { kind: 'shop-report', ref: e.id },
  };
}

/**
 * A breach needs a response: it opens an incident at the place of the sighting. Its description
 * is read by every role that sees the incident, down to the member whose premises it is at, so it
 * names neither the person nor the order, and no internal id: who it is, and which order, are in
 * `subjectId` and the breach (`origin`), which each console resolves as its role may see them.
 */
export function incidentFromBreach(b: BreachDetected, zoneName: (id: string) => string): IncidentReport {
  const where = b.zone ? zoneName(b.zone) : 'an excluded area';
  return {
    incidentId: `inc-${b.breachId}`,
    category: 'cbo-breach',
    description: `Order breach: a person under a criminal behaviour order seen in ${where}`,
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
