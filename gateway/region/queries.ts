import type { Pool } from 'pg';

/** The regional questions, answered from PostgreSQL. */

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface SubjectHit {
  siteId: string;
  subjectId: string;
  name: string | null;
  aliases: string[];
  description: string | null;
  sightings: number;
  lastSeenAt: string | null;
  lastZone: string | null;
  /**
   * Something here rests on an event the site has not yet vouched for with a signed chain head
   * (or on a site with no signing key): it may be a forgery by a holder of the site's MQTT password.
   */
  unconfirmed: boolean;
}

/**
 * Subjects of every site matching one query: the exact id, an alias (whole, any case), or text
 * in the name, an alias, the description, a feature tag or a sighting's description.
 */
export async function searchSubjects(pool: Pool, q: string, limit: number): Promise<SubjectHit[]> {
  const res = await pool.query<{
    site_id: string;
    subject_id: string;
    name: string | null;
    aliases: string[] | null;
    description: string | null;
    sightings: string;
    last_ts: string | null;
    last_zone: string | null;
    unconfirmed: boolean;
  }>(
    `WITH hits AS (
       SELECT site_id, subject_id FROM subjects s
        WHERE s.subject_id = $1 OR s.name ILIKE $2 OR s.description ILIKE $2
           OR EXISTS (SELECT 1 FROM unnest(s.aliases || s.features) AS a WHERE a ILIKE $2)
       UNION
       SELECT site_id, subject_id FROM sightings g WHERE g.subject_id = $1 OR g.description ILIKE $2
     )
     SELECT h.site_id, h.subject_id, s.name, s.aliases, s.description,
            (SELECT count(*) FROM sightings g WHERE g.site_id = h.site_id AND g.subject_id = h.subject_id) AS sightings,
            l.ts AS last_ts, l.zone AS last_zone,
            (COALESCE(s.src_seq, 0) > st.confirmed_seq
              OR EXISTS (SELECT 1 FROM sightings g WHERE g.site_id = h.site_id AND g.subject_id = h.subject_id
                           AND GREATEST(g.seq, g.src_seq) > st.confirmed_seq)) AS unconfirmed
       FROM hits h
       JOIN sites st ON st.site_id = h.site_id
       LEFT JOIN subjects s ON s.site_id = h.site_id AND s.subject_id = h.subject_id
       LEFT JOIN LATERAL (SELECT ts, zone FROM sightings g WHERE g.site_id = h.site_id AND g.subject_id = h.subject_id ORDER BY ts DESC LIMIT 1) l ON true
      ORDER BY l.ts DESC NULLS LAST, h.site_id, h.subject_id
      LIMIT $3`,
    [q, `%${likeEscape(q)}%`, limit],
  );
  return res.rows.map((r) => ({
    siteId: r.site_id,
    subjectId: r.subject_id,
    name: r.name,
    aliases: r.aliases ?? [],
    description: r.description,
    sightings: Number(r.sightings),
    lastSeenAt: r.last_ts === null ? null : new Date(Number(r.last_ts)).toISOString(),
    lastZone: r.last_zone,
    unconfirmed: r.unconfirmed,
  }));
}

export async function sightingsOf(pool: Pool, siteId: string, subjectId: string, limit: number) {
  const res = await pool.query<{ seq: string; ts: string; type: string; zone: string | null; description: string | null; unconfirmed: boolean }>(
    `SELECT g.seq, g.ts, g.type, g.zone, g.description, GREATEST(g.seq, g.src_seq) > COALESCE(s.confirmed_seq, 0) AS unconfirmed
       FROM sightings g LEFT JOIN sites s ON s.site_id = g.site_id
      WHERE g.site_id = $1 AND g.subject_id = $2 ORDER BY g.ts DESC LIMIT $3`,
    [siteId, subjectId, limit],
  );
  return res.rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(Number(r.ts)).toISOString(),
    type: r.type,
    zone: r.zone,
    description: r.description,
    unconfirmed: r.unconfirmed,
  }));
}

export interface SiteSummary {
  siteId: string;
  lastSeq: number;
  contiguousSeq: number;
  lastEventAt: string | null;
  /**
   * How far behind the site the region is, in time: 0 when the region holds every seq up to the
   * head the site last reported (a quiet site is not behind); otherwise the age of the newest
   * event of the region's contiguous run. Without a status from the site, the newest event's age.
   */
  lagSeconds: number | null;
  /** The site's journal head as it last reported it, and how many events the region is behind it. */
  reportedHead: number | null;
  behindEvents: number | null;
  lastReceivedAt: string | null;
  incidents: number;
  breaches: number;
  openChainBreaks: number;
  /** Since when the contiguous seq has not moved while the site reports more (null: moving, or caught up). */
  stalledSince: string | null;
}

function lagOf(r: { contiguous_seq: string; reported_head: string | null; last_ts: string | null; contiguous_ts: string | null }, now: number): number | null {
  const age = (ts: string | null) => (ts === null ? null : Math.max(0, Math.round((now - Number(ts)) / 100) / 10));
  if (r.reported_head === null) return age(r.last_ts);
  if (Number(r.contiguous_seq) >= Number(r.reported_head)) return 0;
  return age(r.contiguous_ts) ?? age(r.last_ts);
}

export async function siteSummaries(pool: Pool): Promise<SiteSummary[]> {
  const res = await pool.query<{
    site_id: string;
    contiguous_seq: string;
    reported_head: string | null;
    last_seq: string | null;
    last_ts: string | null;
    received: Date | null;
    contiguous_ts: string | null;
    incidents: string;
    breaches: string;
    open_breaks: string;
    stalled_since: Date | null;
  }>(
    `SELECT s.site_id, s.contiguous_seq, s.reported_head, s.stalled_since, l.seq AS last_seq, l.ts AS last_ts, l.received_at AS received,
            (SELECT c.ts FROM events c WHERE c.site_id = s.site_id AND c.seq = s.contiguous_seq) AS contiguous_ts,
            (SELECT count(*) FROM incidents i WHERE i.site_id = s.site_id) AS incidents,
            (SELECT count(*) FROM breaches b WHERE b.site_id = s.site_id)
              + (SELECT count(*) FROM incidents i WHERE i.site_id = s.site_id AND i.breach
                   AND NOT EXISTS (SELECT 1 FROM breaches b WHERE b.site_id = s.site_id AND 'inc-' || b.breach_id = i.incident_id)) AS breaches,
            (SELECT count(*) FROM chain_breaks c WHERE c.site_id = s.site_id AND c.resolved_at IS NULL) AS open_breaks
       FROM sites s
       LEFT JOIN LATERAL (SELECT seq, ts, received_at FROM events e WHERE e.site_id = s.site_id ORDER BY seq DESC LIMIT 1) l ON true
      ORDER BY s.site_id`,
  );
  const now = Date.now();
  return res.rows.map((r) => ({
    siteId: r.site_id,
    lastSeq: Number(r.last_seq ?? 0),
    contiguousSeq: Number(r.contiguous_seq),
    lastEventAt: r.last_ts === null ? null : new Date(Number(r.last_ts)).toISOString(),
    lagSeconds: lagOf(r, now),
    reportedHead: r.reported_head === null ? null : Number(r.reported_head),
    behindEvents: r.reported_head === null ? null : Math.max(0, Number(r.reported_head) - Number(r.contiguous_seq)),
    lastReceivedAt: r.received ? r.received.toISOString() : null,
    incidents: Number(r.incidents),
    breaches: Number(r.breaches),
    openChainBreaks: Number(r.open_breaks),
    stalledSince: r.stalled_since?.toISOString() ?? null,
  }));
}

export async function chainBreaks(pool: Pool, siteId: string) {
  const res = await pool.query<{ seq: string; kind: string; detail: string; detected_at: Date; resolved_at: Date | null; instance: string }>(
    'SELECT seq, kind, detail, detected_at, resolved_at, instance FROM chain_breaks WHERE site_id = $1 ORDER BY seq, kind',
    [siteId],
  );
  return res.rows.map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    detail: r.detail,
    detectedAt: r.detected_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    instance: r.instance,
  }));
}

export async function incidentsOf(pool: Pool, siteId: string, limit: number) {
  const res = await pool.query<{ seq: string; incident_id: string | null; ts: string; category: string | null; zone: string | null; breach: boolean }>(
    'SELECT seq, incident_id, ts, category, zone, breach FROM incidents WHERE site_id = $1 ORDER BY ts DESC LIMIT $2',
    [siteId, limit],
  );
  return res.rows.map((r) => ({
    seq: Number(r.seq),
    incidentId: r.incident_id,
    at: new Date(Number(r.ts)).toISOString(),
    category: r.category,
    zone: r.zone,
    breach: r.breach,
  }));
}

/** Receipts of withdrawals: which subject, when, and how many raw payloads the region blanked. */
export async function withdrawalsOf(pool: Pool, siteId: string) {
  const res = await pool.query<{ subject_id: string; seq: string; ts: string; events_blanked: string; purged_at: Date; instance: string }>(
    'SELECT subject_id, seq, ts, events_blanked, purged_at, instance FROM withdrawal_receipts WHERE site_id = $1 ORDER BY seq',
    [siteId],
  );
  return res.rows.map((r) => ({
    subjectId: r.subject_id,
    seq: Number(r.seq),
    withdrawnAt: new Date(Number(r.ts)).toISOString(),
    eventsBlanked: Number(r.events_blanked),
    purgedAt: r.purged_at.toISOString(),
    instance: r.instance,
  }));
}

/** Prometheus text: per site, how far behind its reported head the region is, and whether it is stalled. */
export async function regionMetrics(pool: Pool): Promise<string> {
  const res = await pool.query<{ site_id: string; behind: string; stalled: boolean; open_breaks: string }>(
    `SELECT site_id, GREATEST(0, COALESCE(reported_acked, 0) - contiguous_seq) AS behind, stalled_since IS NOT NULL AS stalled,
            (SELECT count(*) FROM chain_breaks c WHERE c.site_id = s.site_id AND c.resolved_at IS NULL) AS open_breaks
       FROM sites s ORDER BY site_id`,
  );
  const lines = [
    "# HELP tw_region_site_behind_events Events the site says its broker acknowledged beyond the region's contiguous seq.",
    '# TYPE tw_region_site_behind_events gauge',
    ...res.rows.map((r) => `tw_region_site_behind_events{site="${r.site_id}"} ${Number(r.behind)}`),
    "# HELP tw_region_site_stalled 1 when the site's contiguous seq has stopped moving while it reports more.",
    '# TYPE tw_region_site_stalled gauge',
    ...res.rows.map((r) => `tw_region_site_stalled{site="${r.site_id}"} ${r.stalled ? 1 : 0}`),
    '# HELP tw_region_site_open_chain_breaks Chain breaks of the site not resolved.',
    '# TYPE tw_region_site_open_chain_breaks gauge',
    ...res.rows.map((r) => `tw_region_site_open_chain_breaks{site="${r.site_id}"} ${Number(r.open_breaks)}`),
  ];
  return `${lines.join('\n')}\n`;
}
