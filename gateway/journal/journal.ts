import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { monotonicFactory } from 'ulid';
import { chainHash, sha256Hex } from './hash';
import { SCHEMA_SQL } from './schema';
import { GENESIS_HASH, type AppendInput, type JournalEvent } from './types';
import { rowToEvent, type EventRow } from './rows';

/**
 * How long a dedupe key is remembered. MQTT message ids recycle after 65,535 messages, so a
 * key (client, message id, payload digest) is unique in any window a resend can happen in.
 */
const DEDUPE_WINDOW_MS = 10 * 60_000;

export interface JournalOptions {
  path: string;
  synchronous: 'full' | 'normal';
  /** Largest number of events committed in one transaction. */
  maxBatch: number;
  log: Logger;
  /** Called after each commit with the batch size and commit time (metrics). */
  onBatch?: (size: number, seconds: number) => void;
  /** Called with the committed events, in seq order, before their appends resolve. */
  onCommit?: (events: JournalEvent[]) => void;
}

interface Pending {
  input: AppendInput;
  resolve: (event: JournalEvent) => void;
  reject: (err: Error) => void;
}

/**
 * The append-only, hash-chained event journal: the one source of truth from which every
 * view is rebuilt.
 *
 * Appends from every source are gathered and committed together once per event-loop turn
 * (group commit), so a thousand handsets publishing at once cost one fsync, not a thousand.
 * An append's promise resolves only after its transaction is committed: callers acknowledge
 * to the outside world (a QoS 1 PUBACK, an API reply) only then.
 */
export class Journal {
  private db: Database.Database | null = null;
  private pending: Pending[] = [];
  private scheduled = false;
  private headSeq = 0;
  private headHash = GENESIS_HASH;
  private readonly nextId = monotonicFactory();
  private insert: ((rows: EventRow[]) => void) | null = null;
  private findDedupe: Database.Statement | null = null;
  /** Appends not yet committed, by dedupe key, so a resend racing its original joins it. */
  private readonly inflight = new Map<string, Promise<JournalEvent>>();
  /** The last commit error, cleared by the next successful commit (readiness). */
  lastError: Error | null = null;

  constructor(private readonly opts: JournalOptions) {}

  open(): void {
    mkdirSync(dirname(this.opts.path), { recursive: true });
    const db = new Database(this.opts.path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA_SQL);
    const stmt = db.prepare(
      `INSERT INTO events (seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash)
       VALUES (@seq, @id, @ts, @source, @type, @actor, @subject, @ref, @dedupe, @payload, @payload_sha256, @prev_hash, @hash)`,
    );
    this.insert = db.transaction((rows: EventRow[]) => {
      for (const row of rows) stmt.run(row);
    });
    this.findDedupe = db.prepare('SELECT * FROM events WHERE dedupe = ? AND ts >= ? ORDER BY seq DESC LIMIT 1');
    const head = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined;
    this.headSeq = head?.seq ?? 0;
    this.headHash = head?.hash ?? GENESIS_HASH;
    this.db = db;
    this.opts.log.info({ path: this.opts.path, head: this.headSeq }, 'journal open');
  }

  get isOpen(): boolean {
    return this.db !== null;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.headSeq, hash: this.headHash };
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** The database handle, for read-only queries by projections and APIs. */
  get database(): Database.Database {
    if (!this.db) throw new Error('journal is not open');
    return this.db;
  }

  append(input: AppendInput): Promise<JournalEvent> {
    if (!this.db) return Promise.reject(new Error('journal is not open'));
    if (input.dedupe) {
      const seen = this.inflight.get(input.dedupe) ?? this.committedDuplicate(input.dedupe);
      if (seen) return seen;
      const key = input.dedupe;
      const promise = this.enqueue(input).finally(() => this.inflight.delete(key));
      this.inflight.set(key, promise);
      return promise;
    }
    return this.enqueue(input);
  }

  private committedDuplicate(key: string): Promise<JournalEvent> | null {
    const row = this.findDedupe!.get(key, Date.now() - DEDUPE_WINDOW_MS) as EventRow | undefined;
    return row ? Promise.resolve(rowToEvent(row)) : null;
  }

  private enqueue(input: AppendInput): Promise<JournalEvent> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything pending now; used on shutdown. */
  flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0 && this.db) {
      this.commitBatch(this.pending.splice(0, this.opts.maxBatch));
    }
  }

  private commitBatch(batch: Pending[]): void {
    const started = performance.now();
    const ts = Date.now();
    let seq = this.headSeq;
    let prevHash = this.headHash;
    const rows: EventRow[] = [];
    const events: JournalEvent[] = [];
    for (const { input } of batch) {
      seq += 1;
      const payload = JSON.stringify(input.payload ?? null);
      const header = {
        seq,
        id: this.nextId(ts),
        ts,
        source: input.source,
        type: input.type,
        actor: input.actor ?? null,
        subject: input.subject ?? null,
        ref: input.ref ?? null,
        dedupe: input.dedupe ?? null,
        payloadSha256: sha256Hex(payload),
        prevHash,
      };
      const hash = chainHash(header);
      prevHash = hash;
      rows.push({
        seq, id: header.id, ts, source: header.source, type: header.type, actor: header.actor,
        subject: header.subject, ref: header.ref, dedupe: header.dedupe, payload, payload_sha256: header.payloadSha256,
        prev_hash: header.prevHash, hash,
      });
      events.push({ ...header, payload: input.payload ?? null, hash });
    }
    try {
      this.insert!(rows);
    } catch (err) {
      // Nothing of this batch is durable: refuse every append in it, so nobody acknowledges it.
      const error = err instanceof Error ? err : new Error(String(err));
      this.lastError = error;
      this.opts.log.error({ err: error, size: batch.length }, 'journal commit failed');
      for (const p of batch) p.reject(error);
      return;
    }
    this.lastError = null;
    this.headSeq = seq;
    this.headHash = prevHash;
    this.opts.onBatch?.(batch.length, (performance.now() - started) / 1000);
    try {
      this.opts.onCommit?.(events);
    } finally {
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(events[i]!);
    }
  }

  /** Events after `afterSeq`, oldest first. */
  read(afterSeq: number, limit: number): JournalEvent[] {
    const rows = this.database
      .prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(afterSeq, limit) as EventRow[];
    return rows.map(rowToEvent);
  }

  /** Streams every event (optionally up to a time), for replay. */
  *replay(untilTs = Number.MAX_SAFE_INTEGER): Generator<JournalEvent> {
    const stmt = this.database.prepare('SELECT * FROM events WHERE ts <= ? ORDER BY seq');
    for (const row of stmt.iterate(untilTs) as IterableIterator<EventRow>) yield rowToEvent(row);
  }

  /**
   * Retention: journals the erasure, then blanks the payload. The header and its payload
   * digest stay, so the chain still verifies and the erasure itself is on the record.
   */
  async erasePayload(seq: number, reason: string, actor: string | null): Promise<void> {
    await this.append({ source: 'gateway', type: 'journal.payload-erased', actor, payload: { seq, reason } });
    this.database.prepare('UPDATE events SET payload = NULL WHERE seq = ?').run(seq);
  }

  close(): void {
    if (!this.db) return;
    this.flush();
    this.db.close();
    this.db = null;
    this.insert = null;
    this.findDedupe = null;
    for (const p of this.pending.splice(0)) p.reject(new Error('journal closed'));
  }
}
