import type { Config } from '../../config/schema';
import { withoutCaller, type IncidentRecord } from '../contract/tracking-views';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import { incidentGeoJson } from '../tracking/geojson';
import type { BundleDocument } from './bundle';

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Keys that name who called: never in a bundle's documents (the caller's record stays in the gateway). */
function dropCaller(payload: unknown): unknown {
  if (!payload || typeof payload !== 'object') return payload;
  const { caller: _caller, ...rest } = payload as Record<string, unknown>;
  return rest;
}

/**
 * What an incident's bundle carries beside its footage: the incident as the gateway holds it
 * (without the caller's name and number), its reports (the shop report that opened it and the
 * incident's own events), the CCTV bookmarks attached to it, and the subject's track with the
 * incident's place and zone as GeoJSON.
 */
export function incidentDocuments(incident: IncidentRecord, deps: { config: Config; journal: Journal; projections: Projections }): BundleDocument[] {
  const { config, journal, projections } = deps;
  const id = incident.incidentId;
  const docs: BundleDocument[] = [{ name: 'incident.json', kind: 'incident', text: json(withoutCaller(incident)) }];

  const origin =
    incident.origin.kind === 'shop-report' && incident.origin.ref
      ? journal.reader.events({ types: ['shop.report'] }).filter((e) => e.id === incident.origin.ref)
      : [];
  const own = journal.reader.events({ ref: id }).filter((e) => e.type.startsWith('incident.'));
  const reports = [...origin, ...own].map((e) => ({
    seq: e.seq,
    at: new Date(e.ts).toISOString(),
    type: e.type,
    actor: e.actor,
    source: e.source,
    payload: dropCaller(e.payload),
  }));
  docs.push({ name: 'reports.json', kind: 'reports', text: json(reports) });

  const bookmarks = journal.reader
    .events({ types: ['cctv.bookmark'] })
    .filter((e) => (e.payload as { incidentId?: string } | null)?.incidentId === id)
    .map((e) => ({ seq: e.seq, at: new Date(e.ts).toISOString(), actor: e.actor, ...(e.payload as object) }));
  if (bookmarks.length) docs.push({ name: 'bookmarks.json', kind: 'cctv-bookmarks', text: json(bookmarks) });

  const track = incident.subjectId ? (projections.tracks.get(incident.subjectId) ?? null) : null;
  const label = incident.subjectId ? (projections.subjects.get(incident.subjectId)?.name ?? `Subject ${incident.subjectId}`) : null;
  const zone = config.zones.find((z) => z.id === incident.zone) ?? null;
  if (incident.position || zone || track) docs.push({ name: 'track.geojson', kind: 'geojson', text: json(incidentGeoJson(incident, zone, track, label)) });
  return docs;
}
