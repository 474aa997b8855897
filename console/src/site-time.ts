/**
 * The site's wall clock. A control room reads times in the town's own zone (config
 * `site.timezone`), whatever zone the browser is set to: the replay picker takes and shows
 * site time, and these turn it into the instant the gateway is asked about and back.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(tz, f);
  }
  return f;
}

/** The site's wall clock at an instant, as fields. */
function wall(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts = format(tz).formatToParts(new Date(ms));
  const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute'), s: get('second') };
}

/** How far the site's clock is ahead of UTC at an instant, in ms (BST: 3,600,000). */
export function siteOffsetMs(ms: number, tz: string): number {
  const w = wall(ms, tz);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant as a `datetime-local` value in site time, to the second: `2026-12-07T06:12:03`. */
export function toSiteInput(ms: number, tz: string): string {
  const w = wall(ms, tz);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}`;
}

/**
 * A `datetime-local` value read as site time, as an instant; null when it is not one. In the
 * hour the clocks go back, the earlier of the two instants; in the hour they skip, an hour on.
 */
export function fromSiteInput(value: string, tz: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((frac ?? '0').padEnd(3, '0')));
  if (Number.isNaN(asUtc)) return null;
  // The offset at the guess, then at the answer: right on both sides of a change of the clocks.
  const first = asUtc - siteOffsetMs(asUtc, tz);
  return asUtc - siteOffsetMs(first, tz);
}

/** "07/12/2026 06:12:03" in site time, for people. */
export function siteDateTime(ms: number, tz: string): string {
  const w = wall(ms, tz);
  return `${pad(w.d)}/${pad(w.mo)}/${pad(w.y, 4)} ${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}`;
}
