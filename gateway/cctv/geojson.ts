import type { Camera } from '../../config/schema';

/**
 * The camera register as GeoJSON (RFC 7946): positions are [longitude, latitude], each camera
 * is a Point feature plus a Polygon feature for its field of view (a sector of `rangeM` around
 * `bearingDeg`), so a map can style them apart by `properties.kind`.
 */

type Position = [number, number];

export interface CameraFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: Position } | { type: 'Polygon'; coordinates: Position[][] };
  properties: Record<string, unknown> & { kind: 'camera' | 'fov'; cameraId: string };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: CameraFeature[];
}

const EARTH_RADIUS_M = 6_371_008.8; // mean radius (IUGG), as in config/geo.ts's haversine
const ARC_STEP_DEG = 10;
const round = (v: number) => Math.round(v * 1e7) / 1e7; // ~1 cm

/** The point `distanceM` from `from` along the great circle starting at `bearingDeg`. */
export function destination(from: readonly [number, number], bearingDeg: number, distanceM: number): Position {
  const [lon1, lat1] = [(from[0] * Math.PI) / 180, (from[1] * Math.PI) / 180];
  const brg = (bearingDeg * Math.PI) / 180;
  const d = distanceM / EARTH_RADIUS_M;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(brg));
  const lon2 = lon1 + Math.atan2(Math.sin(brg) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return [round((((lon2 * 180) / Math.PI + 540) % 360) - 180), round((lat2 * 180) / Math.PI)];
}

/**
 * The field of view as a closed ring, counterclockwise as RFC 7946 §3.1.6 asks of exterior
 * rings: bearings grow clockwise, so the arc is walked from the right edge back to the left.
 */
export function fovRing(c: Pick<Camera, 'position' | 'bearingDeg' | 'fovDeg' | 'rangeM'>): Position[] {
  const apex: Position = [round(c.position[0]), round(c.position[1])];
  if (c.fovDeg >= 360) {
    const circle = Array.from({ length: 36 }, (_, i) => destination(c.position, 360 - i * 10, c.rangeM));
    return [...circle, circle[0]!];
  }
  const steps = Math.max(2, Math.ceil(c.fovDeg / ARC_STEP_DEG));
  const right = c.bearingDeg + c.fovDeg / 2;
  const arc = Array.from({ length: steps + 1 }, (_, i) => destination(c.position, right - (i * c.fovDeg) / steps, c.rangeM));
  return [apex, ...arc, apex];
}

export function camerasGeoJson(cameras: readonly Camera[], extra: (id: string) => Record<string, unknown> = () => ({})): FeatureCollection {
  const features = cameras.flatMap((c): CameraFeature[] => {
    const props = { cameraId: c.id, name: c.name, zone: c.zone, bearingDeg: c.bearingDeg, fovDeg: c.fovDeg, rangeM: c.rangeM, ptz: c.ptz, ...extra(c.id) };
    return [
      {
        type: 'Feature',
        id: c.id,
        geometry: { type: 'Point', coordinates: [round(c.position[0]), round(c.position[1])] },
        properties: { ...props, kind: 'camera' },
      },
      { type: 'Feature', id: `${c.id}-fov`, geometry: { type: 'Polygon', coordinates: [fovRing(c)] }, properties: { ...props, kind: 'fov' } },
    ];
  });
  return { type: 'FeatureCollection', features };
}
