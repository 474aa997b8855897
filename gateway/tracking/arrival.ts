import type { LonLat } from '../contract/api';
import { metres } from './zones';

export interface ArrivalRule {
  radiusM: number;
  holdMs: number;
}

export interface ArrivalInput {
  /** The unit's radio sent a status whose state is "on-scene". */
  onSceneStatus: boolean;
  /** The fix this event carries, if it is a position. */
  fix: LonLat | null;
  at: number;
  /** The incident's point; an incident known only by its zone is reached by status alone. */
  target: LonLat | null;
  /** The radio's receipt for the dispatch message. */
  receipt: string;
  /** Since when the unit's fixes have been within the radius (null: they are not). */
  holdingSince: number | null;
}

export interface ArrivalDecision {
  by: 'status' | 'position' | null;
  holdingSince: number | null;
}

/**
 * Whether a dispatched unit has arrived. Its own "on scene" status always counts. A position
 * counts only once the radio has acknowledged the dispatch (a unit that never got the job is
 * merely passing by), and only when its fixes stay near the incident's point for the hold time:
 * walking through the incident's zone, or one fix near it, is not arrival, and a response time
 * measured from it would be false.
 */
export function judgeArrival(input: ArrivalInput, rule: ArrivalRule): ArrivalDecision {
  if (input.onSceneStatus) return { by: 'status', holdingSince: input.holdingSince };
  if (!input.fix) return { by: null, holdingSince: input.holdingSince };
  const acknowledged = input.receipt === 'delivered' || input.receipt === 'read';
  if (!input.target || !acknowledged || metres(input.fix, input.target) > rule.radiusM) return { by: null, holdingSince: null };
  const since = input.holdingSince ?? input.at;
  return { by: input.at - since >= rule.holdMs ? 'position' : null, holdingSince: since };
}
