/**
 * Small-area geometry for a town centre. Zones are a few hundred metres across, so planar
 * maths on raw lon/lat is accurate enough for containment; distances use haversine so that
 * "metres" really are metres when ranking units for dispatch.
 */

/** A WGS84 position in GeoJSON order: longitude first. */
export type LonLat = readonly [lon: number, lat: number];

const EARTH_RADIUS_M = 6_371_008.8; // mean radius (IUGG)

/**
 * Even-odd ray casting. The polygon may be closed (first == last) or not. A point exactly
 * on an edge may fall either side, so zones that share an edge should not rely on it.
 */
export function pointInPolygon(point: LonLat, polygon: readonly LonLat[]): boolean {
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (!a || !b) continue;
    const [xi, yi] = a;
    const [xj, yj] = b;
    // Half-open test on y stops a vertex shared by two edges being counted twice.
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Great-circle distance in metres. */
export function haversineMetres(a: LonLat, b: LonLat): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Area-weighted centroid, used as a zone's "where is it" point when nothing more precise is
 * known (a sighting reported only by zone). Falls back to the vertex mean for a degenerate
 * polygon so callers always get a position.
 */
export function polygonCentroid(polygon: readonly LonLat[]): LonLat {
  const ring = closedRing(polygon);
  let area2 = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i] as LonLat;
    const [x1, y1] = ring[i + 1] as LonLat;
    const cross = x0 * y1 - x1 * y0;
    area2 += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(area2) < 1e-18) {
    const pts = ring.slice(0, -1);
    const n = Math.max(1, pts.length);
    return [pts.reduce((s, p) => s + p[0], 0) / n, pts.reduce((s, p) => s + p[1], 0) / n];
  }
  return [cx / (3 * area2), cy / (3 * area2)];
}

function closedRing(polygon: readonly LonLat[]): readonly LonLat[] {
  const first = polygon[0];
  const last = polygon[polygon.length - 1];
  if (!first || !last) return [];
  return first[0] === last[0] && first[1] === last[1] ? polygon : [...polygon, first];
}
