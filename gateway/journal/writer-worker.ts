/**
 * The journal's writer, in a worker thread (started by Journal.open). It owns the only
 * connection that appends: seqs, ULIDs, digests and chain hashes are assigned here, next to
 * the INSERT and the fsync, so none of that work runs on the gateway's event loop.
 */
import { randomFillSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { monotonicFactory } from 'ulid';
import { chainHash, sha256Hex } from './hash';
import { DEDUPE_GENERATION_MS, DEDUPE_MAX_KEYS, DEDUPE_WINDOW_MS, RecentKeys } from './recent-keys';
import { withCauseSeq, type Committed, type Head, type WireBatch, type WriterReply, type WriterRequest, type WriterResults } from './protocol';
import { MIGRATE_SQL, SAVE_CURSOR_SQL, SCHEMA_SQL } from './schema';
import { GENESIS_HASH } from './types';

type Row = [number, string, number, string, string, string | null, string | null, string | null, string | null, string, string, string, string];
const COLUMNS = 13;
/**
 * Rows per INSERT statement: a statement per row spends about a fifth of the insert's time
 * binding, stepping and resetting; eight rows to a statement save most of that. A batch's
 * remainder goes a row at a time.
 */
const ROWS_PER_INSERT = 8;

const port = parentPort;
if (!port) throw new Error('writer-worker runs only as a worker thread');

let db: Database.Database | null = null;
let insert: ((rows: Row[]) => void) | null = null;
let erase: ((seqs: number[]) => void) | null = null;
const recent = new RecentKeys({ windowMs: DEDUPE_WINDOW_MS, generationMs: DEDUPE_GENERATION_MS, maxKeys: DEDUPE_MAX_KEYS });
let saveCursor: Database.Statement<[string, number, string, number]> | null = null;
let durability: 'FULL' | 'NORMAL' = 'FULL';
let head: Head = { seq: 0, hash: GENESIS_HASH };
/**
 * ulid's own randomness asks the OS for one byte per character, 16 calls for each new
 * millisecond, which at 5,000 appends a second was 2.5 % of this thread's profile. The same
 * bytes, drawn 4 KiB at a time.
 */
const pool = new Uint8Array(4096);
let drawn = pool.length;
function randomByteFraction(): number {
  if (drawn === pool.length) {
    randomFillSync(pool);
    drawn = 0;
  }
  return pool[drawn++]! / 256;
}
// Generated here, in commit order, so ids sort in seq order like they always have.
const nextId = monotonicFactory(randomByteFraction);

function open(path: string, synchronous: 'full' | 'normal'): Head {
  mkdirSync(dirname(path), { recursive: true });
  const conn = new Database(path);
  conn.pragma('journal_mode = WAL');
  durability = synchronous === 'full' ? 'FULL' : 'NORMAL';
  conn.pragma(`synchronous = ${durability}`);
  conn.pragma('foreign_keys = ON');
  conn.exec(SCHEMA_SQL);
  const legacyCursor = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplink_cursor'").get();
  if (legacyCursor) conn.transaction(() => conn.exec(MIGRATE_SQL))();
  // Positional parameters: binding by name costs a property lookup per column per row.
  const values = `(${Array<string>(COLUMNS).fill('?').join(', ')})`;
  const into = 'INSERT INTO events (seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash) VALUES';
  const one = conn.prepare(`${into} ${values}`);
  const many = conn.prepare(`${into} ${Array<string>(ROWS_PER_INSERT).fill(values).join(', ')}`);
  const params: unknown[] = [];
  insert = conn.transaction((rows: Row[]) => {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      for (let r = 0; r < ROWS_PER_INSERT; r++) {
        const row = rows[i + r]!;
        for (let c = 0; c < COLUMNS; c++) params[r * COLUMNS + c] = row[c];
      }
      many.run(params);
    }
    for (; i < rows.length; i++) one.run(rows[i]!);
  });
  const eraseOne = conn.prepare('UPDATE events SET payload = NULL WHERE seq = ?');
  erase = conn.transaction((seqs: number[]) => {
    for (const seq of seqs) eraseOne.run(seq);
  });
  saveCursor = conn.prepare(SAVE_CURSOR_SQL);
  recent.clear();
  const window = conn.prepare<[number], { seq: number; ts: number; dedupe: string }>(
    'SELECT seq, ts, dedupe FROM events WHERE ts >= ? AND dedupe IS NOT NULL ORDER BY ts',
  );
  for (const row of window.iterate(Date.now() - DEDUPE_WINDOW_MS)) recent.add(row.dedupe, row.seq, row.ts);
  const last = conn.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as Head | undefined;
  head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  db = conn;
  return head;
}

function append(batch: WireBatch): Committed {
  if (!insert) throw new Error('journal writer is not open');
  const started = performance.now();
  const ts = Date.now();
  const n = batch.payload.length;
  const rows: Row[] = [];
  const ids: string[] = [];
  const digests: string[] = [];
  const hashes: string[] = [];
  const duplicates: Record<number, number> = {};
  const skipped: number[] = [];
  /** The seq of the last append of the batch's own, 0 if it was a resend: what a derived row names. */
  let causeSeq = 0;
  /** This batch's keys: remembered in `recent` only once the batch is committed. */
  const keyed = new Map<string, number>();
  let seq = head.seq;
  let prevHash = head.hash;
  for (let i = 0; i < n; i++) {
    const dedupe = batch.dedupe[i] ?? null;
    const before = dedupe === null ? undefined : (recent.get(dedupe) ?? keyed.get(dedupe));
    if (before !== undefined) {
      duplicates[i] = before;
      causeSeq = 0;
      continue;
    }
    const derived = batch.derived[i]!;
    if (derived && causeSeq === 0) {
      skipped.push(i); // its cause is a resend: what derives from it was committed with the original
      continue;
    }
    seq += 1;
    if (!derived) causeSeq = seq;
    if (dedupe !== null) keyed.set(dedupe, seq);
    const id = nextId(ts);
    const source = batch.source[i]!;
    const type = batch.type[i]!;
    const actor = batch.actor[i] ?? null;
    const subject = batch.subject[i] ?? null;
    const ref = batch.ref[i] ?? null;
    const payload = derived ? withCauseSeq(batch.payload[i]!, causeSeq) : batch.payload[i]!;
    const payloadSha256 = sha256Hex(payload);
    const hash = chainHash({ seq, id, ts, source, type, actor, subject, ref, dedupe, payloadSha256, prevHash });
    rows.push([seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payloadSha256, prevHash, hash]);
    ids.push(id);
    digests.push(payloadSha256);
    hashes.push(hash);
    prevHash = hash;
  }
  // If this throws (disk full…) the transaction is rolled back and the head stays where it was.
  insert(rows);
  for (const [key, keySeq] of keyed) recent.add(key, keySeq, ts);
  const committed: Committed = { firstSeq: head.seq + 1, ts, prevHash: head.hash, ids, digests, hashes, duplicates, skipped, seconds: 0 };
  head = { seq, hash: prevHash };
  committed.seconds = (performance.now() - started) / 1000;
  return committed;
}

function handle(req: WriterRequest): WriterResults[keyof WriterResults] {
  switch (req.kind) {
    case 'open':
      return open(req.path, req.synchronous);
    case 'append':
      return append(req.batch);
    case 'erase':
      if (!erase) throw new Error('journal writer is not open');
      erase(req.seqs);
      return null;
    case 'cursor':
      if (!saveCursor || !db) throw new Error('journal writer is not open');
      // A cursor lost in a power cut only means re-sending (consumers deduplicate by event id),
      // so it costs no fsync of its own; the next append's commit makes it durable too.
      db.pragma('synchronous = NORMAL');
      try {
        saveCursor.run(req.name, req.seq, req.hash, Date.now());
      } finally {
        db.pragma(`synchronous = ${durability}`);
      }
      return null;
    case 'close':
      db?.close();
      db = null;
      insert = null;
      erase = null;
      recent.clear();
      saveCursor = null;
      return null;
  }
}

port.on('message', (req: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id: req.id, ok: true, result: handle(req) };
  } catch (err) {
    const e: Error & { code?: unknown } = err instanceof Error ? err : new Error(String(err));
    reply = { id: req.id, ok: false, error: { message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) } };
  }
  port.postMessage(reply);
});
