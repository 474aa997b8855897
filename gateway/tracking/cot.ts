import type { LonLat } from '../../config/geo';
import type { IncidentRecord } from './incident';
import type { Sighting, Track } from './track';
import type { Precision } from './zones';

/**
 * Cursor-on-Target exports for TAK clients: each sighting a hostile ground point (`a-h-G`),
 * the track a freehand line (`u-d-f`) through them, an incident a map marker. Several events
 * travel together the way TAK Server's history API returns them: inside one `<events>`.
 * Built as text here (no XML library in the gateway); tests parse it with node-cot.
 */

/** Circular error (metres, 1σ-ish) by how the place was known. */
const CE: Record<Precision, number> = { point: 10, premises: 15, camera: 60, zone: 150 };
/** CoT's "unknown" for height and linear error. */
const UNKNOWN = '9999999.0';
/** ARGB as a signed 32-bit int, the way TAK writes colours: opaque red. */
const RED = -65536;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const iso = (ms: number) => new Date(ms).toISOString();
const coord = (v: number) => (Math.round(v * 1e7) / 1e7).toString();

export interface EventSpec {
  uid: string;
  type: string;
  how: string;
  startMs: number;
  nowMs: number;
  staleMs: number;
  at: LonLat;
  ce: number;
  detail: string;
}

/** One CoT `<event>` (also the live TAK feed's, gateway/tak/). */
export function event(e: EventSpec): string {
  return (
    `<event version="2.0" uid="${escapeXml(e.uid)}" type="${e.type}" how="${e.how}" time="${iso(e.nowMs)}" start="${iso(e.startMs)}" stale="${iso(e.staleMs)}">` +
    `<point lat="${coord(e.at[1])}" lon="${coord(e.at[0])}" hae="${UNKNOWN}" ce="${e.ce.toFixed(1)}" le="${UNKNOWN}"/>` +
    `<detail>${e.detail}</detail></event>`
  );
}

export interface CotOptions {
  nowMs: number;
  /** How long after the export a TAK client keeps showing the items. */
  staleMinutes?: number;
}

const staleOf = (o: CotOptions) => o.nowMs + (o.staleMinutes ?? 60) * 60_000;

function sightingEvent(s: Sighting, label: string, o: CotOptions): string | null {
  if (!s.position) return null;
  const remarks = [`${s.kind} sighting${s.zone ? ` in ${s.zone}` : ''} at ${s.at}`, s.description].filter(Boolean).join(': ');
  return event({
    uid: `townwatch.${s.id}`,
    type: 'a-h-G',
    how: 'h-e',
    startMs: s.atMs,
    nowMs: o.nowMs,
    staleMs: staleOf(o),
    at: s.position,
    ce: CE[s.precision],
    detail: `<contact callsign="${escapeXml(label)}"/><remarks>${escapeXml(remarks)}</remarks>`,
  });
}

function lineEvent(track: Track, label: string, o: CotOptions): string | null {
  const points = track.sightings.filter((s) => s.position);
  if (points.length < 2) return null;
  const first = points[0]!;
  const links = points.map((s) => `<link point="${coord(s.position![1])},${coord(s.position![0])}"/>`).join('');
  return event({
    uid: `townwatch.${track.trackId}`,
    type: 'u-d-f',
    how: 'h-e',
    startMs: first.atMs,
    nowMs: o.nowMs,
    staleMs: staleOf(o),
    at: first.position!,
    ce: CE[first.precision],
    detail:
      `<contact callsign="${escapeXml(`${label} track`)}"/>${links}<strokeColor value="${RED}"/><strokeWeight value="3.0"/>` +
      `<remarks>${escapeXml(`zones: ${track.enteredZones.join(' > ')}`)}</remarks>`,
  });
}

/** A track: one `a-h-G` per positioned sighting, and the `u-d-f` line through them. */
export function trackCot(track: Track, label: string, o: CotOptions): string[] {
  const points = track.sightings.map((s) => sightingEvent(s, label, o)).filter((x): x is string => x !== null);
  const line = lineEvent(track, label, o);
  return line ? [...points, line] : points;
}

/** An incident marker, followed by the track of the subject it concerns. */
export function incidentCot(incident: IncidentRecord, track: Track | null, label: string, o: CotOptions): string[] {
  const out: string[] = [];
  if (incident.position) {
    const remarks = `${incident.category} (${incident.state}${incident.grade ? `, ${incident.grade.label}` : ''}): ${incident.description}`;
    out.push(
      event({
        uid: `townwatch.${incident.incidentId}`,
        type: 'b-m-p-s-m',
        how: 'h-e',
        startMs: Date.parse(incident.reportedAt),
        nowMs: o.nowMs,
        staleMs: staleOf(o),
        at: incident.position,
        ce: CE.point,
        detail: `<contact callsign="${escapeXml(incident.incidentId)}"/><remarks>${escapeXml(remarks)}</remarks>`,
      }),
    );
  }
  if (track) out.push(...trackCot(track, label, o));
  return out;
}

export function cotDocument(events: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<events>\n${events.join('\n')}\n</events>\n`;
}
