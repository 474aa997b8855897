import type { JournalEvent } from '../journal/types';

/**
 * A projection is a view of current state computed only from journal events, so that replay
 * from zero rebuilds it exactly. `apply` must be deterministic: it may read the event (its
 * `ts`, never the wall clock) and the static config, nothing else.
 */
export interface Projection<S> {
  readonly name: string;
  apply(event: JournalEvent): void;
  snapshot(): S;
}
