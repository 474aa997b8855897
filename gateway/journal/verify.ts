import type Database from 'better-sqlite3';
import { chainHash, sha256Hex } from './hash';
import type { EventRow } from './rows';
import { GENESIS_HASH } from './types';

export type VerifyResult = { ok: true; count: number; head: string } | { ok: false; seq: number; reason: string; count: number };

/**
 * Walks the whole chain: each row's hash must follow from its header and the previous hash,
 * seqs must be contiguous, and a payload still present must match its digest. A payload may
 * be missing only where a `journal.payload-erased` (one seq) or `journal.payloads-erased`
 * (retention of personal data: many) event records its erasure.
 */
export function verifyJournal(db: Database.Database): VerifyResult {
  const erased = new Set<number>();
  const erasures = db.prepare("SELECT payload FROM events WHERE type IN ('journal.payload-erased', 'journal.payloads-erased')").iterate() as IterableIterator<{
    payload: string | null;
  }>;
  for (const { payload } of erasures) {
    if (!payload) continue;
    const p = JSON.parse(payload) as { seq?: number; seqs?: number[] };
    if (typeof p.seq === 'number') erased.add(p.seq);
    for (const seq of p.seqs ?? []) erased.add(seq);
  }

  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const row of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>) {
    const fail = (reason: string): VerifyResult => ({ ok: false, seq: row.seq, reason, count });
    if (row.seq !== expectedSeq) return fail(`expected seq ${expectedSeq}`);
    if (row.prev_hash !== prev) return fail('prev_hash does not match the previous event');
    if (row.payload === null) {
      if (!erased.has(row.seq)) return fail('payload missing without a recorded erasure');
    } else if (sha256Hex(row.payload) !== row.payload_sha256) {
      return fail('payload does not match payload_sha256');
    }
    const hash = chainHash({
      seq: row.seq,
      id: row.id,
      ts: row.ts,
      source: row.source,
      type: row.type,
      actor: row.actor,
      subject: row.subject,
      ref: row.ref,
      dedupe: row.dedupe,
      payloadSha256: row.payload_sha256,
      prevHash: row.prev_hash,
    });
    if (hash !== row.hash) return fail('hash does not match the event');
    prev = row.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count, head: prev };
}
