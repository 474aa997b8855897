import type { Zone } from '../../config/schema';

/**
 * The town's walking graph: zones joined by the configured neighbour walks. Travel times
 * come from here, never from straight-line distance: a canal with one bridge makes zones
 * that are 30 m apart a six-minute walk apart.
 */
export interface ZoneGraph {
  readonly edges: ReadonlyMap<string, ReadonlyArray<{ zone: string; seconds: number }>>;
}

export function buildGraph(zones: readonly Zone[]): ZoneGraph {
  const edges = new Map<string, Array<{ zone: string; seconds: number }>>();
  for (const z of zones)
    edges.set(
      z.id,
      z.neighbours.map((n) => ({ zone: n.zone, seconds: n.walkSeconds })),
    );
  return { edges };
}

/**
 * Shortest walking seconds from `from` to every reachable zone (Dijkstra). The graph has a
 * dozen or so zones, so a linear scan for the nearest open zone beats a heap in clarity and
 * costs nothing.
 */
export function walkTimes(graph: ZoneGraph, from: string): Map<string, number> {
  const dist = new Map<string, number>();
  if (!graph.edges.has(from)) return dist;
  dist.set(from, 0);
  const done = new Set<string>();
  for (;;) {
    let here: string | null = null;
    let best = Infinity;
    for (const [id, d] of dist) {
      if (!done.has(id) && d < best) {
        best = d;
        here = id;
      }
    }
    if (here === null) return dist;
    done.add(here);
    for (const e of graph.edges.get(here) ?? []) {
      const d = best + e.seconds;
      if (d < (dist.get(e.zone) ?? Infinity)) dist.set(e.zone, d);
    }
  }
}

/** Walking seconds between two zones; Infinity when there is no way through. */
export function walkSeconds(graph: ZoneGraph, from: string, to: string): number {
  return walkTimes(graph, from).get(to) ?? Infinity;
}
