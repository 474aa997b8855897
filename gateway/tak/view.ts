import { STATE_READERS, TRACKERS } from '../api/tracking-common';
import type { ConsoleRole } from '../contract/roles';

export interface TakView {
  /** Units' positions: the live operational picture. */
  units: boolean;
  /** Suspects' tracks (sightings and the line through them). */
  tracks: boolean;
}

/**
 * What the TAK feed carries for a console role: exactly what the API lets that role see, so
 * the feed is never a side door: units with the live state, tracks with "see tracks".
 */
export function takView(role: ConsoleRole): TakView {
  return { units: STATE_READERS.includes(role), tracks: TRACKERS.includes(role) };
}
