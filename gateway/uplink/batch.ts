import type { AppendInput } from '../journal/types';
import type { EventRow } from '../journal/rows';
import type { UplinkPolicy } from './minimise';
import { UPLINK_WIRE_VERSION, type PayloadMode, type WireItem } from './wire';

/** Brokers commonly cap packets at 1 MB (EMQX's default); stay well under it. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export type SentMode = PayloadMode | 'link';

export interface Batch {
  body: string;
  firstSeq: number;
  last: { seq: number; hash: string };
  count: number;
  modes: Partial<Record<SentMode, number>>;
  /** Custody records to journal once the region's broker has the batch. */
  custody: AppendInput[];
}

function toItem(row: EventRow, policy: UplinkPolicy): { item: WireItem; mode: SentMode; dropped: string[] } {
  const o = policy.outcome(row.type, row.payload, row.subject);
  if (o.kind === 'link')
    return { item: { kind: 'link', seq: row.seq, id: row.id, ts: row.ts, prevHash: row.prev_hash, hash: row.hash }, mode: 'link', dropped: [] };
  return {
    item: {
      kind: 'event',
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
      hash: row.hash,
      payloadMode: o.mode,
      payload: o.payload,
      ...(o.dropped.length ? { dropped: o.dropped } : {}),
    },
    mode: o.mode,
    dropped: o.dropped,
  };
}

/**
 * Evidence records that leave the site are themselves part of the chain of custody: who
 * received what, and in which form, is journaled against the evidence id. (Not for the
 * custody record itself, or every uplink would beget another.)
 */
function custodyOf(row: EventRow, mode: SentMode, dropped: string[], broker: string): AppendInput | null {
  if (mode === 'link' || !row.type.startsWith('evidence.') || row.type === 'evidence.uplinked') return null;
  return {
    source: 'uplink',
    type: 'evidence.uplinked',
    subject: row.subject,
    ref: row.ref,
    dedupe: `uplink:${row.id}`,
    payload: { evidenceId: row.ref, seq: row.seq, eventId: row.id, eventType: row.type, payloadMode: mode, dropped, broker },
  };
}

/**
 * One MQTT message from consecutive journal rows: as many as fit under the byte cap, and
 * always at least one.
 */
export function buildBatch(siteId: string, rows: readonly EventRow[], policy: UplinkPolicy, broker: string): Batch | null {
  if (rows.length === 0) return null;
  const parts: string[] = [];
  const modes: Batch['modes'] = {};
  const custody: AppendInput[] = [];
  let bytes = 64;
  let last = rows[0]!;
  for (const row of rows) {
    const { item, mode, dropped } = toItem(row, policy);
    const json = JSON.stringify(item);
    if (parts.length > 0 && bytes + json.length + 1 > MAX_MESSAGE_BYTES) break;
    parts.push(json);
    bytes += json.length + 1;
    modes[mode] = (modes[mode] ?? 0) + 1;
    const c = custodyOf(row, mode, dropped, broker);
    if (c) custody.push(c);
    last = row;
  }
  const body = `{"v":${UPLINK_WIRE_VERSION},"site":${JSON.stringify(siteId)},"events":[${parts.join(',')}]}`;
  return { body, firstSeq: rows[0]!.seq, last: { seq: last.seq, hash: last.hash }, count: parts.length, modes, custody };
}
