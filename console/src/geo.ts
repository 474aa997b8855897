import type { LonLat } from '../../gateway/contract/api';

/** Leaflet wants [lat, lon]; the config and GeoJSON say [lon, lat]. */
export const ll = (p: LonLat): [number, number] => [p[1], p[0]];

const M_PER_DEG = 111_320;

/** A point `distanceM` from `from` on `bearingDeg` (clockwise from north); flat-earth, fine at town scale. */
export function offset(from: LonLat, bearingDeg: number, distanceM: number): LonLat {
  const rad = (bearingDeg * Math.PI) / 180;
  const dLat = (Math.cos(rad) * distanceM) / M_PER_DEG;
  const dLon = (Math.sin(rad) * distanceM) / (M_PER_DEG * Math.cos((from[1] * Math.PI) / 180));
  return [from[0] + dLon, from[1] + dLat];
}

/** A camera's field of view as a polygon: the camera, then an arc at its range. */
export function fieldOfView(position: LonLat, bearingDeg: number, fovDeg: number, rangeM: number): LonLat[] {
  if (fovDeg >= 360) return Array.from({ length: 37 }, (_, i) => offset(position, i * 10, rangeM));
  const steps = Math.max(4, Math.ceil(fovDeg / 10));
  const start = bearingDeg - fovDeg / 2;
  const arc = Array.from({ length: steps + 1 }, (_, i) => offset(position, start + (fovDeg * i) / steps, rangeM));
  return [position, ...arc, position];
}

/** The mean of a polygon's distinct vertices: a good enough label point for street-block zones. */
export function centre(polygon: readonly LonLat[]): LonLat {
  const pts = polygon.length > 1 && polygon[0]![0] === polygon.at(-1)![0] && polygon[0]![1] === polygon.at(-1)![1] ? polygon.slice(0, -1) : polygon;
  const lon = pts.reduce((s, p) => s + p[0], 0) / Math.max(1, pts.length);
  const lat = pts.reduce((s, p) => s + p[1], 0) / Math.max(1, pts.length);
  return [lon, lat];
}

/** Whether a point is inside a polygon (ray casting; [lon, lat] as the config has them). */
export function inside(p: LonLat, polygon: readonly LonLat[]): boolean {
  let yes = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) yes = !yes;
  }
  return yes;
}

/** The zone a point falls in, as the gateway's place rule files it, to say so before sending. */
export function zoneAt<Z extends { polygon: readonly LonLat[] }>(p: LonLat, zones: readonly Z[]): Z | undefined {
  return zones.find((z) => inside(p, z.polygon));
}
