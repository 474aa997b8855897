import type { JournalEvent } from '../journal/types';
import type { SubjectRecord } from '../tracking/gallery';
import type { Projection } from './types';

/** A photo the gateway stores (gateway/tracking/photo-store.ts): its reference is its hash. */
export const PHOTO_REF = 'sha256:';

export type SubjectFields = Omit<SubjectRecord, 'id' | 'createdAt' | 'updatedAt' | 'createdBy'>;

/**
 * The gallery of subjects (personal data). Read through the tracking API, which journals every
 * view; the state snapshot never carries it (see snapshotFor).
 */
export class SubjectsProjection implements Projection<SubjectRecord[]> {
  readonly name = 'subjects';
  private readonly subjects = new Map<string, SubjectRecord>();

  get(id: string): SubjectRecord | undefined {
    return this.subjects.get(id);
  }

  has(id: string): boolean {
    return this.subjects.has(id);
  }

  /** Whether events about this subject may name them to the region (the uplink rules read the flag). */
  sharedRegionally(id: string): boolean {
    return this.subjects.get(id)?.sharedRegionally ?? false;
  }

  /** The watch list, as ids. */
  watched(): string[] {
    return [...this.subjects.values()]
      .filter((s) => s.watch)
      .map((s) => s.id)
      .sort();
  }

  all(): IterableIterator<SubjectRecord> {
    return this.subjects.values();
  }

  apply(e: JournalEvent): void {
    // An erased payload (retention) changes nothing.
    if (e.type === 'subject.created' && e.payload) {
      // Journals from before regional sharing have no flag: not shared.
      const { subjectId, sharedRegionally, sharedWithMembersUntil, ...fields } = e.payload;
      this.subjects.set(subjectId, {
        id: subjectId,
        ...fields,
        sharedWithMembersUntil: sharedWithMembersUntil ?? null,
        watch: null,
        sharedRegionally: sharedRegionally ?? false,
        createdAt: e.ts,
        updatedAt: e.ts,
        createdBy: e.actor,
      });
    } else if (e.type === 'subject.updated' && e.payload) {
      const p = e.payload;
      const s = this.subjects.get(p.subjectId);
      if (!s) return;
      Object.assign(s, structuredClone(p.changes), { updatedAt: e.ts });
      if (p.changes.sharedWithMembers === false) s.sharedWithMembersUntil = null;
    } else if (e.type === 'subject.shared' && e.payload) {
      const s = this.subjects.get(e.payload.subjectId);
      if (s) Object.assign(s, { sharedWithMembers: true, sharedWithMembersUntil: e.payload.until, updatedAt: e.ts });
    } else if ((e.type === 'subject.withdrawn' || e.type === 'subject.share-expired') && e.payload) {
      const s = this.subjects.get(e.payload.subjectId);
      if (s) Object.assign(s, { sharedWithMembers: false, sharedWithMembersUntil: null, updatedAt: e.ts });
    } else if (e.type === 'subject.photo-set' && e.payload) {
      const s = this.subjects.get(e.payload.subjectId);
      if (s) {
        const thumb = e.payload.thumbSha256;
        Object.assign(s, { photoRef: `${PHOTO_REF}${e.payload.sha256}`, thumbRef: thumb ? `${PHOTO_REF}${thumb}` : null, updatedAt: e.ts });
      }
    } else if (e.type === 'subject.watched' && e.payload) {
      const s = this.subjects.get(e.payload.subjectId);
      if (s) Object.assign(s, { watch: { since: e.ts, by: e.actor, reason: e.payload.reason }, updatedAt: e.ts });
    } else if (e.type === 'subject.unwatched' && e.payload) {
      const s = this.subjects.get(e.payload.subjectId);
      if (s) Object.assign(s, { watch: null, updatedAt: e.ts });
    }
  }

  snapshot(): SubjectRecord[] {
    return [...this.subjects.values()].map((s) => structuredClone(s)).sort((a, b) => a.id.localeCompare(b.id));
  }
}
