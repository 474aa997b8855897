import { can } from '../contract/policy';
import type { ConsoleRole } from '../contract/roles';

export interface TakView {
  /** Units' positions: the live operational picture. */
  units: boolean;
  /** Suspects' tracks (sightings and the line through them). */
  tracks: boolean;
}

/**
 * What the TAK feed carries for a console role: exactly what the API lets that role see, so
 * the feed is never a side door: units with the live picture, tracks with the tracking view
 * (gateway/contract/policy.ts).
 */
export function takView(role: ConsoleRole): TakView {
  return { units: can(role, 'live.view'), tracks: can(role, 'tracking.view') };
}
