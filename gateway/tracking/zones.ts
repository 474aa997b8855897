import { haversineMetres, pointInPolygon, polygonCentroid, type LonLat } from '../../config/geo';
import type { Camera, Config, Zone } from '../../config/schema';
import type { Precision } from '../contract/tracking-views';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { Precision } from '../contract/tracking-views';

/**
 * Where things are: a point → its zone, a reported place → a position and a zone, and which
 * zones a camera's field of view covers. Pure functions of the static config.
 */

/** What a report says about where: any one of these, most precise first. */
export interface PlaceInput {
  lonLat?: readonly [number, number] | undefined;
  premisesId?: string | undefined;
  cameraId?: string | undefined;
  zone?: string | undefined;
}

/**
 * For a camera sighting that says nothing of where in the picture: which of the zones the
 * camera sees (best view first) the subject was most likely in. The watcher answers from the
 * subject's track; without one the camera's main view wins.
 */
export type ZonePicker = (candidates: readonly string[]) => string | null;

export interface ResolvedPlace {
  /** Best estimate for the map; for a zone-only report, the zone's centroid. */
  position: LonLat | null;
  zone: string | null;
  precision: Precision;
  premisesId: string | null;
  cameraId: string | null;
}

/** The zone containing a point, or null outside every zone. Zones do not overlap (config test). */
export function locate(point: LonLat, zones: readonly Zone[]): string | null {
  for (const z of zones) if (pointInPolygon(point, z.polygon)) return z.id;
  return null;
}

/**
 * Resolves a reported place. A position wins (the reporter was precise; for a camera, the
 * operator picked it in the picture); a premises stands for its own position and zone; a
 * camera places the subject in the zone it looks into: the one named with it (which it must
 * see), else the one `pick` finds most consistent, else its main view; a zone alone gives its
 * centroid. Returns null when the place names nothing known, or a zone the camera cannot see.
 */
export function resolvePlace(place: PlaceInput, config: Pick<Config, 'zones' | 'premises' | 'cameras'>, pick?: ZonePicker): ResolvedPlace | null {
  const base = { premisesId: place.premisesId ?? null, cameraId: place.cameraId ?? null };
  const premises = place.premisesId ? config.premises.find((p) => p.id === place.premisesId) : undefined;
  const camera = place.cameraId ? config.cameras.find((c) => c.id === place.cameraId) : undefined;
  if (place.premisesId && !premises) return null;
  if (place.cameraId && !camera) return null;
  if (place.lonLat) {
    const p: LonLat = [place.lonLat[0], place.lonLat[1]];
    return { ...base, position: p, zone: locate(p, config.zones), precision: 'point' };
  }
  if (premises) return { ...base, position: premises.position, zone: premises.zone, precision: 'premises' };
  if (camera) {
    const views = cameraViews(camera, config.zones).map((v) => v.zone);
    if (place.zone && !views.includes(place.zone)) return null;
    const picked = pick?.(views);
    const zone = place.zone ?? (picked && views.includes(picked) ? picked : views[0]) ?? camera.zone;
    return {
      ...base,
      position: viewPointIn(
        camera,
        config.zones.find((z) => z.id === zone),
      ),
      zone,
      precision: 'camera',
    };
  }
  const zone = place.zone ? config.zones.find((z) => z.id === place.zone) : undefined;
  if (zone) return { ...base, position: polygonCentroid(zone.polygon), zone: zone.id, precision: 'zone' };
  return null;
}

/** The zones a camera sees into, most of its view first; its own zone too if it is a PTZ that can turn there. */
export function cameraViews(camera: Camera, zones: readonly Zone[]): Array<{ zone: string; share: number }> {
  const out = zones.map((z) => ({ zone: z.id, share: viewShare(camera, z) })).filter((v) => v.share > 0);
  out.sort((a, b) => b.share - a.share || Number(b.zone === camera.zone) - Number(a.zone === camera.zone) || a.zone.localeCompare(b.zone));
  if (!out.some((v) => v.zone === camera.zone) && (camera.ptz || out.length === 0)) out.push({ zone: camera.zone, share: 0 });
  return out;
}

/** Where in a zone a camera looks: the middle of the part of its view inside the zone (the camera itself if none). */
export function viewPointIn(camera: Camera, zone: Zone | undefined): LonLat {
  if (!zone) return camera.position;
  let lon = 0;
  let lat = 0;
  let n = 0;
  for (const p of sectorSamples(camera)) {
    if (!pointInPolygon(p.at, zone.polygon)) continue;
    lon += p.at[0] * p.w;
    lat += p.at[1] * p.w;
    n += p.w;
  }
  return n === 0 ? camera.position : [round6(lon / n), round6(lat / n)];
}

/** Whether a point lies in a camera's field of view (within `slackM` of it: a click on a picture is not a survey). */
export function inView(camera: Camera, point: LonLat, slackM = 10): boolean {
  const d = metres(camera.position, point);
  if (d <= slackM) return true;
  if (d > camera.rangeM + slackM) return false;
  const dLat = (point[1] - camera.position[1]) * M_PER_DEG_LAT;
  const dLon = (point[0] - camera.position[0]) * M_PER_DEG_LAT * Math.cos((camera.position[1] * Math.PI) / 180);
  const bearing = ((Math.atan2(dLon, dLat) * 180) / Math.PI + 360) % 360;
  const off = Math.abs(((bearing - camera.bearingDeg + 540) % 360) - 180);
  const slackDeg = (Math.asin(Math.min(1, slackM / d)) * 180) / Math.PI;
  return off <= camera.fovDeg / 2 + slackDeg;
}

/** What is wrong with where a camera sighting says it was in the picture (empty when nothing). */
export function cameraPlaceProblems(
  camera: Camera,
  place: { zone?: string | undefined; lonLat?: readonly [number, number] | undefined },
  zones: readonly Zone[],
): string[] {
  const problems: string[] = [];
  if (place.zone !== undefined) {
    const views = cameraViews(camera, zones).map((v) => v.zone);
    if (!views.includes(place.zone))
      problems.push(`zone: camera ${camera.id} does not look into zone "${place.zone}" (it sees ${views.join(', ') || 'no zone'})`);
  }
  if (place.lonLat && !inView(camera, place.lonLat)) problems.push(`lonLat: [${place.lonLat.join(', ')}] is not in camera ${camera.id}'s field of view`);
  if (place.lonLat && place.zone !== undefined) {
    const at = locate(place.lonLat, zones);
    if (at !== place.zone) problems.push(`lonLat: the point is in ${at ?? 'no zone'}, not in zone "${place.zone}"`);
  }
  return problems;
}

const M_PER_DEG_LAT = 111_320;

/** A point `metres` from `from` along `bearingDeg` (clockwise from north); planar, fine at town scale. */
export function offset(from: LonLat, bearingDeg: number, metres: number): LonLat {
  const rad = (bearingDeg * Math.PI) / 180;
  const dLat = (metres * Math.cos(rad)) / M_PER_DEG_LAT;
  const dLon = (metres * Math.sin(rad)) / (M_PER_DEG_LAT * Math.cos((from[1] * Math.PI) / 180));
  return [round6(from[0] + dLon), round6(from[1] + dLat)];
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * Share of a camera's field of view (a sector: apex at the camera, bearing ± fov/2, out to
 * its range) that lies in a zone, by sampling the sector on a polar grid weighted by area.
 * 0 means the camera cannot see into the zone at all.
 */
export function viewShare(camera: Camera, zone: Zone): number {
  let inside = 0;
  let total = 0;
  for (const p of sectorSamples(camera)) {
    total += p.w;
    if (pointInPolygon(p.at, zone.polygon)) inside += p.w;
  }
  return total === 0 ? 0 : inside / total;
}

/** A camera's field of view sampled on a polar grid, each point weighted by the area it stands for. */
function sectorSamples(camera: Camera): Array<{ at: LonLat; w: number }> {
  const RINGS = 8;
  const RAYS = 13;
  const out: Array<{ at: LonLat; w: number }> = [];
  for (let i = 0; i < RINGS; i++) {
    const r = ((i + 0.5) / RINGS) * camera.rangeM;
    for (let j = 0; j < RAYS; j++) {
      const bearing = camera.bearingDeg - camera.fovDeg / 2 + ((j + 0.5) / RAYS) * camera.fovDeg;
      out.push({ at: offset(camera.position, bearing, r), w: r }); // a ring's area grows with its radius
    }
  }
  return out;
}

/** Metres between two points (re-exported so domain code has one geometry import). */
export const metres = (a: LonLat, b: LonLat): number => haversineMetres(a, b);
