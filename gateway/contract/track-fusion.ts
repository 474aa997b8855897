import type { Sighting, Track } from './tracking-views';

/**
 * How sightings fold into tracks, as pure functions of the journal's `track.sighting` and
 * `track.ended` events. The gateway's tracks projection and watcher and the console's live
 * tracking state both apply these, so the console cannot draw a subject somewhere the gateway
 * does not place him (it used to restate this by hand, and placed him at an impossible move).
 */

/** A track keeps its most recent sightings in memory; the journal keeps them all. */
export const MAX_SIGHTINGS = 500;

/** Sightings linked to no subject, kept for operators to link; older ones remain in the journal. */
export const MAX_UNLINKED = 200;

export const trackIdOf = (subjectId: string) => `trk-${subjectId}`;

/** Sightings that may steer predictions: placed in a zone, and not an unconfirmed impossible move. */
export const steers = (s: Sighting): boolean => s.zone !== null && !(s.implausible && !s.implausible.confirmed);

/** The track after one more sighting of its subject, and whether the subject is newly (re)appeared. */
export function fuse(track: Track | null, s: Sighting & { subjectId: string }): { track: Track; type: 'new' | 'update' } {
  const type = !track || track.state === 'ended' ? 'new' : 'update';
  const sightings = [...(track?.sightings ?? []).filter((x) => x.id !== s.id), s]
    .sort((a, b) => a.atMs - b.atMs || a.causeSeq - b.causeSeq)
    .slice(-MAX_SIGHTINGS);
  const entered: string[] = [];
  for (const x of sightings) if (x.zone && !entered.includes(x.zone)) entered.push(x.zone);
  // Where he is now: the latest sighting that steers (an unconfirmed impossible move does not).
  const latest = [...sightings].reverse().find(steers) ?? sightings[sightings.length - 1]!;
  return {
    type,
    track: {
      trackId: trackIdOf(s.subjectId),
      subjectId: s.subjectId,
      state: 'active',
      sightings,
      currentZones: latest.zone ? [latest.zone] : [],
      enteredZones: entered,
    },
  };
}

export function endTrack(track: Track): Track {
  return { ...track, state: 'ended', currentZones: [] };
}

/** The unlinked sightings after this one: a linked sighting leaves the list, an unlinked one joins it (newest last). */
export function unlinkedAfter(unlinked: readonly Sighting[], s: Sighting): Sighting[] {
  const rest = unlinked.filter((u) => u.id !== s.id);
  return s.subjectId === null ? [...rest, s].slice(-MAX_UNLINKED) : rest;
}
