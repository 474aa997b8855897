import { asJournalEvent } from '../contract/events';
import type { JournalEvent } from './types';

/** A row of `events` as SQLite returns it. */
export interface EventRow {
  seq: number;
  id: string;
  ts: number;
  source: string;
  type: string;
  actor: string | null;
  subject: string | null;
  ref: string | null;
  dedupe: string | null;
  payload: string | null;
  payload_sha256: string;
  prev_hash: string;
  hash: string;
}

export function rowToEvent(row: EventRow): JournalEvent {
  return asJournalEvent({
    seq: row.seq,
    id: row.id,
    ts: row.ts,
    source: row.source,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    ref: row.ref,
    dedupe: row.dedupe,
    payload: row.payload === null ? null : (JSON.parse(row.payload) as unknown),
    payloadSha256: row.payload_sha256,
    prevHash: row.prev_hash,
    hash: row.hash,
  });
}
