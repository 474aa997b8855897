import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { SiteStatus, WireItem } from '../uplink/wire';
import { checkItem, GENESIS_HASH, storablePayload, type Break } from './chain';
import { derive } from './derive';
import { applyErasures, blankLateWithdrawn, purgeWithdrawn, writeDerived } from './derived-sql';

/** Deadlock and serialization failures: two instances met on the same rows; try again. */
const RETRYABLE = new Set(['40P01', '40001']);

export interface IngestResult {
  inserted: number;
  duplicates: number;
  breaks: Break[];
}

const INSERT_SQL = `
INSERT INTO events (site_id, seq, event_id, ts, kind, source, type, actor, subject, ref, dedupe, payload_sha256, prev_hash, hash,
                    payload_mode, payload, dropped, hash_ok, payload_ok, linked, instance)
SELECT $1, t.seq, t.id, t.ts, t.kind, t.source, t.type, t.actor, t.subject, t.ref, t.dedupe, t.sha, t.prev, t.hash,
       t.mode, t.payload::jsonb, t.dropped::jsonb, t.hash_ok, t.payload_ok, t.linked, $2
FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
            $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::boolean[], $20::boolean[],
            $21::boolean[])
  AS t(seq, id, ts, kind, source, type, actor, subject, ref, dedupe, sha, prev, hash, mode, payload, dropped, hash_ok, payload_ok, linked)
ON CONFLICT DO NOTHING
RETURNING seq`;

/**
 * Writes uplinked events to PostgreSQL, idempotently: an event already stored (same site and
 * event id) is skipped, and everything derived from an event is written only by the
 * transaction that inserted it. Chain problems are recorded in `chain_breaks` and logged,
 * never swallowed; a link is checked against what is stored, whichever side arrives second.
 */
export class RegionStore {
  constructor(
    private readonly pool: Pool,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  get poolRef(): Pool {
    return this.pool;
  }

  get instanceName(): string {
    return this.instance;
  }

  async ingest(siteId: string, items: readonly WireItem[]): Promise<IngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.tx((db) => this.ingestIn(db, siteId, items));
        this.logBreaks(siteId, result.breaks);
        return result;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= 5) throw err;
      }
    }
  }

  /** As ingest(), inside the caller's transaction (a repair re-ingests the site's version of a seq). */
  async ingestIn(db: PoolClient, siteId: string, items: readonly WireItem[]): Promise<IngestResult> {
    await db.query('INSERT INTO sites (site_id) VALUES ($1) ON CONFLICT DO NOTHING', [siteId]);
    const checks = items.map(checkItem);
    // Links inside the message are checked here; only its two ends need what is stored.
    const linked = items.map((e, i) => i > 0 || e.seq === 1);
    const inner = items.flatMap((e, i): Break[] => {
      const prevHash = i > 0 ? items[i - 1]!.hash : e.seq === 1 ? GENESIS_HASH : null;
      return prevHash === null || e.prevHash === prevHash
        ? []
        : [{ seq: e.seq, kind: 'link', detail: `prev_hash ${e.prevHash.slice(0, 12)}… is not the hash ${prevHash.slice(0, 12)}… of seq ${e.seq - 1}` }];
    });
    const ev = (f: (e: Extract<WireItem, { kind: 'event' }>) => unknown) => items.map((e) => (e.kind === 'event' ? f(e) : null));
    const res = await db.query<{ seq: string }>(INSERT_SQL, [
      siteId,
      this.instance,
      items.map((e) => e.seq),
      items.map((e) => e.id),
      items.map((e) => e.ts),
      items.map((e) => e.kind),
      ev((e) => e.source),
      ev((e) => e.type),
      ev((e) => e.actor),
      ev((e) => e.subject),
      ev((e) => e.ref),
      ev((e) => e.dedupe),
      ev((e) => e.payloadSha256),
      items.map((e) => e.prevHash),
      items.map((e) => e.hash),
      ev((e) => e.payloadMode),
      items.map(storablePayload),
      ev((e) => (e.dropped ? JSON.stringify(e.dropped) : null)),
      checks.map((c) => c.hashOk),
      checks.map((c) => c.payloadOk),
      linked,
    ]);
    const inserted = new Set(res.rows.map((r) => Number(r.seq)));
    const breaks: Break[] = [];
    const duplicates = items.filter((e) => !inserted.has(e.seq));
    if (duplicates.length > 0) breaks.push(...(await this.forks(db, siteId, duplicates)));

    const erasedSeqs: number[] = [];
    const withdrawals: Array<{ subjectId: string; ts: number; seq: number }> = [];
    for (const [i, e] of items.entries()) {
      if (!inserted.has(e.seq)) continue;
      breaks.push(...checks[i]!.breaks, ...inner.filter((b) => b.seq === e.seq));
      // What fails verification is kept as evidence of the break, but indexes nothing.
      if (e.kind !== 'event' || checks[i]!.breaks.length > 0) continue;
      const payload = storablePayload(e);
      const d = derive(e, payload === null ? null : JSON.parse(payload));
      await writeDerived(db, siteId, e.seq, e.ts, d);
      if (d.erasure) erasedSeqs.push(...d.erasure.seqs);
      if (d.withdrawn) withdrawals.push({ ...d.withdrawn, seq: e.seq });
    }
    await applyErasures(db, siteId, [...inserted, ...erasedSeqs]);
    for (const w of withdrawals) {
      const n = await purgeWithdrawn(db, siteId, w, this.instance);
      this.log.info({ site: siteId, subject: w.subjectId, seq: w.seq, blanked: n }, 'withdrawn subject purged');
    }
    await blankLateWithdrawn(db, siteId, [...inserted]);
    if (inserted.size > 0) breaks.push(...(await this.checkLinks(db, siteId, [items[0]!.seq, items[items.length - 1]!.seq + 1])));
    return { inserted: inserted.size, duplicates: duplicates.length, breaks: await this.record(db, siteId, breaks) };
  }

  /**
   * The same seq arriving again with another hash is a second history: a fork. Both versions are
   * kept (the newcomer in `event_versions`): the one stored first is not the winner for being
   * first; the site's signed chain head decides (gateway/region/confirm.ts).
   */
  private async forks(db: PoolClient, siteId: string, dups: readonly WireItem[]): Promise<Break[]> {
    const stored = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM events WHERE site_id = $1 AND seq = ANY($2::bigint[])', [
      siteId,
      dups.map((e) => e.seq),
    ]);
    const hashes = new Map(stored.rows.map((r) => [Number(r.seq), r.hash]));
    const out: Break[] = [];
    for (const e of dups) {
      const h = hashes.get(e.seq);
      if (h === e.hash) continue;
      if (h !== undefined) {
        await db.query(
          `INSERT INTO event_versions (site_id, seq, hash, item, status, instance) VALUES ($1, $2, $3, $4, 'alternate', $5) ON CONFLICT DO NOTHING`,
          [siteId, e.seq, e.hash, JSON.stringify(e), this.instance],
        );
      }
      const detail =
        h === undefined
          ? `event ${e.id} is already stored at another seq`
          : `seq arrived again with hash ${e.hash.slice(0, 12)}…, stored ${h.slice(0, 12)}…; both kept`;
      out.push({ seq: e.seq, kind: 'fork', detail });
    }
    return out;
  }

  /**
   * Checks the unchecked links of these seqs (of every seq, without a list) whose predecessor
   * is stored: each event's prev_hash must be its predecessor's hash (seq 1's, the genesis
   * hash). A link whose predecessor is not here yet stays unchecked until it arrives or the
   * sweeper looks again.
   */
  async checkLinks(db: PoolClient | Pool, siteId: string, seqs: number[] | null = null): Promise<Break[]> {
    const res = await db.query<{ seq: string; ok: boolean; expected: string; got: string }>(
      `UPDATE events e SET linked = true
       FROM (SELECT e2.seq, COALESCE(p.hash, $3) AS expected FROM events e2
             LEFT JOIN events p ON p.site_id = e2.site_id AND p.seq = e2.seq - 1
             WHERE e2.site_id = $1 AND ($2::bigint[] IS NULL OR e2.seq = ANY($2::bigint[])) AND NOT e2.linked
               AND (p.seq IS NOT NULL OR e2.seq = 1)) c
       WHERE e.site_id = $1 AND e.seq = c.seq AND NOT e.linked
       RETURNING e.seq, e.prev_hash = c.expected AS ok, c.expected, e.prev_hash AS got`,
      [siteId, seqs, GENESIS_HASH],
    );
    return res.rows
      .filter((r) => !r.ok)
      .map((r) => ({
        seq: Number(r.seq),
        kind: 'link' as const,
        detail: `prev_hash ${r.got.slice(0, 12)}… is not the hash ${r.expected.slice(0, 12)}… of seq ${Number(r.seq) - 1}`,
      }));
  }

  /** Stores breaks, each once per site, seq and kind; returns those not reported before. */
  async record(db: PoolClient | Pool, siteId: string, breaks: readonly Break[]): Promise<Break[]> {
    const fresh: Break[] = [];
    for (const b of breaks) {
      const res = await db.query('INSERT INTO chain_breaks (site_id, seq, kind, detail, instance) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
        siteId,
        b.seq,
        b.kind,
        b.detail,
        this.instance,
      ]);
      if (res.rowCount) fresh.push(b);
    }
    return fresh;
  }

  /** After the commit, so a log line never reports a break that was rolled back. */
  logBreaks(siteId: string, breaks: readonly Break[]): void {
    for (const b of breaks) this.log.error({ site: siteId, seq: b.seq, kind: b.kind, detail: b.detail }, 'chain break');
  }

  /**
   * Keeps the status a site reported last, timed by the region's clock when it arrived: a site's
   * clock may be skewed (or a forged retained status may claim the future), and a time from the
   * site would then freeze its row and hide a lost tail. `reported_at` is when the region first
   * heard the current cursor; what the site said its time was is kept for display only.
   */
  async siteStatus(st: SiteStatus): Promise<void> {
    await this.pool.query(
      `INSERT INTO sites (site_id, reported_head, reported_acked, reported_at, reported_site_at) VALUES ($1, $2, $3, now(), to_timestamp($4 / 1000.0))
       ON CONFLICT (site_id) DO UPDATE SET reported_head = EXCLUDED.reported_head, reported_acked = EXCLUDED.reported_acked,
         -- Since when the site has claimed this cursor: a heartbeat repeating it does not make a lost tail look new.
         reported_at = CASE WHEN sites.reported_acked IS DISTINCT FROM EXCLUDED.reported_acked OR sites.reported_at IS NULL THEN EXCLUDED.reported_at ELSE sites.reported_at END,
         reported_site_at = EXCLUDED.reported_site_at`,
      [st.site, st.head, st.acked, Math.min(st.at, 253_402_300_799_000)],
    );
  }

  async quarantine(topic: string, reason: string, raw: Buffer): Promise<void> {
    await this.pool.query('INSERT INTO quarantine (topic, reason, raw, instance) VALUES ($1, $2, $3, $4)', [
      topic.slice(0, 512),
      reason.slice(0, 2000),
      raw.subarray(0, 4096).toString('base64'),
      this.instance,
    ]);
    this.log.warn({ topic, reason }, 'uplink message quarantined');
  }

  async tx<T>(work: (db: PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const out = await work(db);
      await db.query('COMMIT');
      return out;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }
}
