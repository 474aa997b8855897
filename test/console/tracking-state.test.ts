import { describe, expect, it } from 'vitest';
import { applyTracking, trackingFrom } from '../../console/src/tracking-state';
import { toConsoleEvent } from '../../gateway/contract/socket';
import { asJournalEvent, type EventPayload, type EventType, type JournalEvent } from '../../gateway/contract/events';
import { Projections } from '../../gateway/projections';
import { buildGraph } from '../../gateway/tracking/graph';
import { checkMove } from '../../gateway/tracking/plausible';
import { endTrack, fuse, summary, type Sighting, type Track } from '../../gateway/tracking/track';
import { sighting, town } from '../tracking/fixtures';

/**
 * The console keeps its tracking picture current from the journal stream between snapshots.
 * It must fold `track.*` events exactly as the gateway's tracks projection does, or a
 * controller sees a subject somewhere the gateway (and its camera handover) does not put him.
 */

const ctx = { graph: buildGraph(town.zones), zones: town.zones, walkSpeedMps: town.tracking.walkSpeedMps, cameras: town.cameras };

let seq = 0;
function journaled<K extends EventType>(type: K, payload: EventPayload<K>): JournalEvent {
  seq++;
  return asJournalEvent({
    seq,
    id: `ev-${seq}`,
    ts: 1_772_460_000_000 + seq * 1000,
    source: 'tracking',
    type,
    actor: null,
    subject: null,
    ref: null,
    dedupe: null,
    payload,
    payloadSha256: '',
    prevHash: '',
    hash: '',
  });
}

/** A `track.sighting` as the watcher journals it: with the subject's track before and after. */
function sightingEvent(x: Sighting, tracks: Map<string, Track>): JournalEvent {
  if (x.subjectId === null) return journaled('track.sighting', { type: 'new', sighting: x, before: null, after: null, trigger: x.causeSeq });
  const before = tracks.get(x.subjectId) ?? null;
  const { track, type } = fuse(before, { ...x, subjectId: x.subjectId });
  tracks.set(x.subjectId, track);
  return journaled('track.sighting', { type, sighting: x, before: before ? { ...summary(before) } : null, after: { ...summary(track) }, trigger: x.causeSeq });
}

/** Journals sightings as the tracking watcher does: each judged against the subject's track so far. */
function watch(list: Sighting[], tracks = new Map<string, Track>()): JournalEvent[] {
  const out: JournalEvent[] = [];
  for (const s of list) {
    const before = s.subjectId === null ? null : (tracks.get(s.subjectId) ?? null);
    const r = checkMove(before, s, ctx);
    for (const x of r.confirmed ? [r.confirmed, r.sighting] : [r.sighting]) out.push(sightingEvent(x, tracks));
  }
  return out;
}

/** The same events through the gateway's projections and through the console's state. */
function bothSides(events: JournalEvent[]) {
  const gateway = new Projections(town);
  const shown = trackingFrom(gateway.snapshot());
  for (const e of events) {
    gateway.apply(e);
    applyTracking(shown, toConsoleEvent(e), () => ({ zone: null, position: null }));
  }
  const state = gateway.snapshot().tracks;
  return { gateway: state, console: { tracks: [...shown.tracks.values()].sort((a, b) => a.subjectId.localeCompare(b.subjectId)), unlinked: shown.unlinked } };
}

describe("the console's tracks follow the gateway's", () => {
  const shop = sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-016' }, { kind: 'shop' });
  // 31 s later on the towpath camera: faster than anyone walks from the Bus Station.
  const towpath = sighting('2026-03-02T14:00:31Z', { cameraId: 'cam-08', zone: 'canal-side' });

  it('an impossible move is shown on the track but does not move the subject', () => {
    const events = watch([shop, towpath]);
    expect((events[1]!.payload as { sighting: Sighting }).sighting.implausible).toMatchObject({ confirmed: false });
    const { gateway, console: shown } = bothSides(events);
    expect(gateway.tracks[0]!.currentZones).toEqual(['bus-station']);
    expect(shown.tracks).toEqual(gateway.tracks);
  });

  it('a later sighting that confirms the move moves him, on both sides', () => {
    const later = sighting('2026-03-02T14:00:45Z', { zone: 'canal-side' }, { kind: 'radio' });
    const { gateway, console: shown } = bothSides(watch([shop, towpath, later]));
    expect(gateway.tracks[0]!.currentZones).toEqual(['canal-side']);
    expect(shown.tracks).toEqual(gateway.tracks);
  });

  it('unlinked sightings, linking one, and ending a track', () => {
    const loose = sighting('2026-03-02T14:05:00Z', { zone: 'high-street-south' }, { subjectId: null });
    const tracks = new Map<string, Track>();
    const events = watch([shop, loose, sighting('2026-03-02T14:06:00Z', { zone: 'high-street-south' }, { subjectId: null })], tracks);
    // An operator links the first loose sighting to the subject: the watcher journals it again, linked.
    events.push(sightingEvent({ ...loose, subjectId: 'subj-1' }, tracks));
    const track = tracks.get('subj-1')!;
    const linked = bothSides(events);
    expect(linked.gateway.unlinked).toHaveLength(1);
    expect(linked.console).toEqual(linked.gateway);
    events.push(journaled('track.ended', { type: 'end', subjectId: 'subj-1', before: { ...summary(track) }, after: { ...summary(endTrack(track)) } }));
    const ended = bothSides(events);
    expect(ended.gateway.tracks[0]).toMatchObject({ state: 'ended', currentZones: [] });
    expect(ended.console).toEqual(ended.gateway);
  });
});
