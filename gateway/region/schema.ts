import type { Pool } from 'pg';

/**
 * The regional store in PostgreSQL. `events` holds every seq of every site exactly once
 * (unique by site and event id, and by site and seq), full events and bare chain links alike;
 * the other tables are derived from newly stored events in the same transaction, so they are
 * exactly-once too. `linked` says the event's link to its predecessor has been checked: it is
 * checked by whichever of the two arrives second, and by the sweeper for links two instances
 * stored at the same moment.
 */
const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS sites (
  site_id        text PRIMARY KEY,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  contiguous_seq bigint NOT NULL DEFAULT 0,
  -- What the site last said of itself (tw/v1/region/<site>/status): its journal head and uplink cursor.
  reported_head  bigint,
  reported_acked bigint,
  reported_at    timestamptz
);
-- When the contiguous prefix last moved, and since when it has not while the site reports more.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS contiguous_moved_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE sites ADD COLUMN IF NOT EXISTS stalled_since timestamptz;
-- reported_at is the region's clock when the status arrived; this is what the site said its clock was.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS reported_site_at timestamptz;
CREATE TABLE IF NOT EXISTS events (
  site_id        text    NOT NULL,
  seq            bigint  NOT NULL,
  event_id       text    NOT NULL,
  ts             bigint  NOT NULL,
  kind           text    NOT NULL CHECK (kind IN ('event', 'link')),
  source         text,
  type           text,
  actor          text,
  subject        text,
  ref            text,
  dedupe         text,
  payload_sha256 text,
  prev_hash      text    NOT NULL,
  hash           text    NOT NULL,
  payload_mode   text,
  payload        jsonb,
  dropped        jsonb,
  hash_ok        boolean,
  payload_ok     boolean,
  linked         boolean NOT NULL DEFAULT false,
  received_at    timestamptz NOT NULL DEFAULT now(),
  instance       text    NOT NULL,
  PRIMARY KEY (site_id, seq),
  UNIQUE (site_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_unlinked ON events (site_id, seq) WHERE NOT linked;
CREATE TABLE IF NOT EXISTS chain_breaks (
  site_id     text   NOT NULL,
  seq         bigint NOT NULL,
  kind        text   NOT NULL CHECK (kind IN ('hash', 'payload', 'link', 'gap', 'fork')),
  detail      text   NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  instance    text   NOT NULL,
  resolved_at timestamptz,
  PRIMARY KEY (site_id, seq, kind)
);
CREATE TABLE IF NOT EXISTS subjects (
  site_id       text   NOT NULL,
  subject_id    text   NOT NULL,
  name          text,
  aliases       text[] NOT NULL DEFAULT '{}',
  description   text,
  features      text[] NOT NULL DEFAULT '{}',
  updated_ts    bigint NOT NULL,
  PRIMARY KEY (site_id, subject_id)
);
CREATE TABLE IF NOT EXISTS sightings (
  site_id     text   NOT NULL,
  seq         bigint NOT NULL,
  subject_id  text   NOT NULL,
  ts          bigint NOT NULL,
  type        text   NOT NULL,
  zone        text,
  description text,
  PRIMARY KEY (site_id, seq)
);
CREATE INDEX IF NOT EXISTS sightings_subject ON sightings (site_id, subject_id, ts);
-- A site stopped sharing a subject at ts: what it had shared up to then is gone, and a delivery
-- of an older event (instances race) does not bring it back.
CREATE TABLE IF NOT EXISTS withdrawn_subjects (
  site_id     text   NOT NULL,
  subject_id  text   NOT NULL,
  ts          bigint NOT NULL,
  PRIMARY KEY (site_id, subject_id)
);
-- What the region did about a withdrawal: the raw payloads it blanked (the chain's hashes and
-- digests stay, as in the site's own erasure). Events delivered after the withdrawal add to it.
CREATE TABLE IF NOT EXISTS withdrawal_receipts (
  site_id        text   NOT NULL,
  subject_id     text   NOT NULL,
  seq            bigint NOT NULL,
  ts             bigint NOT NULL,
  events_blanked bigint NOT NULL DEFAULT 0,
  purged_at      timestamptz NOT NULL DEFAULT now(),
  instance       text   NOT NULL,
  PRIMARY KEY (site_id, seq)
);
CREATE TABLE IF NOT EXISTS incidents (
  site_id     text    NOT NULL,
  seq         bigint  NOT NULL,
  incident_id text,
  ts          bigint  NOT NULL,
  category    text,
  zone        text,
  subject_id  text,
  breach      boolean NOT NULL,
  PRIMARY KEY (site_id, seq)
);
CREATE TABLE IF NOT EXISTS breaches (
  site_id    text   NOT NULL,
  seq        bigint NOT NULL,
  breach_id  text,
  cbo_id     text,
  subject_id text,
  zone       text,
  ts         bigint NOT NULL,
  PRIMARY KEY (site_id, seq)
);
CREATE TABLE IF NOT EXISTS erasures (
  site_id text   NOT NULL,
  seq     bigint NOT NULL,
  reason  text,
  PRIMARY KEY (site_id, seq)
);
-- Forks: the other versions of a seq, kept whole until the site's signed chain head says which is
-- the site's ('alternate': not decided; 'rejected': not the site's, replaced in events).
CREATE TABLE IF NOT EXISTS event_versions (
  site_id     text   NOT NULL,
  seq         bigint NOT NULL,
  hash        text   NOT NULL,
  item        jsonb  NOT NULL,
  status      text   NOT NULL CHECK (status IN ('alternate', 'rejected')),
  received_at timestamptz NOT NULL DEFAULT now(),
  instance    text   NOT NULL,
  PRIMARY KEY (site_id, seq, hash)
);
-- How far the site's signed chain heads (uplink.signingKey) have confirmed what the region holds.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS confirmed_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS signed_seq bigint;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS signed_hash text;
-- The newest event each derived row came from, to flag what rests on unconfirmed events.
ALTER TABLE subjects ADD COLUMN IF NOT EXISTS src_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE sightings ADD COLUMN IF NOT EXISTS src_seq bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS quarantine (
  id          bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  topic       text NOT NULL,
  reason      text NOT NULL,
  raw         text NOT NULL,
  instance    text NOT NULL
);
`;

/** Any fixed number: instances starting together take turns creating the schema. */
const SCHEMA_LOCK = 7_340_101;

export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA_SQL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
