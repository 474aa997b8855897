/**
 * The events no subject index holds: position fixes, most of the rows (see SCHEMA_SQL). The
 * reader names it in a subject query that cannot match one, so that SQLite uses the index.
 */
export const UNINDEXED_SUBJECT_TYPE = 'radio.position';

/**
 * The journal's tables. `events` is append-only: triggers refuse UPDATE and DELETE, except
 * the one change retention needs, setting a payload to NULL (the header, and so the chain,
 * stays intact; the erasure is itself journaled as `journal.payload-erased`).
 *
 * Every index on `events` costs each append a b-tree insert, and one whose key is not in seq
 * order (a radio's subject, a dedupe key) dirties a different page for nearly every row of a
 * batch, each written to the WAL whole: with 1,000 radios reporting, the subject and dedupe
 * indexes were three quarters of the writer's time. So position fixes are left out of the
 * subject index (a query by subject that may include them scans), and dedupe keys are looked
 * up in the writer's memory (recent-keys.ts) instead of an index. Journals made before this
 * lose the two old indexes when they are next opened.
 *
 * `INSERT OR REPLACE` (and `REPLACE INTO`) removes a conflicting row without firing DELETE
 * triggers (unless `recursive_triggers` is on, which a connection chooses for itself), so the
 * no-delete trigger alone does not stop it. `events_no_replace` refuses any insert whose seq or
 * id is already taken, before the conflict is resolved; that also refuses an upsert
 * (`ON CONFLICT DO UPDATE`), whatever its SET clause.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  seq            INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL UNIQUE,
  ts             INTEGER NOT NULL,
  source         TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  actor          TEXT,
  subject        TEXT,
  ref            TEXT,
  dedupe         TEXT,
  payload        TEXT,
  payload_sha256 TEXT    NOT NULL,
  prev_hash      TEXT    NOT NULL,
  hash           TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type    ON events(type, seq);
CREATE INDEX IF NOT EXISTS events_subject_but_positions ON events(subject, seq) WHERE subject IS NOT NULL AND type <> '${UNINDEXED_SUBJECT_TYPE}';
CREATE INDEX IF NOT EXISTS events_ref     ON events(ref, seq)     WHERE ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_actor   ON events(actor, seq)   WHERE actor IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_ts      ON events(ts);
DROP INDEX IF EXISTS events_subject;
DROP INDEX IF EXISTS events_dedupe;

CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only: DELETE refused');
END;

CREATE TRIGGER IF NOT EXISTS events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq) OR EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only: an event with this seq or id exists (INSERT OR REPLACE and upserts refused)');
END;

CREATE TRIGGER IF NOT EXISTS events_erase_only BEFORE UPDATE ON events
WHEN NOT (
  NEW.payload IS NULL
  AND NEW.seq = OLD.seq AND NEW.id = OLD.id AND NEW.ts = OLD.ts AND NEW.source = OLD.source
  AND NEW.type = OLD.type AND NEW.actor IS OLD.actor AND NEW.subject IS OLD.subject
  AND NEW.ref IS OLD.ref AND NEW.dedupe IS OLD.dedupe AND NEW.payload_sha256 = OLD.payload_sha256
  AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
)
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only: only a payload erasure may update a row');
END;

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS cursors (
  name       TEXT    PRIMARY KEY,
  seq        INTEGER NOT NULL,
  hash       TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

/**
 * Consumers' durable positions (Journal.saveCursor). Written by the journal's writer, so
 * nothing else opens the file to write: the uplink used to keep its own `uplink_cursor`
 * table on a second writable connection, and its row moves here as `uplink:<target>`.
 */
export const MIGRATE_SQL = `
INSERT OR IGNORE INTO cursors (name, seq, hash, updated_at)
  SELECT 'uplink:' || target, seq, hash, updated_at FROM uplink_cursor;
DROP TABLE uplink_cursor;
`;

export const SAVE_CURSOR_SQL =
  'INSERT INTO cursors (name, seq, hash, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at';
