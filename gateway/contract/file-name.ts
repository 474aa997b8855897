import type { EvidenceRecord } from './views';

/** Characters a file system or a player may choke on become `_` (Windows, FAT, shells, URLs). */
const safe = (s: string): string => s.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_');

/** `2026-12-07_05-41-45` in the site's time zone: sorts by time, no colons (Windows, FAT). */
export function siteStamp(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return 'unknown-time';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(t)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  return `${parts.year}-${parts.month}-${parts.day}_${parts.hour}-${parts.minute}-${parts.second}`;
}

/** The recording's own extension when it has a short one, else `.mp4` (what the docks and clips hold). */
function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name);
  return m ? `.${m[1]!.toLowerCase()}` : '.mp4';
}

/**
 * The name a person and a player expect: `<camera>_<start>.<ext>`, the start in site time.
 * `taken` holds names already used in the same folder: a second recording of the same camera
 * starting in the same second becomes `…_2.mp4`, never a silent overwrite.
 */
export function exhibitFileName(r: Pick<EvidenceRecord, 'cam' | 'name' | 'recStart'>, timeZone: string, taken?: Set<string>): string {
  const stem = `${safe(r.cam)}_${siteStamp(r.recStart, timeZone)}`;
  const ext = extensionOf(r.name);
  let name = `${stem}${ext}`;
  for (let n = 2; taken?.has(name); n++) name = `${stem}_${n}${ext}`;
  taken?.add(name);
  return name;
}
