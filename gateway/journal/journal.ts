import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { asJournalEvent } from '../contract/events';
import { isUrgent } from './lanes';
import { toWire, WriterClient, type Committed } from './protocol';
import { JournalReader, type CursorPosition } from './reader';
import type { JournalStore } from './store';
import { GENESIS_HASH, type AppendInput, type DerivedInput, type JournalEvent } from './types';

export interface JournalOptions {
  path: string;
  synchronous: 'full' | 'normal';
  /** Largest number of events committed in one transaction. */
  maxBatch: number;
  /**
   * How long a batch of ordinary appends should take the writer, at its recent pace (default
   * 4 ms): what an emergency arriving meanwhile waits at most before its own batch (twice that
   * under a backlog, when a second batch waits in the writer behind the first).
   */
  batchTargetMs?: number;
  log: Logger;
  /** Called after each commit with the batch size and commit time (metrics). */
  onBatch?: (size: number, seconds: number) => void;
  /** Called with the committed events, in seq order, before their appends resolve. */
  onCommit?: (events: JournalEvent[]) => void;
  /**
   * Overload: with more than this many appends queued, appends with a `coalesce` key replace
   * the queued one with the same key (default: twice `maxBatch`).
   */
  coalesceAbove?: number;
  /**
   * Under load, how long an ordinary batch waits to gather more before going to the writer
   * (PostgreSQL's commit_delay): each commit costs a system call and a page write of its own,
   * so at a thousand appends a second, commits of one or two rows spent most of the writer's
   * CPU. 0 (the default) turns it off. Never applied to the urgent lane.
   */
  commitDelayMs?: number;
  /** The delay applies only while appends arrive at least this fast (per second, over the last second). */
  commitDelayAbovePerSecond?: number;
}

/** How long a batch of ordinary appends should take the writer (`batchCap`). */
const DEFAULT_BATCH_TARGET_MS = 4;
/** An urgent batch goes to the writer behind at most this many others minus one. */
const URGENT_IN_FLIGHT = 3;
/** Batches smaller than this say little about the writer's pace per event (the fsync dominates). */
const PACE_MIN_SAMPLE = 16;

const DEFAULT_COMMIT_DELAY_MS = 0;
const DEFAULT_COMMIT_DELAY_ABOVE_PER_SECOND = 500;

/** How often the number of coalesced appends is journaled (per key, one event per window). */
const COALESCE_REPORT_MS = 1000;

interface Pending {
  input: AppendInput;
  payload: string;
  /** Events derived from this append (`derive`): committed with it, right after it. */
  derived?: Array<{ input: DerivedInput; payload: string }>;
  resolve: (event: JournalEvent) => void;
  reject: (err: Error) => void;
}

/**
 * Sees each append as it is queued, with the promise of its commit, and returns the events
 * that derive from it (or nothing). Runs on every append: it must be cheap. One that throws
 * costs its derived events, never the append.
 */
export type Deriver = (input: AppendInput, committed: Promise<JournalEvent>) => DerivedInput[] | undefined;

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * The append-only, hash-chained event journal: the one source of truth from which every
 * view is rebuilt.
 *
 * Appends go to a writer worker thread (writer-worker.ts), which hashes, inserts and fsyncs
 * off the event loop. While one batch is being committed there, the next gathers here
 * (group commit): a thousand handsets publishing at once cost one fsync, not a thousand. An
 * append's promise resolves only after its transaction is committed: callers acknowledge to
 * the outside world (a QoS 1 PUBACK, an API reply) only then. Reads go through `reader`
 * (reader.ts), a read-only connection on this thread; WAL shows it every committed row. The
 * writer is the only connection that writes the file: appends, erasures and consumers'
 * cursors (`saveCursor`) all go through it.
 *
 * Emergencies (lanes.ts) wait in a lane of their own and go to the writer as their own small
 * batch ahead of everything queued: under a backlog of position fixes a panic button is
 * committed, and so acknowledged and broadcast, within one commit of arriving. Its seq is then
 * lower than those of fixes appended before it; nothing orders unrelated producers' appends.
 */
export class Journal implements JournalStore {
  private db: JournalReader | null = null;
  private writer: WriterClient | null = null;
  private pending: Pending[] = [];
  /** The urgent lane: sent before `pending`, in a batch of its own. */
  private urgent: Pending[] = [];
  /** Queued (not yet sent) appends by coalesce key. */
  private readonly coalescible = new Map<string, Pending>();
  /** Appends coalesced since the last report, by key. */
  private coalesced = new Map<string, number>();
  private coalesceTimer: NodeJS.Timeout | null = null;
  /** Commits held by `holdCommits` (tests, maintenance): appends queue, none is sent. */
  private held = false;
  private scheduled = false;
  /** The commit delay's timer, while a batch gathers under load. */
  private delay: NodeJS.Timeout | null = null;
  /** The gathering batch was cut short: it goes without waiting again. */
  private hurry = false;
  /** Appends since `rateSince`, and the rate measured over the window before. */
  private arrivals = 0;
  private rateSince = performance.now();
  private rate = 0;
  /** Settles, never rejecting, once the last batch sent to the worker is committed or refused. */
  private writing: Promise<void> | null = null;
  /**
   * Batches sent and not yet settled. The writer runs them in order. One ordinary batch at a
   * time, or two under a backlog (`ordinaryLimit`); an urgent batch goes at once behind those,
   * without waiting for this thread to take their commits first.
   */
  private inFlight = 0;
  private writingCount = 0;
  private closing: Promise<void> | null = null;
  private headSeq = 0;
  private headHash = GENESIS_HASH;
  private readonly derivers: Deriver[] = [];
  /** Appends not yet committed, by dedupe key, so a resend racing its original joins it. */
  private readonly inflight = new Map<string, Promise<JournalEvent>>();
  /** The writer's recent time per appended event (moving average), for `batchCap`. */
  private perEventSeconds = 0;
  /** The last commit error, cleared by the next successful commit (readiness). */
  lastError: Error | null = null;

  constructor(private readonly opts: JournalOptions) {}

  /** Starts the writer, which opens (or creates) the journal and reports its head. */
  async open(): Promise<void> {
    const writer = new WriterClient((err) => this.writerFailed(writer, err));
    this.writer = writer;
    this.closing = null;
    try {
      const head = await writer.call({ kind: 'open', path: this.opts.path, synchronous: this.opts.synchronous });
      this.db = JournalReader.open(this.opts.path);
      this.headSeq = head.seq;
      this.headHash = head.hash;
    } catch (err) {
      this.writer = null;
      await writer.terminate();
      throw err;
    }
    this.opts.log.info({ path: this.opts.path, head: this.headSeq }, 'journal open');
  }

  get isOpen(): boolean {
    return this.db !== null && this.writer !== null && this.closing === null;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.headSeq, hash: this.headHash };
  }

  /** Appends not yet committed (waiting, or in the worker now). */
  get pendingCount(): number {
    return this.pending.length + this.urgent.length + this.writingCount;
  }

  /** Urgent appends (lanes.ts) waiting for the writer. */
  get urgentCount(): number {
    return this.urgent.length;
  }

  /** Every read of the journal: by seq, type, subject, ref or time, pages or long scans. */
  get reader(): JournalReader {
    if (!this.db) throw new Error('journal is not open');
    return this.db;
  }

  /** The reader's read-only connection, for verify and for tests that inspect the file. */
  get database(): Database.Database {
    return this.reader.database;
  }

  append(input: AppendInput): Promise<JournalEvent> {
    return this.appendSerialized(input);
  }

  /**
   * `append` of an input whose payload a producer has already serialised (the broker thread
   * posts it as JSON): `payloadJson` must be `JSON.stringify(input.payload ?? null)`.
   */
  appendSerialized(input: AppendInput, payloadJson?: string): Promise<JournalEvent> {
    if (!this.isOpen) return Promise.reject(new Error(this.closing ? 'journal is closing' : 'journal is not open'));
    if (input.dedupe) {
      // A resend racing its original joins it; one of an event already committed is found by
      // the writer, which returns that event instead of inserting it again.
      const seen = this.inflight.get(input.dedupe);
      if (seen) return seen;
      const key = input.dedupe;
      const promise = this.enqueue(input, payloadJson).finally(() => this.inflight.delete(key));
      this.inflight.set(key, promise);
      return promise;
    }
    return this.enqueue(input, payloadJson);
  }

  /**
   * Events that derive from an append, decided as it is queued, commit in its transaction
   * (types.ts `DerivedInput`): an emergency raised by a radio's button is durable, and on the
   * console, with the press itself, one commit after it arrives rather than two. Returns the
   * function that stops it.
   */
  derive(deriver: Deriver): () => void {
    this.derivers.push(deriver);
    return () => {
      const at = this.derivers.indexOf(deriver);
      if (at >= 0) this.derivers.splice(at, 1);
    };
  }

  private enqueue(input: AppendInput, payloadJson?: string): Promise<JournalEvent> {
    let payload: string;
    try {
      payload = payloadJson ?? JSON.stringify(input.payload ?? null);
    } catch (err) {
      return Promise.reject(toError(err));
    }
    let resolve!: (event: JournalEvent) => void;
    let reject!: (err: Error) => void;
    const committed = new Promise<JournalEvent>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (this.coalesceInto(input, payload, resolve, reject)) return committed;
    const p: Pending = { input, payload, resolve, reject };
    if (this.derivers.length > 0) this.deriveFrom(p, committed);
    this.arrivals++;
    if (isUrgent(input)) {
      this.urgent.push(p);
      this.cancelDelay();
    } else {
      this.pending.push(p);
      if (input.coalesce) this.coalescible.set(input.coalesce, p);
    }
    this.schedule();
    return committed;
  }

  private deriveFrom(p: Pending, committed: Promise<JournalEvent>): void {
    for (const deriver of this.derivers) {
      try {
        const derived = deriver(p.input, committed);
        if (!derived) continue;
        for (const input of derived) {
          if (input.payload === null || typeof input.payload !== 'object' || Array.isArray(input.payload) || 'causeSeq' in input.payload) {
            throw new Error(`journal: a derived ${input.type} needs an object payload without causeSeq (the writer fills it in)`);
          }
          (p.derived ??= []).push({ input, payload: JSON.stringify(input.payload) });
        }
      } catch (err) {
        this.opts.log.error({ err, type: p.input.type }, 'could not derive events from an append');
      }
    }
  }

  /**
   * Overload: shed what a newer append makes stale (a radio's older position fix) instead of
   * queueing without bound. The queued append takes this one's content and settles both.
   */
  private coalesceInto(input: AppendInput, payload: string, resolve: (e: JournalEvent) => void, reject: (err: Error) => void): boolean {
    const key = input.coalesce;
    if (!key || this.pending.length < (this.opts.coalesceAbove ?? this.opts.maxBatch * 2)) return false;
    const queued = this.coalescible.get(key);
    if (!queued) return false;
    const { resolve: before, reject: beforeReject } = queued;
    queued.input = input;
    queued.payload = payload;
    queued.resolve = (e) => {
      before(e);
      resolve(e);
    };
    queued.reject = (err) => {
      beforeReject(err);
      reject(err);
    };
    this.coalesced.set(key, (this.coalesced.get(key) ?? 0) + 1);
    this.coalesceTimer ??= setTimeout(() => this.reportCoalesced(), COALESCE_REPORT_MS).unref();
    return true;
  }

  /** One event per window: how many appends were shed, per key (e.g. per radio). */
  private reportCoalesced(): void {
    this.coalesceTimer = null;
    if (this.coalesced.size === 0 || !this.isOpen) return;
    const counts = Object.fromEntries(this.coalesced);
    const total = [...this.coalesced.values()].reduce((a, b) => a + b, 0);
    this.coalesced = new Map();
    this.append({ source: 'gateway', type: 'journal.coalesced', payload: { windowMs: COALESCE_REPORT_MS, total, counts } }).catch((err: unknown) => {
      this.opts.log.error({ err }, 'could not journal the coalesced count');
    });
  }

  /**
   * Sends on the next turn, so everything appended in this one (and its microtasks) joins; under
   * load, after `commitDelayMs`, so more join. An urgent append goes at once: the rest of a busy
   * turn (a commit's projections and broadcasts) is not worth waiting for to batch emergencies,
   * which come one at a time. So does a full batch (`batchCap`): waiting for the turn's end
   * would not make it bigger, and the writer commits it while this thread gathers the next.
   */
  private schedule(): void {
    if (this.held || this.queued === 0) return;
    if (this.urgent.length > 0 && this.inFlight < URGENT_IN_FLIGHT) {
      this.writeNext();
      return;
    }
    if (this.pending.length >= this.batchCap() && this.inFlight < this.ordinaryLimit()) {
      this.stopGathering();
      this.writeNext();
      return;
    }
    if (this.scheduled || this.inFlight >= this.ordinaryLimit()) return;
    this.scheduled = true;
    if (!this.hurry && this.pending.length < this.batchCap() && this.busy()) {
      this.delay = setTimeout(() => {
        this.delay = null;
        this.scheduled = false;
        this.writeNext();
      }, this.opts.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS);
      return;
    }
    setImmediate(() => {
      this.scheduled = false;
      this.writeNext();
    });
  }

  /** Whether appends arrived at least `commitDelayAbovePerSecond` over the last second. */
  private busy(): boolean {
    if ((this.opts.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS) <= 0) return false;
    const now = performance.now();
    if (now - this.rateSince >= 1000) {
      this.rate = (this.arrivals * 1000) / (now - this.rateSince);
      this.arrivals = 0;
      this.rateSince = now;
    }
    return this.rate >= (this.opts.commitDelayAbovePerSecond ?? DEFAULT_COMMIT_DELAY_ABOVE_PER_SECOND);
  }

  /** An urgent append (or a flush) does not wait for more to gather: what gathers goes right after it. */
  private cancelDelay(): void {
    if (!this.delay) return;
    this.hurry = true;
    this.stopGathering();
    this.schedule();
  }

  /** Ends the commit delay's wait, if one is running: the batch it gathers is going now. */
  private stopGathering(): void {
    if (!this.delay) return;
    clearTimeout(this.delay);
    this.delay = null;
    this.scheduled = false;
  }

  private get queued(): number {
    return this.pending.length + this.urgent.length;
  }

  /**
   * Holds every commit until the returned function is called: appends queue up and none
   * resolves. For tests that must see what happens between a message's arrival and its commit
   * (forwarded, not yet acknowledged) and for ordering under a backlog. `flush` and `close`
   * release it.
   */
  holdCommits(): () => void {
    this.held = true;
    return () => {
      this.held = false;
      this.schedule();
    };
  }

  private writeNext(): void {
    if (this.held || this.queued === 0 || !this.writer) return;
    const urgent = this.urgent.length > 0;
    if (this.inFlight >= (urgent ? URGENT_IN_FLIGHT : this.ordinaryLimit())) return;
    const batch = urgent ? this.urgent.splice(0, this.opts.maxBatch) : this.pending.splice(0, this.batchCap());
    if (!urgent) this.hurry = false;
    if (this.coalescible.size > 0) {
      for (const p of batch) if (p.input.coalesce && this.coalescible.get(p.input.coalesce) === p) this.coalescible.delete(p.input.coalesce);
    }
    this.inFlight++;
    this.writingCount += batch.length;
    this.writing = this.writer.call({ kind: 'append', batch: toWire(batch) }).then(
      (c) => this.settle(batch, () => this.committed(batch, c)),
      (err: unknown) => this.settle(batch, () => this.refused(batch, toError(err))),
    );
    this.schedule(); // under a backlog, the next batch goes behind this one
  }

  /**
   * Ordinary batches in the writer at once. While it commits one, this thread takes the commit
   * before and prepares the next; with one batch at a time the writer waited for that, idle a
   * fifth of the time under a backlog. So when a full batch waits, it goes behind the one in the
   * writer. Without a backlog, one: an emergency then waits behind one short batch, not two.
   */
  private ordinaryLimit(): number {
    return this.pending.length >= this.batchCap() ? 2 : 1;
  }

  /**
   * How many queued appends go to the writer at once: as many as it commits in about
   * `batchTargetMs`, by its recent pace (at least 16, at most maxBatch). An emergency arriving while a batch
   * is being committed waits for that batch, so no batch may be long; a small one costs an
   * fsync more often, which the disk's own limit makes cheap next to the rows.
   */
  private batchCap(): number {
    if (this.perEventSeconds === 0) return this.opts.maxBatch;
    const target = (this.opts.batchTargetMs ?? DEFAULT_BATCH_TARGET_MS) / 1000;
    return Math.max(PACE_MIN_SAMPLE, Math.min(this.opts.maxBatch, Math.floor(target / this.perEventSeconds)));
  }

  private settle(batch: Pending[], then: () => void): void {
    this.inFlight--;
    this.writingCount -= batch.length;
    if (this.inFlight === 0) this.writing = null;
    then();
    this.schedule();
  }

  private committed(batch: Pending[], c: Committed): void {
    this.lastError = null;
    if (batch.length >= PACE_MIN_SAMPLE) {
      const pace = c.seconds / batch.length;
      this.perEventSeconds = this.perEventSeconds === 0 ? pace : this.perEventSeconds * 0.8 + pace * 0.2;
    }
    const events: JournalEvent[] = [];
    const results: Array<JournalEvent | number> = [];
    /** The row of the batch as posted (toWire): an append, then what derives from it. */
    let row = 0;
    const inserted = (input: AppendInput | DerivedInput, payload: unknown): JournalEvent => {
      const k = events.length;
      const e: JournalEvent = asJournalEvent({
        seq: c.firstSeq + k,
        id: c.ids[k]!,
        ts: c.ts,
        source: input.source,
        type: input.type,
        actor: input.actor ?? null,
        subject: input.subject ?? null,
        ref: input.ref ?? null,
        dedupe: 'dedupe' in input ? (input.dedupe ?? null) : null,
        payload: payload ?? null,
        payloadSha256: c.digests[k]!,
        prevHash: k === 0 ? c.prevHash : c.hashes[k - 1]!,
        hash: c.hashes[k]!,
      });
      events.push(e);
      return e;
    };
    for (const { input, derived } of batch) {
      const dupOf = c.duplicates[row++];
      const cause = dupOf === undefined ? inserted(input, input.payload) : undefined;
      results.push(cause ?? dupOf!);
      for (const d of derived ?? []) {
        if (!c.skipped.includes(row++) && cause) inserted(d.input, { ...d.input.payload, causeSeq: cause.seq });
      }
    }
    if (events.length > 0) {
      this.headSeq = c.firstSeq + events.length - 1;
      this.headHash = c.hashes[events.length - 1]!;
    }
    try {
      this.opts.onBatch?.(events.length, c.seconds);
      if (events.length > 0) this.opts.onCommit?.(events);
    } catch (err) {
      // Thrown here it would only stall the writing chain; the events are durable regardless.
      this.opts.log.error({ err }, 'journal commit listener failed');
    } finally {
      for (let i = 0; i < batch.length; i++) {
        const r = results[i]!;
        if (typeof r !== 'number') batch[i]!.resolve(r);
        else this.resolveDuplicate(batch[i]!, r);
      }
    }
  }

  /** A resend: its append resolves with the event committed the first time (rare: read it back). */
  private resolveDuplicate(p: Pending, seq: number): void {
    try {
      const event = this.reader.get(seq);
      if (event) p.resolve(event);
      else p.reject(new Error(`journal: duplicate of seq ${seq}, which cannot be read`));
    } catch (err) {
      p.reject(toError(err));
    }
  }

  /** Nothing of this batch is durable: refuse every append in it, so nobody acknowledges it. */
  private refused(batch: Pending[], error: Error): void {
    this.lastError = error;
    this.opts.log.error({ err: error, size: batch.length }, 'journal commit failed');
    for (const p of batch) p.reject(error);
  }

  /** Resolves once everything appended so far is committed (or refused). */
  async flush(): Promise<void> {
    this.held = false;
    this.cancelDelay();
    while (this.writer && (this.inFlight > 0 || this.queued > 0)) {
      this.writeNext();
      await this.writing;
    }
  }

  /** The writer died by itself: nothing more can be made durable, so refuse what waits. */
  private writerFailed(writer: WriterClient, err: Error): void {
    if (this.writer !== writer) return;
    this.writer = null;
    this.lastError = err;
    this.opts.log.error({ err }, 'journal writer failed');
    this.coalescible.clear();
    for (const p of [...this.urgent.splice(0), ...this.pending.splice(0)]) p.reject(err);
  }

  /** Events after `afterSeq`, oldest first; at most `limit` (none when it is not positive). */
  read(afterSeq: number, limit: number): JournalEvent[] {
    // A console resuming from past the head asks for a negative count: it has missed nothing.
    if (!(limit >= 1)) return [];
    return this.reader.events({ afterSeq, limit: Math.floor(limit) });
  }

  /**
   * Streams every event (optionally up to a time), for replay. Drain it in one go: while it is
   * open, this connection reads a snapshot and does not see the writer's newer commits.
   */
  replay(untilTs?: number): Generator<JournalEvent> {
    return this.reader.iterate(untilTs === undefined ? {} : { toTs: untilTs });
  }

  /**
   * Saves a consumer's position (the uplink's acknowledged seq and hash) in the journal's own
   * file, through the writer, so no consumer opens the file to write. Read it back with
   * `reader.cursor(name)`; `cursor.ts` checks it still belongs to this journal.
   */
  async saveCursor(name: string, position: CursorPosition): Promise<void> {
    if (!this.isOpen || !this.writer) throw new Error(this.closing ? 'journal is closing' : 'journal is not open');
    await this.writer.call({ kind: 'cursor', name, seq: position.seq, hash: position.hash });
  }

  /**
   * Retention: journals the erasure, then blanks the payload (on the writer's connection). The
   * header and its payload digest stay, so the chain still verifies and the erasure itself is
   * on the record.
   */
  async erasePayload(seq: number, reason: string, actor: string | null): Promise<void> {
    await this.append({ source: 'gateway', type: 'journal.payload-erased', actor, payload: { seq, reason } });
    if (!this.writer) throw new Error('journal is not open');
    await this.writer.call({ kind: 'erase', seqs: [seq] });
  }

  /**
   * Retention of personal data: the same for many payloads of one type at once, recorded by one event
   * (`journal.payloads-erased`) and blanked in one transaction. The caller keeps a call to a
   * few thousand seqs, so appends wait no longer than that transaction.
   */
  async erasePayloads(type: string, seqs: number[], reason: string, actor: string | null): Promise<void> {
    if (seqs.length === 0) return;
    await this.append({ source: 'gateway', type: 'journal.payloads-erased', actor, payload: { type, seqs, reason } });
    if (!this.writer) throw new Error('journal is not open');
    await this.writer.call({ kind: 'erase', seqs });
  }

  /** Commits everything appended before the call, then stops the writer; appends after it are refused. */
  close(): Promise<void> {
    if (!this.closing && this.coalesceTimer) {
      clearTimeout(this.coalesceTimer);
      this.reportCoalesced(); // the last window's count, while appends are still taken
    }
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.flush();
    if (this.delay) clearTimeout(this.delay);
    this.delay = null;
    // The reader goes first, so the writer's close is the last one and checkpoints the WAL.
    this.db?.close();
    this.db = null;
    const writer = this.writer;
    if (!writer) return;
    this.writer = null;
    try {
      await writer.call({ kind: 'close' });
    } catch (err) {
      this.opts.log.error({ err }, 'journal writer did not close cleanly');
    }
    await writer.terminate();
  }
}
