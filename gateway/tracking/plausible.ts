import { polygonCentroid } from '../../config/geo';
import type { Camera } from '../../config/schema';
import { walkTimes } from './graph';
import { travelSeconds, type RouteContext } from './route';
import { steers, type ImplausibleMove, type Sighting, type Track } from './track';
import { metres, type ZonePicker } from './zones';

/**
 * Whether a sighting is a possible move from the one before it. A camera sighting put a
 * subject 360 s' walk away 31 s after a shop saw him, with no warning, and the predictions
 * followed. A move faster than walking is kept on the track and shown, flagged with the speed
 * it implies, but steers nothing until a later sighting follows on from it. Pure.
 */

export interface MoveContext extends RouteContext {
  cameras: readonly Camera[];
}

/** Seconds of grace before a move counts as impossible: clocks and reports are not to the second. */
const GRACE_S = 10;
/** How far from its recorded position a sighting may really have been, by how it was placed. */
const SLACK_M = { point: 15, premises: 20 } as const;

function slackMetres(s: Sighting, ctx: MoveContext): number {
  if (s.precision === 'point' || s.precision === 'premises') return SLACK_M[s.precision];
  if (s.precision === 'camera') return (ctx.cameras.find((c) => c.id === s.cameraId)?.rangeM ?? 0) / 2;
  const zone = ctx.zones.find((z) => z.id === s.zone);
  if (!zone) return 0;
  const c = polygonCentroid(zone.polygon);
  return Math.max(...zone.polygon.map((p) => metres(c, p)));
}

/** How much faster than the walking pace a person can keep up on the run (~3.5 m/s at 1.4 m/s). */
const RUN_FACTOR = 2.5;

/** The impossible move from `from` to `to`, or null when someone could have run it. */
export function judgeMove(from: Sighting, to: Sighting, ctx: MoveContext): ImplausibleMove | null {
  if (!from.position || !to.position) return null;
  const elapsed = Math.abs(to.atMs - from.atMs) / 1000;
  const need = travelSeconds(from.position, to.position, ctx) - (slackMetres(from, ctx) + slackMetres(to, ctx)) / ctx.walkSpeedMps;
  // A suspect runs: only a move beyond a sustained run (RUN_FACTOR × walking pace) is impossible.
  if (need / RUN_FACTOR <= elapsed + GRACE_S) return null;
  return {
    fromSightingId: from.id,
    fromZone: from.zone,
    elapsedSeconds: Math.round(elapsed),
    walkSeconds: Math.round(need),
    impliedSpeedMps: Math.round(((need * ctx.walkSpeedMps) / Math.max(1, elapsed)) * 10) / 10,
    confirmed: false,
  };
}

/**
 * A new sighting judged against the track: flagged when it is an impossible move from the last
 * sighting before it that steers the track, unless it follows on from an earlier flagged one,
 * which two sightings now agree on: that one is `confirmed` (journal it again) and the new one
 * stands.
 */
export function checkMove(track: Track | null, s: Sighting, ctx: MoveContext): { sighting: Sighting; confirmed: Sighting | null } {
  const earlier = (track?.sightings ?? []).filter((x) => x.id !== s.id && x.atMs <= s.atMs);
  const before = [...earlier].reverse().find(steers);
  if (!before) return { sighting: s, confirmed: null };
  const move = judgeMove(before, s, ctx);
  if (!move) return { sighting: s, confirmed: null };
  const flagged = [...earlier].reverse().find((x) => x.atMs >= before.atMs && x.implausible && !x.implausible.confirmed);
  if (flagged && !judgeMove(flagged, s, ctx)) {
    return { sighting: s, confirmed: { ...flagged, implausible: { ...flagged.implausible!, confirmed: true } } };
  }
  return { sighting: { ...s, implausible: move }, confirmed: null };
}

/** Zone-to-zone walks run centre to centre: a zone counts as reachable this much sooner. */
const REACH_GRACE_S = 60;

/**
 * Of the zones a camera sees (best view first), the one most consistent with the track: the
 * best-viewed zone the subject could have walked to since he was last (steadily) seen before
 * `atMs`; if none, the one nearest on foot. Undefined without a track: the camera's main view.
 */
export function consistentZone(track: Track | null | undefined, atMs: number, ctx: RouteContext): ZonePicker | undefined {
  const last = [...(track?.sightings ?? [])].reverse().find((x) => x.atMs <= atMs && steers(x));
  if (!last?.zone) return undefined;
  const times = walkTimes(ctx.graph, last.zone);
  const elapsed = (atMs - last.atMs) / 1000;
  return (candidates) => {
    const reachable = candidates.find((z) => (times.get(z) ?? Infinity) <= elapsed + REACH_GRACE_S);
    if (reachable) return reachable;
    let best: { zone: string; t: number } | null = null;
    for (const z of candidates) {
      const t = times.get(z) ?? Infinity;
      if (!best || t < best.t) best = { zone: z, t };
    }
    return best?.zone ?? null;
  };
}
