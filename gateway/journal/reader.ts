import Database from 'better-sqlite3';
import { rowToEvent, type EventRow } from './rows';
import { UNINDEXED_SUBJECT_TYPE } from './schema';
import { GENESIS_HASH, type JournalEvent } from './types';
import { verifyJournal, type VerifyResult } from './verify';

/**
 * Which events to read. Every field narrows; none at all reads the whole journal. Results
 * are always in seq order (oldest first unless `newestFirst`): seq is the journal's order.
 */
export interface EventQuery {
  /** Events after this seq (exclusive): where a consumer left off. */
  afterSeq?: number;
  /** Events up to this seq (inclusive). */
  toSeq?: number;
  /** Only these types. An empty list matches nothing. */
  types?: readonly string[];
  /** Every type under a dotted prefix, such as `evidence.` (read through the type index). */
  typePrefix?: string;
  subject?: string;
  ref?: string;
  actor?: string;
  /** Commit time (the writer's clock, ms), inclusive. */
  fromTs?: number;
  toTs?: number;
  /** At most this many (a page); none reads every match. */
  limit?: number;
  newestFirst?: boolean;
}

/** The header of a stored event, without its payload. */
export interface EventHeader {
  seq: number;
  id: string;
  ts: number;
  type: string;
  hash: string;
}

/** Where a consumer has got to: the last event it is done with, and that event's hash. */
export interface CursorPosition {
  seq: number;
  hash: string;
}

export type { EventRow as StoredEvent } from './rows';

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** The first string after every string that starts with `prefix` (`evidence.` → `evidence/`). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Whether a query may match an event the subject index leaves out (schema.ts). */
function mayMatchUnindexed(q: EventQuery): boolean {
  if (q.types && !q.types.includes(UNINDEXED_SUBJECT_TYPE)) return false;
  if (q.typePrefix && !UNINDEXED_SUBJECT_TYPE.startsWith(q.typePrefix)) return false;
  return true;
}

/**
 * The SQL after `FROM events` for a query (`filter` alone: WHERE; `clause`: with ORDER and
 * LIMIT), or null when it can match nothing. Throws a RangeError on a malformed query.
 */
function compile(q: EventQuery): { filter: string; clause: string; params: Array<string | number> } | null {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const seqBound = (name: string, n: number | undefined, op: string) => {
    if (n === undefined) return;
    if (!Number.isFinite(n)) throw new RangeError(`journal query: ${name} is not a seq`);
    where.push(`seq ${op} ?`);
    params.push(n);
  };
  seqBound('afterSeq', q.afterSeq, '>');
  seqBound('toSeq', q.toSeq, '<=');
  if (q.types) {
    if (q.types.length === 0) return null;
    where.push(`type IN (${q.types.map(() => '?').join(', ')})`);
    params.push(...q.types);
  }
  if (q.typePrefix) {
    // A range rather than LIKE, which SQLite would not answer from the (type, seq) index.
    where.push('type >= ? AND type < ?');
    params.push(q.typePrefix, prefixEnd(q.typePrefix));
  }
  // Position fixes are left out of the subject index (schema.ts): a query that cannot match one
  // says so, in the index's own words, so that SQLite can use it.
  if (q.subject !== undefined && !mayMatchUnindexed(q)) where.push(`type <> '${UNINDEXED_SUBJECT_TYPE}'`);
  for (const column of ['subject', 'ref', 'actor'] as const) {
    const value = q[column];
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  for (const [name, value, op] of [
    ['fromTs', q.fromTs, '>='],
    ['toTs', q.toTs, '<='],
  ] as const) {
    if (value === undefined) continue;
    if (Number.isNaN(value)) throw new RangeError(`journal query: ${name} is not a time`);
    where.push(`ts ${op} ?`);
    params.push(value);
  }
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  let clause = `${filter} ORDER BY seq${q.newestFirst ? ' DESC' : ''}`;
  if (q.limit !== undefined) {
    if (!isCount(q.limit)) throw new RangeError('journal query: limit must be a non-negative integer');
    if (q.limit === 0) return null;
    clause += ' LIMIT ?';
    return { filter, clause, params: [...params, q.limit] };
  }
  return { filter, clause, params };
}

/**
 * Every read of the journal, on a read-only connection of its own: nothing outside
 * gateway/journal/ queries `events` itself. WAL gives a reader each committed row without
 * waiting on the writer thread, and a read-only connection cannot write even by mistake.
 *
 * `events()` and `rows()` read a page at once; `iterate()` streams a long scan row by row (a
 * replay, an export). An iteration holds a snapshot of the journal until it is drained or
 * dropped, so drain it in one go.
 */
export class JournalReader {
  /** Statements by SQL text; the query shapes are few. Iterations prepare their own (a statement iterates once at a time). */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private db: Database.Database | null) {}

  /** Opens a read-only connection to an existing journal. */
  static open(path: string): JournalReader {
    return new JournalReader(new Database(path, { readonly: true, fileMustExist: true }));
  }

  /** The read-only connection itself: for verify and for tests that inspect the file. */
  get database(): Database.Database {
    if (!this.db) throw new Error('journal reader is closed');
    return this.db;
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.database.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Matching events, as stored (payload as JSON text, null once erased): what leaves the site verbatim. */
  rows(q: EventQuery = {}): EventRow[] {
    const c = compile(q);
    if (!c) return [];
    return this.prepare(`SELECT * FROM events${c.clause}`).all(...c.params) as EventRow[];
  }

  /** Matching events, payloads parsed. */
  events(q: EventQuery = {}): JournalEvent[] {
    return this.rows(q).map(rowToEvent);
  }

  /** Streams matching events for a long scan; drain it in one go. */
  *iterate(q: EventQuery = {}): Generator<JournalEvent> {
    const c = compile(q);
    if (!c) return;
    const stmt = this.database.prepare(`SELECT * FROM events${c.clause}`);
    for (const row of stmt.iterate(...c.params) as IterableIterator<EventRow>) yield rowToEvent(row);
  }

  /** Whether any event matches, without reading one (order and limit do not matter). */
  exists(q: EventQuery): boolean {
    const c = compile({ ...q, limit: undefined });
    if (!c) return false;
    return this.prepare(`SELECT 1 FROM events${c.filter} LIMIT 1`).get(...c.params) !== undefined;
  }

  /**
   * Whether an event after `seq` has a time at or before `toTs`, searched from `seq` on: cheap
   * when few events follow it. (`exists` with the same bounds lets SQLite search the time index,
   * reading every entry up to `toTs`, which suits an early `toTs` instead.)
   */
  existsInTail(seq: number, toTs: number): boolean {
    return this.prepare('SELECT 1 FROM events WHERE seq > ? AND +ts <= ? LIMIT 1').get(seq, toTs) !== undefined;
  }

  /**
   * Events of one type after `afterSeq`, oldest first, at most `limit`, with their time and
   * whether their payload is already erased: what a retention pass walks. Read through the
   * (type, seq) index, so each call costs at most `limit` rows however long the journal.
   */
  retentionScan(q: { type: string; afterSeq: number; limit: number }): Array<{ seq: number; ts: number; erased: 0 | 1 }> {
    return this.prepare('SELECT seq, ts, payload IS NULL AS erased FROM events WHERE type = ? AND seq > ? ORDER BY seq LIMIT ?').all(
      q.type,
      q.afterSeq,
      q.limit,
    ) as Array<{ seq: number; ts: number; erased: 0 | 1 }>;
  }

  /** One event by its id (a ULID, as reports are named by), or null. */
  byId(id: string): JournalEvent | null {
    const row = this.prepare('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return row ? rowToEvent(row) : null;
  }

  /** One event by seq, or null. */
  get(seq: number): JournalEvent | null {
    const row = this.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as EventRow | undefined;
    return row ? rowToEvent(row) : null;
  }

  /** One event's header (no payload read or parsed), or null. */
  header(seq: number): EventHeader | null {
    return (this.prepare('SELECT seq, id, ts, type, hash FROM events WHERE seq = ?').get(seq) as EventHeader | undefined) ?? null;
  }

  /** The last committed event as this connection sees it (the genesis hash when empty). */
  head(): CursorPosition {
    const row = this.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as CursorPosition | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** A consumer's stored position (saved through Journal.saveCursor), or null. */
  cursor(name: string): CursorPosition | null {
    return (this.prepare('SELECT seq, hash FROM cursors WHERE name = ?').get(name) as CursorPosition | undefined) ?? null;
  }

  /** Walks the whole chain (verify.ts). */
  verify(): VerifyResult {
    return verifyJournal(this.database);
  }

  close(): void {
    this.statements.clear();
    this.db?.close();
    this.db = null;
  }
}
