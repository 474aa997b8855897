import type { LonLat } from '../../config/geo';
import type { Zone } from '../../config/schema';
import type { IncidentRecord } from './incident';
import type { Sighting, Track } from './track';

/**
 * GeoJSON exports (RFC 7946): WGS 84 only, so no `crs` member; positions [longitude,
 * latitude] with six decimals (~0.1 m, §11.2); polygon rings closed, exterior anticlockwise
 * (§3.1.6).
 */

export type Position = [number, number];
export type Geometry =
  { type: 'Point'; coordinates: Position } | { type: 'LineString'; coordinates: Position[] } | { type: 'Polygon'; coordinates: Position[][] };

export interface Feature {
  type: 'Feature';
  id: string;
  geometry: Geometry;
  properties: Record<string, unknown>;
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
const pos = (p: LonLat): Position => [round6(p[0]), round6(p[1])];

/** Twice the signed area (shoelace): positive when the ring runs anticlockwise. */
function signedArea2(ring: readonly Position[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return a;
}

/** A closed, anticlockwise exterior ring, whatever order the config listed it in. */
export function exteriorRing(polygon: readonly LonLat[]): Position[] {
  const ring = polygon.map(pos);
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
  return signedArea2(ring) < 0 ? ring.reverse() : ring;
}

function sightingFeature(s: Sighting): Feature | null {
  if (!s.position) return null;
  return {
    type: 'Feature',
    id: s.id,
    geometry: { type: 'Point', coordinates: pos(s.position) },
    properties: {
      kind: 'sighting',
      subjectId: s.subjectId,
      at: s.at,
      source: s.kind,
      reporter: s.reporter,
      zone: s.zone,
      precision: s.precision,
      premisesId: s.premisesId,
      cameraId: s.cameraId,
      unitId: s.unitId,
      description: s.description,
    },
  };
}

/** The path through the sightings' positions, dropping repeats of one place; null under two places. */
function pathFeature(track: Track, label: string | null): Feature | null {
  const line: Position[] = [];
  for (const s of track.sightings) {
    if (!s.position) continue;
    const p = pos(s.position);
    const prev = line[line.length - 1];
    if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) line.push(p);
  }
  if (line.length < 2) return null;
  return {
    type: 'Feature',
    id: track.trackId,
    geometry: { type: 'LineString', coordinates: line },
    properties: {
      kind: 'track',
      subjectId: track.subjectId,
      label,
      state: track.state,
      from: track.sightings[0]!.at,
      to: track.sightings[track.sightings.length - 1]!.at,
      enteredZones: track.enteredZones,
      currentZones: track.currentZones,
    },
  };
}

function trackFeatures(track: Track, label: string | null): Feature[] {
  const points = track.sightings.map(sightingFeature).filter((f): f is Feature => f !== null);
  const path = pathFeature(track, label);
  return path ? [...points, path] : points;
}

export function trackGeoJson(track: Track, label: string | null): FeatureCollection {
  return { type: 'FeatureCollection', features: trackFeatures(track, label) };
}

/** The incident's place, its zone's outline, and the track of the subject it concerns. */
export function incidentGeoJson(incident: IncidentRecord, zone: Zone | null, track: Track | null, label: string | null): FeatureCollection {
  const features: Feature[] = [];
  if (incident.position) {
    features.push({
      type: 'Feature',
      id: incident.incidentId,
      geometry: { type: 'Point', coordinates: pos(incident.position) },
      properties: {
        kind: 'incident',
        category: incident.category,
        state: incident.state,
        grade: incident.grade?.id ?? null,
        zone: incident.zone,
        reportedAt: incident.reportedAt,
        description: incident.description,
        units: incident.units.map((u) => u.unitId),
      },
    });
  }
  if (zone) {
    features.push({
      type: 'Feature',
      id: `zone-${zone.id}`,
      geometry: { type: 'Polygon', coordinates: [exteriorRing(zone.polygon)] },
      properties: { kind: 'zone', zone: zone.id, name: zone.name },
    });
  }
  if (track) features.push(...trackFeatures(track, label));
  return { type: 'FeatureCollection', features };
}
