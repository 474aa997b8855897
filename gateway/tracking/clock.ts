/**
 * Wall-clock time in the site's time zone. CBO windows ("20:00–06:00 on Fridays") and hotspot
 * hours are local times: a court order says 8 pm whatever the UTC offset is that day.
 */

import { DAYS, type Day } from '../contract/tracking-views';

/** The days of the week live in the contract (CBO windows carry them); re-exported for the tracking code. */
export { DAYS, type Day };

export interface LocalTime {
  day: Day;
  /** Minutes since local midnight, 0–1439. */
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local day of week and minute of day of an instant. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as Day;
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** "HH:MM" (00:00–24:00) → minutes since midnight. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function previousDay(day: Day): Day {
  return DAYS[(DAYS.indexOf(day) + 6) % 7]!;
}

/** 0 (Monday 00:00–00:59) … 167 (Sunday 23:00–23:59): the hour of the week, locally. */
export function hourOfWeek(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone);
  return DAYS.indexOf(t.day) * 24 + Math.floor(t.minute / 60);
}
