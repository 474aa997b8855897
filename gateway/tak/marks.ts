import type { UnitView } from '../projections/units';
import { event, escapeXml, trackCot } from '../tracking/cot';
import type { Track } from '../tracking/track';

/**
 * The marks the live TAK feed sends: one friendly ground unit (`a-f-G-U-C`) per unit with a
 * fix, and a suspect's track as the download has it (a hostile point per sighting and the line
 * through them). Pure: the feed decides when to send and to whom.
 */

export interface MarkClock {
  nowMs: number;
  /** When the client drops a mark not sent again: now + the feed's stale time. */
  staleMs: number;
}

/** CoT's "unknown" circular error, when a handset gives no accuracy. */
const UNKNOWN_CE = 9999999;

export const unitUid = (unitId: string) => `townwatch.unit.${unitId}`;

export function unitMark(u: UnitView, c: MarkClock): string | null {
  const fix = u.fix;
  if (!fix) return null;
  // CoT's <track> is course in degrees and speed in metres per second.
  const course = fix.headingDeg !== null ? ` course="${fix.headingDeg}"` : '';
  const speed = fix.speedKmh !== null ? ` speed="${(fix.speedKmh / 3.6).toFixed(2)}"` : '';
  const track = course || speed ? `<track${course}${speed}/>` : '';
  const remarks = `${u.role}, ${u.state}${u.lostContact ? ', lost contact' : ''}`;
  return event({
    uid: unitUid(u.id),
    type: 'a-f-G-U-C',
    how: 'm-g',
    startMs: fix.receivedAt,
    nowMs: c.nowMs,
    staleMs: c.staleMs,
    at: [fix.lon, fix.lat],
    ce: fix.accuracyM ?? UNKNOWN_CE,
    detail: `<contact callsign="${escapeXml(u.callsign)}"/>${track}<remarks>${escapeXml(remarks)}</remarks>`,
  });
}

/**
 * A track's marks. Labelled by subject id, never by name: the feed is not a view of the
 * gallery (each of those is journaled through the API). An ended track is sent once more,
 * already stale, so clients take it off the map now rather than at its stale time.
 */
export function trackMarks(t: Track, c: MarkClock): string[] {
  const staleSeconds = t.state === 'ended' ? 0 : (c.staleMs - c.nowMs) / 1000;
  return trackCot(t, `Subject ${t.subjectId}`, { nowMs: c.nowMs, staleMinutes: staleSeconds / 60 });
}
