/**
 * The journal's events as the rest of the system sees them. The contract owns this shape so that
 * the console, the uplink and the projections read one definition; `gateway/journal/` stores it.
 */

/** A committed journal row. `payload` is null only after a retention erasure. */
export interface JournalEvent {
  seq: number;
  id: string;
  ts: number;
  source: string;
  type: string;
  actor: string | null;
  subject: string | null;
  ref: string | null;
  dedupe: string | null;
  payload: unknown;
  payloadSha256: string;
  prevHash: string;
  hash: string;
}
