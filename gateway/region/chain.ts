import { chainHash, sha256Hex } from '../journal/hash';
import { GENESIS_HASH } from '../journal/types';
import type { WireItem } from '../uplink/wire';

/**
 * What the region can verify of one uplinked item on its own. A full event's header must hash
 * to its `hash` (the chain covers the payload's digest, not the payload, which is why the
 * header alone suffices), and a payload sent unmodified must match that digest. A bare link
 * carries nothing to recompute; links between neighbours are checked in the store, against
 * what is already there.
 */

export type BreakKind = 'hash' | 'payload' | 'link' | 'gap' | 'fork';

export interface Break {
  seq: number;
  kind: BreakKind;
  detail: string;
}

export interface ItemCheck {
  hashOk: boolean | null;
  payloadOk: boolean | null;
  breaks: Break[];
}

export { GENESIS_HASH };

export function checkItem(e: WireItem): ItemCheck {
  if (e.kind === 'link') return { hashOk: null, payloadOk: null, breaks: [] };
  const breaks: Break[] = [];
  const hashOk =
    chainHash({
      seq: e.seq,
      id: e.id,
      ts: e.ts,
      source: e.source,
      type: e.type,
      actor: e.actor,
      subject: e.subject,
      ref: e.ref,
      dedupe: e.dedupe,
      payloadSha256: e.payloadSha256,
      prevHash: e.prevHash,
    }) === e.hash;
  if (!hashOk) breaks.push({ seq: e.seq, kind: 'hash', detail: `header of ${e.type} does not hash to ${e.hash.slice(0, 12)}…` });
  let payloadOk: boolean | null = null;
  if (e.payloadMode === 'full') {
    payloadOk = e.payload !== null && sha256Hex(e.payload) === e.payloadSha256;
    if (!payloadOk) breaks.push({ seq: e.seq, kind: 'payload', detail: `payload of ${e.type} does not match payloadSha256` });
  }
  return { hashOk, payloadOk, breaks };
}

/** The payload as jsonb can store it; PostgreSQL's jsonb refuses a NUL character anywhere. */
export function storablePayload(e: WireItem): string | null {
  if (e.kind === 'link' || e.payload === null || e.payload.includes('\\u0000')) return null;
  try {
    JSON.parse(e.payload);
    return e.payload;
  } catch {
    return null;
  }
}
