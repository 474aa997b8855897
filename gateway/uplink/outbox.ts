import Database from 'better-sqlite3';
import type { EventRow } from '../journal/rows';

/**
 * The journal read as an outbox, and the uplink's durable cursor, on the uplink's own
 * connection to the journal file. The cursor lives in its own table next to `events`, so it
 * survives exactly what the journal survives; `events` is only read. The journal's writer
 * runs in another thread: a busy timeout lets the small cursor update wait out its commits.
 */

const CURSOR_SQL = `
CREATE TABLE IF NOT EXISTS uplink_cursor (
  target     TEXT    PRIMARY KEY,
  seq        INTEGER NOT NULL,
  hash       TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);`;

/** One uplink per gateway for now; the key leaves room for a second destination. */
const TARGET = 'region';

export interface Cursor {
  seq: number;
  hash: string;
}

export class Outbox {
  private db: Database.Database | null = null;
  private stmts: {
    read: Database.Statement<[number, number]>;
    cursor: Database.Statement<[string]>;
    save: Database.Statement<[string, number, string, number]>;
    tsOf: Database.Statement<[number]>;
    hashOf: Database.Statement<[number]>;
    head: Database.Statement<[]>;
  } | null = null;

  constructor(private readonly path: string) {}

  open(): void {
    const db = new Database(this.path, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // A cursor lost in a power cut only means re-sending: the region deduplicates by event id.
    db.pragma('synchronous = NORMAL');
    db.exec(CURSOR_SQL);
    this.stmts = {
      read: db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      cursor: db.prepare('SELECT seq, hash FROM uplink_cursor WHERE target = ?'),
      save: db.prepare(
        'INSERT INTO uplink_cursor (target, seq, hash, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(target) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at',
      ),
      tsOf: db.prepare('SELECT ts FROM events WHERE seq = ?'),
      hashOf: db.prepare('SELECT hash FROM events WHERE seq = ?'),
      head: db.prepare('SELECT seq FROM events ORDER BY seq DESC LIMIT 1'),
    };
    this.db = db;
  }

  private get s() {
    if (!this.stmts) throw new Error('uplink outbox is not open');
    return this.stmts;
  }

  /**
   * The stored cursor, checked against the journal: a cursor pointing past the journal, or at
   * an event with another hash, belongs to a journal that was replaced, so start again.
   */
  cursor(): { cursor: Cursor; reset: string | null } {
    const row = this.s.cursor.get(TARGET) as Cursor | undefined;
    if (!row || row.seq === 0) return { cursor: { seq: 0, hash: '' }, reset: null };
    const hash = (this.s.hashOf.get(row.seq) as { hash: string } | undefined)?.hash;
    if (hash === row.hash) return { cursor: row, reset: null };
    return { cursor: { seq: 0, hash: '' }, reset: hash ? `event ${row.seq} has another hash` : `event ${row.seq} is not in the journal` };
  }

  save(c: Cursor): void {
    this.s.save.run(TARGET, c.seq, c.hash, Date.now());
  }

  read(afterSeq: number, limit: number): EventRow[] {
    return this.s.read.all(afterSeq, limit) as EventRow[];
  }

  tsOf(seq: number): number | null {
    return (this.s.tsOf.get(seq) as { ts: number } | undefined)?.ts ?? null;
  }

  headSeq(): number {
    return (this.s.head.get() as { seq: number } | undefined)?.seq ?? 0;
  }

  close(): void {
    this.db?.close();
    this.db = null;
    this.stmts = null;
  }
}
