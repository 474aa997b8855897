import type { PoolClient } from 'pg';
import { derive } from './derive';
import { writeDerived } from './derived-sql';

/**
 * Rebuilding the subject and sighting rows one rejected event had touched. A subject row (and a
 * sighting row, which a report and its track entry share) merges several events, so deleting the
 * rows a forgery last wrote would also delete what genuine events had written before it: the
 * rows are instead recomputed from every event still stored for them, in seq order, through the
 * same writeDerived the ingest uses, which still leaves out what a site has since withdrawn.
 */

export interface Footprint {
  subjectIds: string[];
  sightingSeqs: number[];
}

interface Row {
  seq: string;
  ts: string;
  type: string | null;
  payload: unknown;
}

/** The subject and sighting rows that the stored event at `seq` feeds (before it is replaced). */
export async function footprintOf(db: PoolClient, siteId: string, seq: number): Promise<Footprint> {
  const out: Footprint = { subjectIds: [], sightingSeqs: [] };
  const r = await db.query<Row>("SELECT seq, ts, type, payload FROM events WHERE site_id = $1 AND seq = $2 AND kind = 'event'", [siteId, seq]);
  const row = r.rows[0];
  if (row?.type) {
    const d = derive({ seq, ts: Number(row.ts), type: row.type }, row.payload);
    if (d.subject) out.subjectIds.push(d.subject.subjectId);
    if (d.sighting) out.sightingSeqs.push(d.sighting.seq);
  }
  // Rows that name the event as their latest source, whatever its payload now derives to.
  const s = await db.query<{ subject_id: string }>('SELECT subject_id FROM subjects WHERE site_id = $1 AND src_seq = $2', [siteId, seq]);
  out.subjectIds.push(...s.rows.map((x) => x.subject_id));
  const g = await db.query<{ seq: string }>('SELECT seq FROM sightings WHERE site_id = $1 AND (seq = $2 OR src_seq = $2)', [siteId, seq]);
  out.sightingSeqs.push(...g.rows.map((x) => Number(x.seq)));
  return { subjectIds: [...new Set(out.subjectIds)], sightingSeqs: [...new Set(out.sightingSeqs)] };
}

/** Deletes the footprint's subject and sighting rows and derives them again from the events stored now. */
export async function rebuildFootprint(db: PoolClient, siteId: string, fp: Footprint): Promise<void> {
  if (fp.subjectIds.length === 0 && fp.sightingSeqs.length === 0) return;
  await db.query('DELETE FROM subjects WHERE site_id = $1 AND subject_id = ANY($2::text[])', [siteId, fp.subjectIds]);
  await db.query('DELETE FROM sightings WHERE site_id = $1 AND seq = ANY($2::bigint[])', [siteId, fp.sightingSeqs]);
  // Every verified event with a payload that can feed those rows (derive() decides exactly which).
  const rows = await db.query<Row>(
    `SELECT seq, ts, type, payload FROM events
      WHERE site_id = $1 AND kind = 'event' AND payload IS NOT NULL AND hash_ok IS NOT FALSE AND payload_ok IS NOT FALSE
        AND ((type IN ('subject.created', 'subject.updated') AND payload->>'subjectId' = ANY($2::text[]))
          OR seq = ANY($3::bigint[])
          OR (type = 'track.sighting' AND (payload->'sighting'->>'causeSeq')::text = ANY($3::bigint[]::text[])))
      ORDER BY seq`,
    [siteId, fp.subjectIds, fp.sightingSeqs],
  );
  const subjects = new Set(fp.subjectIds);
  const sightings = new Set(fp.sightingSeqs);
  for (const row of rows.rows) {
    if (!row.type) continue;
    const seq = Number(row.seq);
    const ts = Number(row.ts);
    const d = derive({ seq, ts, type: row.type }, row.payload);
    // Only the footprint's rows: the same event's other rows were never deleted.
    await writeDerived(db, siteId, seq, ts, {
      subject: d.subject && subjects.has(d.subject.subjectId) ? d.subject : undefined,
      sighting: d.sighting && sightings.has(d.sighting.seq) ? d.sighting : undefined,
    });
  }
}
