import { describe, expect, it } from 'vitest';
import { applyTracking, trackingFrom } from '../../console/src/tracking-state';
import { toConsoleEvent } from '../../gateway/contract/socket';
import type { JournalEvent } from '../../gateway/journal/types';
import { Projections } from '../../gateway/projections';
import { buildGraph } from '../../gateway/tracking/graph';
import { checkMove } from '../../gateway/tracking/plausible';
import { fuse, type Sighting, type Track } from '../../gateway/tracking/track';
import { sighting, town } from '../tracking/fixtures';

/**
 * The console keeps its tracking picture current from the journal stream between snapshots.
 * It must fold `track.*` events exactly as the gateway's tracks projection does, or a
 * controller sees a subject somewhere the gateway (and its camera handover) does not put him.
 */

const ctx = { graph: buildGraph(town.zones), zones: town.zones, walkSpeedMps: town.tracking.walkSpeedMps, cameras: town.cameras };

let seq = 0;
function journaled(type: string, payload: unknown): JournalEvent {
  seq++;
  return {
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
  };
}

/** Journals sightings as the tracking watcher does: each judged against the subject's track so far. */
function watch(list: Sighting[]): JournalEvent[] {
  const tracks = new Map<string, Track>();
  const out: JournalEvent[] = [];
  for (const s of list) {
    const before = s.subjectId === null ? null : (tracks.get(s.subjectId) ?? null);
    const r = checkMove(before, s, ctx);
    for (const x of r.confirmed ? [r.confirmed, r.sighting] : [r.sighting]) {
      out.push(journaled('track.sighting', { sighting: x, trigger: x.causeSeq }));
      if (x.subjectId !== null) tracks.set(x.subjectId, fuse(tracks.get(x.subjectId) ?? null, { ...x, subjectId: x.subjectId }).track);
    }
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
    const events = watch([shop, loose, sighting('2026-03-02T14:06:00Z', { zone: 'high-street-south' }, { subjectId: null })]);
    // An operator links the first loose sighting to the subject: the watcher journals it again, linked.
    events.push(journaled('track.sighting', { sighting: { ...loose, subjectId: 'subj-1' }, trigger: loose.causeSeq }));
    const linked = bothSides(events);
    expect(linked.gateway.unlinked).toHaveLength(1);
    expect(linked.console).toEqual(linked.gateway);
    events.push(journaled('track.ended', { subjectId: 'subj-1' }));
    const ended = bothSides(events);
    expect(ended.gateway.tracks[0]).toMatchObject({ state: 'ended', currentZones: [] });
    expect(ended.console).toEqual(ended.gateway);
  });
});
