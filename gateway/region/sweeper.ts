import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Break } from './chain';
import type { RegionStore } from './store';

export interface SweepOptions {
  sweepMs: number;
  gapGraceMs: number;
  resendAfterMs: number;
  /** A site whose contiguous seq has not moved this long while it reports more is stalled. */
  stallMs: number;
  /** Confirms a site's chain up to its newest signed head (gateway/region/confirm.ts), when it is ahead. */
  confirm?: (siteId: string) => Promise<void>;
  /** Asks the site to send these runs again (the region's consumer publishes the request). */
  resend: (siteId: string, ranges: ReadonlyArray<readonly [number, number]>) => void;
}

/** Runs per resend request: a message stays small, and the next sweep asks for the rest. */
const RUNS_PER_REQUEST = 1000;

interface Missing {
  from: number;
  to: number;
  waitedMs: number;
}

/**
 * Looks again at what arrival order left open. Two instances storing neighbouring events at the
 * same moment each miss the other's row, so their link stays unchecked: checked here. A run of
 * seqs still missing after `resendAfterSeconds` is asked for again (the broker may have lost
 * it after its PUBACK; the site's journal has it); so is a tail the site says the broker
 * acknowledged but that never arrived. Still missing after `gapGraceSeconds`, it is reported as a
 * gap; when it fills, the gap is resolved. Each site's contiguous prefix is advanced, so the
 * work stays proportional to what is open. Every missing run is asked for at once, and every gap
 * is recorded (no cap). A site whose contiguous seq stops moving while the site reports that the
 * broker acknowledged more is stalled: logged as an error, and shown by `/api/sites` and `/metrics`.
 */
export class ChainSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly store: RegionStore,
    private readonly opts: SweepOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.log.warn({ err }, 'chain sweep failed'))
        .finally(() => (this.running = null));
    }, this.opts.sweepMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    const sites = await this.pool.query<{
      site_id: string;
      contiguous_seq: string;
      reported_acked: string | null;
      reported_ms: string | null;
      stalled: boolean;
      unconfirmed: boolean | null;
    }>(
      `SELECT site_id, contiguous_seq, reported_acked, (extract(epoch FROM now() - reported_at) * 1000)::bigint AS reported_ms,
              stalled_since IS NOT NULL AS stalled, signed_seq > confirmed_seq AS unconfirmed FROM sites`,
    );
    for (const s of sites.rows) {
      const reported = s.reported_acked === null ? null : { acked: Number(s.reported_acked), ageMs: Number(s.reported_ms) };
      await this.sweepSite(s.site_id, Number(s.contiguous_seq), reported);
      await this.checkStall(s.site_id, s.stalled);
      // A signed head that could not be walked yet (a seq was missing, or only a foreign version was here).
      if (s.unconfirmed && this.opts.confirm) await this.opts.confirm(s.site_id);
    }
  }

  /** Marks (and logs once) a site whose contiguous seq has stopped while it reports more; clears it when it moves. */
  private async checkStall(siteId: string, wasStalled: boolean): Promise<void> {
    const res = await this.pool.query<{ stalled: boolean; contiguous_seq: string; reported_acked: string | null }>(
      `UPDATE sites SET stalled_since = CASE
           WHEN reported_acked > contiguous_seq AND contiguous_moved_at < now() - make_interval(secs => $2::double precision / 1000)
             THEN COALESCE(stalled_since, now())
           ELSE NULL END
        WHERE site_id = $1 RETURNING stalled_since IS NOT NULL AS stalled, contiguous_seq, reported_acked`,
      [siteId, this.opts.stallMs],
    );
    const r = res.rows[0];
    if (!r || r.stalled === wasStalled) return;
    if (r.stalled)
      this.log.error(
        { site: siteId, contiguous: Number(r.contiguous_seq), reportedAcked: Number(r.reported_acked) },
        'site stalled: its contiguous seq is not moving while it reports more',
      );
    else this.log.info({ site: siteId, contiguous: Number(r.contiguous_seq) }, 'site moving again');
  }

  private async sweepSite(siteId: string, contiguous: number, reported: { acked: number; ageMs: number } | null): Promise<void> {
    const links = await this.store.checkLinks(this.pool, siteId);
    const upTo = await this.contiguousFrom(siteId, contiguous);
    if (upTo > contiguous) {
      await this.pool.query('UPDATE sites SET contiguous_seq = GREATEST(contiguous_seq, $2), contiguous_moved_at = now() WHERE site_id = $1', [siteId, upTo]);
      const resolved = await this.pool.query<{ seq: string }>(
        "UPDATE chain_breaks SET resolved_at = now() WHERE site_id = $1 AND kind = 'gap' AND resolved_at IS NULL AND seq <= $2 RETURNING seq",
        [siteId, upTo],
      );
      for (const r of resolved.rows) this.log.info({ site: siteId, seq: Number(r.seq) }, 'gap filled');
    }
    const missing = await this.missing(siteId, upTo, reported);
    const gaps = missing
      .filter((m) => m.waitedMs >= this.opts.gapGraceMs)
      .map((m): Break => ({ seq: m.from, kind: 'gap', detail: `seqs ${m.from}..${m.to} missing` }));
    this.store.logBreaks(siteId, await this.store.record(this.pool, siteId, [...links, ...gaps]));
    const due = missing.filter((m) => m.waitedMs >= this.opts.resendAfterMs);
    const last = this.asked.get(siteId) ?? 0;
    if (due.length > 0 && Date.now() - last >= this.opts.resendAfterMs) {
      this.asked.set(siteId, Date.now());
      for (let i = 0; i < due.length; i += RUNS_PER_REQUEST) {
        this.opts.resend(
          siteId,
          due.slice(i, i + RUNS_PER_REQUEST).map((m) => [m.from, m.to] as const),
        );
      }
    }
  }

  /** The end of the run of stored seqs starting right after `contiguous`. */
  private async contiguousFrom(siteId: string, contiguous: number): Promise<number> {
    const next = await this.pool.query('SELECT 1 FROM events WHERE site_id = $1 AND seq = $2', [siteId, contiguous + 1]);
    if (next.rowCount === 0) return contiguous;
    const end = await this.pool.query<{ seq: string }>(
      `SELECT e.seq FROM events e WHERE e.site_id = $1 AND e.seq > $2
         AND NOT EXISTS (SELECT 1 FROM events n WHERE n.site_id = e.site_id AND n.seq = e.seq + 1)
       ORDER BY e.seq LIMIT 1`,
      [siteId, contiguous],
    );
    return Number(end.rows[0]!.seq);
  }

  /**
   * Missing runs above the contiguous prefix, each with how long the event after it has waited;
   * and the tail after the last stored event up to what the site says the broker acknowledged.
   */
  private async missing(siteId: string, contiguous: number, reported: { acked: number; ageMs: number } | null): Promise<Missing[]> {
    const res = await this.pool.query<{ seq: string; prev: string | null; waited_ms: string }>(
      `SELECT seq, prev, (extract(epoch FROM now() - received_at) * 1000)::bigint AS waited_ms FROM (
         SELECT seq, lag(seq) OVER (ORDER BY seq) AS prev, received_at FROM events WHERE site_id = $1 AND seq > $2
       ) t WHERE prev IS NULL OR seq <> prev + 1 ORDER BY seq`,
      [siteId, contiguous],
    );
    const out = res.rows.flatMap((r): Missing[] => {
      const from = r.prev === null ? contiguous + 1 : Number(r.prev) + 1;
      const to = Number(r.seq) - 1;
      // Empty when the run right after the prefix arrived since it was measured.
      return from <= to ? [{ from, to, waitedMs: Number(r.waited_ms) }] : [];
    });
    if (reported) {
      const max = await this.pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM events WHERE site_id = $1', [siteId]);
      const stored = Number(max.rows[0]!.seq ?? 0);
      if (reported.acked > stored) out.push({ from: stored + 1, to: reported.acked, waitedMs: reported.ageMs });
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
