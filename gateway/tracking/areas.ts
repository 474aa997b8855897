import type { LonLat } from '../../config/geo';
import type { Config } from '../../config/schema';

/**
 * Whether an area drawn on an order can be enforced. A polygon that crosses itself has no
 * clear inside; one with latitude and longitude swapped lands in the Indian Ocean, where the
 * order can never be breached. Both were issued without a word. Pure.
 */

export interface Bounds {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** How far beyond its zones, premises and cameras a site reaches for drawn areas (degrees, ≈ 2 km). */
const MARGIN_DEG = 0.02;

/** The box holding every zone, premises and camera of the site, with a margin. */
export function siteBounds(config: Pick<Config, 'zones' | 'premises' | 'cameras'>): Bounds {
  const points: LonLat[] = [...config.zones.flatMap((z) => z.polygon), ...config.premises.map((p) => p.position), ...config.cameras.map((c) => c.position)];
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return {
    minLon: Math.min(...lons) - MARGIN_DEG,
    maxLon: Math.max(...lons) + MARGIN_DEG,
    minLat: Math.min(...lats) - MARGIN_DEG,
    maxLat: Math.max(...lats) + MARGIN_DEG,
  };
}

const inside = (p: LonLat, b: Bounds) => p[0] >= b.minLon && p[0] <= b.maxLon && p[1] >= b.minLat && p[1] <= b.maxLat;

/** Sign of the turn a → b → c (planar: lon/lat is fine for a crossing test at town scale). */
function orient(a: LonLat, b: LonLat, c: LonLat): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return Math.abs(v) < 1e-18 ? 0 : Math.sign(v);
}

function onSegment(a: LonLat, b: LonLat, p: LonLat): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Whether two segments share any point (touching counts). */
function segmentsMeet(a: LonLat, b: LonLat, c: LonLat, d: LonLat): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

/** What is wrong with an area's polygon (closed, [longitude, latitude]), one line per fault; empty when it is fine. */
export function areaProblems(polygon: readonly LonLat[], bounds: Bounds): string[] {
  const ring = polygon.slice(0, -1);
  const distinct = new Set(ring.map((p) => `${p[0]},${p[1]}`));
  if (distinct.size < 3) return ['needs at least 3 different corners'];
  const problems: string[] = [];
  const outside = ring.filter((p) => !inside(p, bounds));
  if (outside.length) {
    const swapped = outside.every((p) => inside([p[1], p[0]], bounds));
    problems.push(
      swapped
        ? `latitude and longitude look swapped (${fmt(outside[0]!)}): give each point as [longitude, latitude]`
        : `${outside.length} point(s) lie outside the site (first ${fmt(outside[0]!)}; the site spans longitude ${bounds.minLon.toFixed(3)} to ${bounds.maxLon.toFixed(3)}, latitude ${bounds.minLat.toFixed(3)} to ${bounds.maxLat.toFixed(3)})`,
    );
  }
  const n = polygon.length - 1; // edges
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      const [a, b, c, d] = [polygon[i]!, polygon[i + 1]!, polygon[j]!, polygon[j + 1]!];
      // Neighbouring edges share a corner; they are at fault only if they fold back over each other.
      if (adjacent ? orient(a, b, j === i + 1 ? d : c) === 0 && overlapBack(a, b, c, d) : segmentsMeet(a, b, c, d)) {
        problems.push(`edges ${i + 1} and ${j + 1} cross or touch: an area must be a simple polygon that does not cross itself`);
        return problems;
      }
    }
  }
  let area2 = 0;
  for (let i = 0; i < n; i++) area2 += polygon[i]![0] * polygon[i + 1]![1] - polygon[i + 1]![0] * polygon[i]![1];
  if (Math.abs(area2) < 1e-14) problems.push('has no area (its points lie on a line)');
  return problems;
}

/** Two edges sharing a corner that run back along each other (a spike). */
function overlapBack(a: LonLat, b: LonLat, c: LonLat, d: LonLat): boolean {
  // Collinear neighbours: the far ends lie on the same side of the shared corner.
  const shared = b[0] === c[0] && b[1] === c[1] ? b : a;
  const p = shared === b ? a : b;
  const q = shared === b ? d : c;
  return (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1]) > 0;
}

const fmt = (p: LonLat) => `[${p[0]}, ${p[1]}]`;
