import type { Config } from '../../config/schema';
import { steers } from '../contract/track-fusion';
import type { CameraCover, Handover, Prediction, Track, TrackSummary } from '../contract/tracking-views';
import { walkTimes, type ZoneGraph } from './graph';
import { viewShare } from './zones';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { SourceKind, Sighting, ImplausibleMove, Track, Prediction, TrackSummary, CameraCover, Handover } from '../contract/tracking-views';

/** How sightings fold into a track is shared with the console through the contract. */
export { MAX_SIGHTINGS, trackIdOf, steers, fuse, endTrack } from '../contract/track-fusion';

/**
 * One track per subject: every sighting from every source (shops, CCTV operators, Frigate,
 * officers on the radio, body-worn video), ordered by when the subject was seen; the zones
 * they are in and have entered; where they may go next and which cameras look there.
 */

export function summary(track: Track): TrackSummary {
  const last = track.sightings[track.sightings.length - 1]!;
  const sources = [...new Set(track.sightings.map((s) => s.kind))].sort();
  return {
    trackId: track.trackId,
    subjectId: track.subjectId,
    state: track.state,
    current_zones: [...track.currentZones],
    entered_zones: [...track.enteredZones],
    sightings: track.sightings.length,
    sources,
    firstSeenAt: track.sightings[0]!.at,
    last: {
      id: last.id,
      at: last.at,
      kind: last.kind,
      zone: last.zone,
      position: last.position,
      precision: last.precision,
      premisesId: last.premisesId,
      cameraId: last.cameraId,
    },
  };
}

/** How fast likelihood falls with the walk: a zone this many seconds further is e (≈2.7) times less likely. */
const LIKELIHOOD_SECONDS = 120;
/** Doubling back is this much less likely than going on. */
const BACK_WEIGHT = 0.5;

/**
 * Every zone the subject could have reached by `nowMs` plus `horizonSeconds`, from the zone
 * they were last seen in, over the walking graph: none is dropped for being behind them or for
 * making the list long (a 60 s neighbour the way he came is still a likely exit). Ranked by
 * likelihood: the walk, with the direction of travel as a weight (from the zone before, a zone
 * further away is "onward"; doubling back counts half).
 */
export function predict(track: Track, graph: ZoneGraph, nowMs: number, horizonSeconds: number, cover: ReadonlyMap<string, CameraCover[]>): Prediction[] {
  const seen = track.sightings.filter(steers);
  const last = seen[seen.length - 1];
  if (!last?.zone) return [];
  const here = last.zone;
  const prev = [...seen].reverse().find((s) => s.zone !== here)?.zone ?? null;
  const times = walkTimes(graph, here);
  const fromPrev = prev ? walkTimes(graph, prev) : null;
  const budget = Math.max(0, (nowMs - last.atMs) / 1000) + horizonSeconds;
  const out: Prediction[] = [];
  for (const [zone, secs] of times) {
    if (zone === here || secs > budget) continue;
    const onward = !fromPrev || (fromPrev.get(zone) ?? Infinity) > (fromPrev.get(here) ?? 0);
    const likelihood = Math.round(Math.exp(-secs / LIKELIHOOD_SECONDS) * (onward ? 1 : BACK_WEIGHT) * 1000) / 1000;
    out.push({
      zone,
      walkSeconds: secs,
      reachableAt: new Date(last.atMs + secs * 1000).toISOString(),
      onward,
      likelihood,
      covered: (cover.get(zone)?.length ?? 0) > 0,
    });
  }
  out.sort((a, b) => b.likelihood - a.likelihood || a.walkSeconds - b.walkSeconds || a.zone.localeCompare(b.zone));
  return out;
}

/** For each zone, the cameras that can see into it, best view first. Computed once from config. */
export function coverageTable(config: Pick<Config, 'zones' | 'cameras'>): Map<string, CameraCover[]> {
  const table = new Map<string, CameraCover[]>();
  for (const zone of config.zones) {
    const covers: CameraCover[] = [];
    for (const cam of config.cameras) {
      const share = viewShare(cam, zone);
      // A PTZ camera homed in the zone stays a candidate (it can turn), after those that see in.
      if (share > 0 || (cam.ptz && cam.zone === zone.id)) covers.push({ cameraId: cam.id, share: Math.round(share * 100) / 100, ptz: cam.ptz });
    }
    covers.sort((a, b) => b.share - a.share || a.cameraId.localeCompare(b.cameraId));
    table.set(zone.id, covers);
  }
  return table;
}

/**
 * Cameras for the operator, in the order to use them: those on the current zone, then those on
 * each predicted zone by the earliest the subject could be there. A camera covering several of
 * them is listed once, for the first. Predicted zones no camera covers are `covered: false`.
 */
export function handover(track: Track, predictions: readonly Prediction[], table: ReadonlyMap<string, CameraCover[]>): Handover[] {
  const out: Handover[] = [];
  const seen = new Set<string>();
  const add = (zone: string, reachableAt: string | null) => {
    for (const c of table.get(zone) ?? []) {
      if (seen.has(c.cameraId)) continue;
      seen.add(c.cameraId);
      out.push({ ...c, zone, reachableAt });
    }
  };
  const here = track.state === 'active' ? track.currentZones[0] : undefined;
  if (here) add(here, null);
  const byTime = [...predictions].sort((a, b) => a.walkSeconds - b.walkSeconds || b.likelihood - a.likelihood || a.zone.localeCompare(b.zone));
  for (const p of byTime) add(p.zone, p.reachableAt);
  return out;
}
