import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { statusSigningText, UplinkMessage, type SiteStatus, type WireItem } from '../uplink/wire';
import { GENESIS_HASH } from './chain';
import { footprintOf, rebuildFootprint } from './rebuild';
import type { RegionStore } from './store';

/**
 * Telling a site from a holder of its MQTT password. Each status a site sends signs its uplink
 * cursor, `(acked, ackedHash)`, with a key only the site and the region have (HMAC-SHA256). The
 * region walks back from that hash along `prev_hash`: every seq on the way is the site's own.
 * Where the stored event is another version (a forgery stored first, or a tampered resend), the
 * site's version, if it has arrived (kept in `event_versions` as a fork), replaces it, and what was
 * derived from the forgery goes (subject and sighting rows are rebuilt from the other events); if
 * it has not, the region asks the site for that seq again.
 * Until a signed head covers a seq, what is derived from it is shown as unconfirmed.
 */

export type SignatureCheck = 'valid' | 'invalid' | 'unsigned' | 'no-key';

export function checkStatusSignature(st: SiteStatus, key: string | undefined): SignatureCheck {
  if (!key) return 'no-key';
  if (!st.sig || !st.ackedHash) return 'unsigned';
  const want = createHmac('sha256', key).update(statusSigningText(st)).digest();
  const got = Buffer.from(st.sig, 'hex');
  return got.length === want.length && timingSafeEqual(got, want) ? 'valid' : 'invalid';
}

/** Any fixed number: one instance at a time confirms a site's chain. */
const CONFIRM_LOCK = 7_340_102;

export interface ConfirmResult {
  confirmedSeq: number;
  repaired: number[];
  /** Seqs the region needs the site's version of (missing, or only a foreign version is here). */
  askFor: number[];
}

/** Replaces the stored version of `seq` by the kept version hashing to `hash`; false when that version is not here. */
async function repair(db: PoolClient, store: RegionStore, siteId: string, seq: number, hash: string): Promise<WireItem | null> {
  const alt = await db.query<{ item: unknown }>('SELECT item FROM event_versions WHERE site_id = $1 AND seq = $2 AND hash = $3', [siteId, seq, hash]);
  if (alt.rowCount === 0) return null;
  const parsed = UplinkMessage.safeParse({ v: 1, site: siteId, events: [alt.rows[0]!.item] });
  if (!parsed.success) return null;
  const item = parsed.data.events[0]!;
  // The stored version is kept as rejected evidence; what was derived from it goes.
  await db.query(
    `INSERT INTO event_versions (site_id, seq, hash, item, status, instance)
     SELECT site_id, seq, hash, to_jsonb(e) - 'site_id', 'rejected', $3 FROM events e WHERE site_id = $1 AND seq = $2
     ON CONFLICT (site_id, seq, hash) DO UPDATE SET status = 'rejected'`,
    [siteId, seq, store.instanceName],
  );
  // Subject and sighting rows merge several events: rebuilt from the rest, not just deleted.
  const touched = await footprintOf(db, siteId, seq);
  await db.query('DELETE FROM incidents WHERE site_id = $1 AND seq = $2', [siteId, seq]);
  await db.query('DELETE FROM breaches WHERE site_id = $1 AND seq = $2', [siteId, seq]);
  await db.query('DELETE FROM events WHERE site_id = $1 AND seq = $2', [siteId, seq]);
  await db.query('DELETE FROM event_versions WHERE site_id = $1 AND seq = $2 AND hash = $3', [siteId, seq, hash]);
  await db.query('UPDATE events SET linked = false WHERE site_id = $1 AND seq = $2', [siteId, seq + 1]);
  await store.ingestIn(db, siteId, [item]);
  await rebuildFootprint(db, siteId, touched);
  await db.query(
    `UPDATE chain_breaks SET resolved_at = now(), detail = detail || ' (repaired to the site''s signed version)'
      WHERE site_id = $1 AND seq = ANY($2::bigint[]) AND kind IN ('fork', 'link', 'hash', 'payload') AND resolved_at IS NULL`,
    [siteId, [seq, seq + 1]],
  );
  return item;
}

/**
 * Walks from the site's last signed head back to what is already confirmed, repairing on the way.
 * Confirms nothing while a seq of that stretch is missing or only present in a foreign version.
 */
export async function confirmChain(store: RegionStore, siteId: string, log: Logger): Promise<ConfirmResult> {
  return store.tx(async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CONFIRM_LOCK, siteId]);
    const s = await db.query<{ confirmed_seq: string; signed_seq: string | null; signed_hash: string | null }>(
      'SELECT confirmed_seq, signed_seq, signed_hash FROM sites WHERE site_id = $1',
      [siteId],
    );
    const site = s.rows[0];
    const confirmed = Number(site?.confirmed_seq ?? 0);
    const out: ConfirmResult = { confirmedSeq: confirmed, repaired: [], askFor: [] };
    if (!site?.signed_seq || !site.signed_hash || Number(site.signed_seq) <= confirmed) return out;
    const signed = Number(site.signed_seq);
    const rows = await db.query<{ seq: string; hash: string; prev_hash: string }>(
      'SELECT seq, hash, prev_hash FROM events WHERE site_id = $1 AND seq > $2 AND seq <= $3',
      [siteId, confirmed, signed],
    );
    const bySeq = new Map(rows.rows.map((r) => [Number(r.seq), r]));
    let expected = site.signed_hash;
    for (let seq = signed; seq > confirmed; seq--) {
      const row = bySeq.get(seq);
      if (!row) {
        out.askFor.push(seq);
        return out;
      }
      if (row.hash !== expected) {
        const item = await repair(db, store, siteId, seq, expected);
        if (!item) {
          log.error(
            { site: siteId, seq, stored: row.hash.slice(0, 12), signed: expected.slice(0, 12) },
            'stored event is not the site’s signed version; asking the site for it',
          );
          out.askFor.push(seq);
          return out;
        }
        log.warn({ site: siteId, seq }, 'forged or foreign version replaced by the site’s signed version');
        out.repaired.push(seq);
        expected = item.prevHash;
        continue;
      }
      expected = row.prev_hash;
    }
    const boundary =
      confirmed === 0
        ? GENESIS_HASH
        : (await db.query<{ hash: string }>('SELECT hash FROM events WHERE site_id = $1 AND seq = $2', [siteId, confirmed])).rows[0]?.hash;
    if (expected !== boundary) {
      log.error({ site: siteId, confirmed, signed }, 'the site’s signed chain does not meet what was confirmed before');
      return out;
    }
    await db.query('UPDATE sites SET confirmed_seq = $2 WHERE site_id = $1', [siteId, signed]);
    out.confirmedSeq = signed;
    return out;
  });
}

/** Stores a signed head (only ever forward) for confirmChain to walk from. */
export async function recordSignedHead(pool: Pool, st: SiteStatus): Promise<void> {
  await pool.query(
    `INSERT INTO sites (site_id, signed_seq, signed_hash) VALUES ($1, $2, $3)
     ON CONFLICT (site_id) DO UPDATE SET signed_seq = EXCLUDED.signed_seq, signed_hash = EXCLUDED.signed_hash
      WHERE sites.signed_seq IS NULL OR sites.signed_seq < EXCLUDED.signed_seq`,
    [st.site, st.acked, st.ackedHash],
  );
}
