import { endTrack, fuse, unlinkedAfter } from '../contract/track-fusion';
import type { Sighting, Track } from '../contract/tracking-views';
import type { TracksState } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { TracksState } from '../contract/views';

/**
 * One fused track per subject, built only from `track.sighting` / `track.ended`, which the
 * tracking watcher journals (folded as contract/track-fusion.ts says, as the console folds them). `lastTrigger` is the seq of the last source event turned into a
 * sighting: after a crash the watcher resumes from there.
 */
export class TracksProjection implements Projection<TracksState> {
  readonly name = 'tracks';
  private readonly tracks = new Map<string, Track>();
  private unlinked: Sighting[] = [];
  lastTrigger = 0;

  get(subjectId: string): Track | undefined {
    return this.tracks.get(subjectId);
  }

  all(): IterableIterator<Track> {
    return this.tracks.values();
  }

  unlinkedSighting(id: string): Sighting | undefined {
    return this.unlinked.find((s) => s.id === id);
  }

  apply(e: JournalEvent): void {
    // An erased payload (retention) changes nothing.
    if (e.type === 'track.sighting' && e.payload) {
      const p = e.payload;
      this.lastTrigger = Math.max(this.lastTrigger, p.trigger);
      const s = structuredClone(p.sighting);
      // A linked sighting leaves the unlinked list for its subject's track.
      this.unlinked = unlinkedAfter(this.unlinked, s);
      if (s.subjectId === null) return;
      this.tracks.set(s.subjectId, fuse(this.tracks.get(s.subjectId) ?? null, { ...s, subjectId: s.subjectId }).track);
    } else if (e.type === 'track.ended' && e.payload) {
      const p = e.payload;
      const t = this.tracks.get(p.subjectId);
      if (t) this.tracks.set(p.subjectId, endTrack(t));
    }
  }

  snapshot(): TracksState {
    return {
      tracks: [...this.tracks.values()].map((t) => structuredClone(t)).sort((a, b) => a.subjectId.localeCompare(b.subjectId)),
      unlinked: this.unlinked.map((s) => structuredClone(s)),
    };
  }
}
