import { haversineMetres, pointInPolygon, polygonCentroid, type LonLat } from '../../config/geo';
import type { Camera, Config, Zone } from '../../config/schema';

/**
 * Where things are: a point → its zone, a reported place → a position and a zone, and which
 * zones a camera's field of view covers. Pure functions of the static config.
 */

/** How exactly a sighting's position is known. */
export type Precision = 'point' | 'premises' | 'camera' | 'zone';

/** What a report says about where: any one of these, most precise first. */
export interface PlaceInput {
  lonLat?: readonly [number, number] | undefined;
  premisesId?: string | undefined;
  cameraId?: string | undefined;
  zone?: string | undefined;
}

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
 * Resolves a reported place. A position wins (the reporter was precise); a premises stands for
 * its own position and zone; a camera places the subject where it looks (the middle of its
 * field of view, if that lies in the camera's zone), in the camera's zone; a zone alone gives
 * its centroid. Returns null when the place names nothing known.
 */
export function resolvePlace(place: PlaceInput, config: Pick<Config, 'zones' | 'premises' | 'cameras'>): ResolvedPlace | null {
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
  if (camera) return { ...base, position: cameraAimPoint(camera, config.zones), zone: camera.zone, precision: 'camera' };
  const zone = place.zone ? config.zones.find((z) => z.id === place.zone) : undefined;
  if (zone) return { ...base, position: polygonCentroid(zone.polygon), zone: zone.id, precision: 'zone' };
  return null;
}

/** The middle of a camera's view (half its range along its bearing), kept inside its own zone. */
export function cameraAimPoint(camera: Camera, zones: readonly Zone[]): LonLat {
  const aim = offset(camera.position, camera.bearingDeg, camera.rangeM / 2);
  const zone = zones.find((z) => z.id === camera.zone);
  return zone && pointInPolygon(aim, zone.polygon) ? aim : camera.position;
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
  const RINGS = 8;
  const RAYS = 13;
  let inside = 0;
  let total = 0;
  for (let i = 0; i < RINGS; i++) {
    const r = ((i + 0.5) / RINGS) * camera.rangeM;
    for (let j = 0; j < RAYS; j++) {
      const bearing = camera.bearingDeg - camera.fovDeg / 2 + ((j + 0.5) / RAYS) * camera.fovDeg;
      const w = r; // a ring's area grows with its radius
      total += w;
      if (pointInPolygon(offset(camera.position, bearing, r), zone.polygon)) inside += w;
    }
  }
  return total === 0 ? 0 : inside / total;
}

/** Metres between two points (re-exported so domain code has one geometry import). */
export const metres = (a: LonLat, b: LonLat): number => haversineMetres(a, b);
