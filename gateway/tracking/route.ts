import { polygonCentroid, type LonLat } from '../../config/geo';
import type { Zone } from '../../config/schema';
import { walkTimes, type ZoneGraph } from './graph';
import { locate, metres } from './zones';

/**
 * Walking time between two points, from where they really are. The walk graph joins zones,
 * centre to centre; a unit is rarely at a centre. A unit 10 m from an incident across a zone
 * boundary was costed out to its zone's centre, along the graph and back in (211 s) and ranked
 * behind units 150 m away. Here:
 *
 * - points in the same zone, in zones the graph joins, or in zones whose areas touch, walk
 *   straight there (a shared boundary is open ground; the canal is a gap between zones that
 *   no walk joins, so it is never walked across);
 * - otherwise the route joins the graph at the best node in reach (the centre of its own zone
 *   or of a zone it could walk straight into) and leaves it the same way at the other end;
 * - nothing is ever quicker than the straight line.
 *
 * Used for dispatch rankings (and so response clocks) and for judging whether a sighting is a
 * possible move from the one before.
 */

export interface RouteContext {
  graph: ZoneGraph;
  zones: readonly Zone[];
  walkSpeedMps: number;
}

/** Zones within this of each other touch (boundaries drawn by hand rarely meet exactly). */
const TOUCH_M = 2;

interface Site {
  centre: Map<string, LonLat>;
  /** Each zone, and the zones one can walk straight into from it. */
  open: Map<string, Set<string>>;
  times: Map<string, Map<string, number>>;
}

const sites = new WeakMap<readonly Zone[], WeakMap<ZoneGraph, Site>>();

function siteOf(zones: readonly Zone[], graph: ZoneGraph): Site {
  let byGraph = sites.get(zones);
  if (!byGraph) sites.set(zones, (byGraph = new WeakMap()));
  let site = byGraph.get(graph);
  if (site) return site;
  const open = new Map<string, Set<string>>();
  for (const z of zones) open.set(z.id, new Set([z.id, ...(graph.edges.get(z.id) ?? []).map((e) => e.zone)]));
  for (const a of zones) {
    for (const b of zones) {
      if (a.id < b.id && polygonGapMetres(a.polygon, b.polygon) <= TOUCH_M) {
        open.get(a.id)!.add(b.id);
        open.get(b.id)!.add(a.id);
      }
    }
  }
  site = { centre: new Map(zones.map((z) => [z.id, polygonCentroid(z.polygon)])), open, times: new Map() };
  byGraph.set(graph, site);
  return site;
}

/** The zone a point is in, or else the zone whose edge is nearest (a fix just off the map). */
export function zoneNear(point: LonLat, zones: readonly Zone[]): string | null {
  const inside = locate(point, zones);
  if (inside) return inside;
  let best: { zone: string; m: number } | null = null;
  for (const z of zones) {
    const m = pointPolygonMetres(point, z.polygon);
    if (!best || m < best.m) best = { zone: z.id, m };
  }
  return best?.zone ?? null;
}

export function travelSeconds(from: LonLat, to: LonLat, ctx: RouteContext): number {
  const speed = ctx.walkSpeedMps;
  const straight = metres(from, to) / speed;
  const a = zoneNear(from, ctx.zones);
  const b = zoneNear(to, ctx.zones);
  if (!a || !b) return straight;
  const site = siteOf(ctx.zones, ctx.graph);
  const fromOpen = site.open.get(a)!;
  if (fromOpen.has(b)) return straight;
  const toOpen = site.open.get(b)!;
  let best = Infinity;
  for (const enter of fromOpen) {
    let times = site.times.get(enter);
    if (!times) site.times.set(enter, (times = walkTimes(ctx.graph, enter)));
    const toEnter = metres(from, site.centre.get(enter)!) / speed;
    for (const leave of toOpen) {
      const along = times.get(leave);
      if (along === undefined) continue;
      best = Math.min(best, toEnter + along + metres(site.centre.get(leave)!, to) / speed);
    }
  }
  return Math.max(best, straight);
}

// Planar geometry in metres around a point: exact enough over a town centre.
const M_PER_DEG = 111_320;
type XY = readonly [number, number];

function projector(origin: LonLat): (p: LonLat) => XY {
  const k = Math.cos((origin[1] * Math.PI) / 180);
  return (p) => [(p[0] - origin[0]) * M_PER_DEG * k, (p[1] - origin[1]) * M_PER_DEG];
}

function pointSegment(p: XY, a: XY, b: XY): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function pointPolygonMetres(point: LonLat, polygon: readonly LonLat[]): number {
  const xy = projector(point);
  const p = xy(point);
  let best = Infinity;
  for (let i = 0; i + 1 < polygon.length; i++) best = Math.min(best, pointSegment(p, xy(polygon[i]!), xy(polygon[i + 1]!)));
  return best;
}

/** Shortest distance between the outlines of two polygons (0 where they meet or cross). */
function polygonGapMetres(a: readonly LonLat[], b: readonly LonLat[]): number {
  let best = Infinity;
  for (const p of a) best = Math.min(best, pointPolygonMetres(p, b));
  for (const p of b) best = Math.min(best, pointPolygonMetres(p, a));
  return best;
}
