import type { PoolClient } from 'pg';
import type { Derived } from './derive';

/**
 * SQL for the subject id in parameter `subject`, or NULL when the site (`$1`) has withdrawn that
 * subject since the event's time (parameter `ts`): a delivery that arrives after the withdrawal
 * (instances race) must not name the person again.
 */
function unlessWithdrawn(subject: string, ts: string): string {
  return `CASE WHEN EXISTS (SELECT 1 FROM withdrawn_subjects w WHERE w.site_id = $1 AND w.subject_id = ${subject}::text AND w.ts >= ${ts}::bigint) THEN NULL ELSE ${subject}::text END`;
}

/**
 * Writes what one newly stored event adds to the regional index. Called only for events this
 * transaction inserted, so each is counted once however often it was delivered. Arrival order
 * across instances is not event order: later-ts-wins where a value is replaced.
 */
export async function writeDerived(db: PoolClient, siteId: string, seq: number, ts: number, d: Derived): Promise<void> {
  if (d.withdrawn) {
    const w = d.withdrawn;
    await db.query(
      `INSERT INTO withdrawn_subjects (site_id, subject_id, ts) VALUES ($1, $2, $3)
       ON CONFLICT (site_id, subject_id) DO UPDATE SET ts = GREATEST(withdrawn_subjects.ts, EXCLUDED.ts)`,
      [siteId, w.subjectId, w.ts],
    );
    await db.query('DELETE FROM subjects WHERE site_id = $1 AND subject_id = $2 AND updated_ts <= $3', [siteId, w.subjectId, w.ts]);
    await db.query('DELETE FROM sightings WHERE site_id = $1 AND subject_id = $2 AND ts <= $3', [siteId, w.subjectId, w.ts]);
    // Incidents and breaches stay counted for the site, no longer naming the person.
    await db.query('UPDATE incidents SET subject_id = NULL WHERE site_id = $1 AND subject_id = $2 AND ts <= $3', [siteId, w.subjectId, w.ts]);
    await db.query('UPDATE breaches SET subject_id = NULL WHERE site_id = $1 AND subject_id = $2 AND ts <= $3', [siteId, w.subjectId, w.ts]);
  }
  if (d.subject) {
    const s = d.subject;
    // Nothing from before a withdrawal: shared again later, the subject comes back from then on.
    await db.query(
      `INSERT INTO subjects (site_id, subject_id, name, aliases, description, features, updated_ts, src_seq)
       SELECT $1::text, $2::text, $3::text, COALESCE($4::text[], '{}'), $5::text, COALESCE($6::text[], '{}'), $7::bigint, $8::bigint
        WHERE NOT EXISTS (SELECT 1 FROM withdrawn_subjects w WHERE w.site_id = $1 AND w.subject_id = $2 AND w.ts >= $7)
       ON CONFLICT (site_id, subject_id) DO UPDATE SET
         name = CASE WHEN EXCLUDED.name IS NOT NULL AND (subjects.name IS NULL OR EXCLUDED.updated_ts >= subjects.updated_ts) THEN EXCLUDED.name ELSE subjects.name END,
         description = CASE WHEN EXCLUDED.description IS NOT NULL AND (subjects.description IS NULL OR EXCLUDED.updated_ts >= subjects.updated_ts) THEN EXCLUDED.description ELSE subjects.description END,
         aliases = ARRAY(SELECT DISTINCT a FROM unnest(subjects.aliases || EXCLUDED.aliases) AS a),
         features = ARRAY(SELECT DISTINCT f FROM unnest(subjects.features || EXCLUDED.features) AS f),
         updated_ts = GREATEST(subjects.updated_ts, EXCLUDED.updated_ts), src_seq = GREATEST(subjects.src_seq, EXCLUDED.src_seq)`,
      [siteId, s.subjectId, s.name, s.aliases, s.description, s.features, s.ts, seq],
    );
  }
  if (d.sighting) {
    const g = d.sighting;
    // A report and the track entry derived from it share the report's seq: one sighting.
    await db.query(
      `INSERT INTO sightings (site_id, seq, subject_id, ts, type, zone, description, src_seq)
       SELECT $1::text, $2::bigint, $3::text, $4::bigint, $5::text, $6::text, $7::text, $8::bigint
        WHERE NOT EXISTS (SELECT 1 FROM withdrawn_subjects w WHERE w.site_id = $1 AND w.subject_id = $3 AND w.ts >= $4)
       ON CONFLICT (site_id, seq) DO UPDATE SET zone = COALESCE(EXCLUDED.zone, sightings.zone),
         description = COALESCE(sightings.description, EXCLUDED.description), ts = LEAST(sightings.ts, EXCLUDED.ts),
         src_seq = GREATEST(sightings.src_seq, EXCLUDED.src_seq)`,
      [siteId, g.seq, g.subjectId, g.ts, g.type, g.zone, g.description, seq],
    );
  }
  if (d.incident) {
    const i = d.incident;
    await db.query(
      `INSERT INTO incidents (site_id, seq, incident_id, ts, category, zone, subject_id, breach)
       VALUES ($1, $2, $3, $4, $5, $6, ${unlessWithdrawn('$7', '$4')}, $8)
       ON CONFLICT DO NOTHING`,
      [siteId, seq, i.incidentId, ts, i.category, i.zone, i.subjectId, i.breach],
    );
  }
  if (d.breach) {
    const b = d.breach;
    await db.query(
      `INSERT INTO breaches (site_id, seq, breach_id, cbo_id, subject_id, zone, ts)
       VALUES ($1, $2, $3, $4, ${unlessWithdrawn('$5', '$7')}, $6, $7) ON CONFLICT DO NOTHING`,
      [siteId, seq, b.breachId, b.cboId, b.subjectId, b.zone, ts],
    );
  }
  if (d.erasure) {
    await db.query('INSERT INTO erasures (site_id, seq, reason) SELECT $1, s, $3 FROM unnest($2::bigint[]) AS s ON CONFLICT DO NOTHING', [
      siteId,
      d.erasure.seqs,
      d.erasure.reason,
    ]);
  }
}

/**
 * The site erased these payloads under retention: so does the region, whichever arrived first
 * (the erasure or the event), including the sighting text derived from them.
 */
export async function applyErasures(db: PoolClient, siteId: string, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return;
  await db.query(
    `UPDATE events e SET payload = NULL, payload_mode = 'erased' FROM erasures x
     WHERE e.site_id = $1 AND x.site_id = $1 AND x.seq = e.seq AND e.seq = ANY($2::bigint[]) AND e.payload IS NOT NULL`,
    [siteId, seqs],
  );
  await db.query(
    `UPDATE sightings g SET description = NULL FROM erasures x
     WHERE g.site_id = $1 AND x.site_id = $1 AND x.seq = g.seq AND g.seq = ANY($2::bigint[])`,
    [siteId, seqs],
  );
}

/**
 * Events that name a withdrawn subject (in the header, or as any value of the payload) from
 * before the withdrawal: their raw payloads are blanked, leaving the header, hashes and digest,
 * so the chain still verifies. `seqs` limits it to newly stored events (null: all of the site).
 */
const BLANK_WITHDRAWN_SQL = `
UPDATE events e SET payload = NULL, payload_mode = 'withdrawn'
  FROM withdrawn_subjects w
 WHERE e.site_id = $1 AND w.site_id = $1 AND ($2::bigint[] IS NULL OR e.seq = ANY($2::bigint[])) AND ($3::text IS NULL OR w.subject_id = $3)
   AND e.ts <= w.ts AND e.payload IS NOT NULL
   AND (e.subject = 'subject:' || w.subject_id OR jsonb_path_exists(e.payload, 'lax $.** ? (@ == $id)', jsonb_build_object('id', w.subject_id)))
RETURNING w.subject_id`;

/** Blanks what the region holds of a subject the site has just withdrawn, and writes the receipt. */
export async function purgeWithdrawn(db: PoolClient, siteId: string, w: { subjectId: string; ts: number; seq: number }, instance: string): Promise<number> {
  const res = await db.query(BLANK_WITHDRAWN_SQL, [siteId, null, w.subjectId]);
  await db.query(
    `INSERT INTO withdrawal_receipts (site_id, subject_id, seq, ts, events_blanked, instance) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (site_id, seq) DO UPDATE SET events_blanked = withdrawal_receipts.events_blanked + EXCLUDED.events_blanked`,
    [siteId, w.subjectId, w.seq, w.ts, res.rowCount ?? 0, instance],
  );
  return res.rowCount ?? 0;
}

/** Newly stored events from before a withdrawal (instances race, resends) are blanked as they arrive; the receipt counts them. */
export async function blankLateWithdrawn(db: PoolClient, siteId: string, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return;
  const res = await db.query<{ subject_id: string }>(BLANK_WITHDRAWN_SQL, [siteId, seqs, null]);
  const per = new Map<string, number>();
  for (const r of res.rows) per.set(r.subject_id, (per.get(r.subject_id) ?? 0) + 1);
  for (const [subjectId, n] of per) {
    await db.query(
      `UPDATE withdrawal_receipts SET events_blanked = events_blanked + $3
        WHERE (site_id, seq) = (SELECT site_id, seq FROM withdrawal_receipts WHERE site_id = $1 AND subject_id = $2 ORDER BY ts DESC LIMIT 1)`,
      [siteId, subjectId, n],
    );
  }
}
