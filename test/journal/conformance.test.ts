/**
 * The journal's interface, as its consumers use it: append through the writer, read through
 * the read-only reader (by seq, type, subject, ref, actor and time; pages and long scans),
 * keep a consumer's cursor, erase a payload. Real SQLite files, the real writer thread.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsumerCursor } from '../../gateway/journal/cursor';
import { Journal } from '../../gateway/journal/journal';
import { JournalReader, type EventQuery } from '../../gateway/journal/reader';
import type { JournalStore } from '../../gateway/journal/store';
import type { JournalEvent, UntypedAppendInput } from '../../gateway/journal/types';
import { verifyJournal } from '../../gateway/journal/verify';
import { Outbox } from '../../gateway/uplink/outbox';
import { ROOT } from '../helpers/gateway';
import { untyped } from '../helpers/untyped';

const open: Array<{ close(): unknown }> = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const newPath = (): string => join(mkdtempSync(join(tmpdir(), 'tw-journal-conf-')), 'journal.db');

/** The interface under test (store.ts), and close to end a test's journal. */
type Subject = JournalStore & { close(): Promise<void> };

async function openJournal(path = newPath()): Promise<{ journal: Subject; path: string }> {
  const journal = new Journal({ path, synchronous: 'full', maxBatch: 64, log: pino({ level: 'silent' }) });
  await journal.open();
  open.push(journal);
  return { journal, path };
}

/** A small town's worth of events: several types, subjects, refs and actors. */
const FIXTURE: UntypedAppendInput[] = [
  { source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { lat: 52.95, lon: -1.15 } },
  { source: 'api', type: 'evidence.viewed', actor: 'police', subject: 'bodycam:7', ref: 'ev-1', payload: { evidenceId: 'ev-1' } },
  { source: 'dock:dock-1', type: 'evidence.received', subject: 'bodycam:7', ref: 'ev-1', payload: { sha256: 'ab' } },
  { source: 'api', type: 'incident.reported', actor: 'controller', ref: 'inc-1', payload: { zone: 'market' } },
  // Types that share a stem with `evidence.` but are not under it.
  { source: 'test', type: 'evidence', ref: 'ev-1', payload: {} },
  { source: 'test', type: 'evidencex.other', ref: 'ev-1', payload: {} },
  { source: 'dock:dock-1', type: 'evidence.received', subject: 'bodycam:8', ref: 'ev-2', payload: { sha256: 'cd' } },
  { source: 'mqtt:radio-2002', type: 'radio.position', subject: 'radio:2002', payload: { lat: 52.96, lon: -1.14 } },
  { source: 'api', type: 'evidence.marked-evidential', actor: 'secmgr', subject: 'bodycam:7', ref: 'ev-1', payload: { note: 'assault' } },
  { source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { lat: 52.951, lon: -1.151 } },
];

async function filled(): Promise<{ journal: Subject; path: string; all: JournalEvent[] }> {
  const { journal, path } = await openJournal();
  const all: JournalEvent[] = [];
  for (const input of FIXTURE) all.push(await journal.append(untyped(input)));
  return { journal, path, all };
}

const seqs = (events: readonly JournalEvent[]): number[] => events.map((e) => e.seq);

describe('journal conformance: append and read', () => {
  it('reads back exactly what was appended, with the chain linking each event to the one before', async () => {
    const { journal, all } = await filled();
    const read = journal.reader.events();
    expect(read).toEqual(all);
    for (const [i, e] of read.entries()) {
      expect(e.payload).toEqual(FIXTURE[i]!.payload);
      expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : read[i - 1]!.hash);
      expect(journal.reader.get(e.seq)).toEqual(e);
      expect(journal.reader.header(e.seq)).toEqual({ seq: e.seq, id: e.id, ts: e.ts, type: e.type, hash: e.hash });
    }
    expect(journal.reader.head()).toEqual({ seq: all.length, hash: all.at(-1)!.hash });
    expect(journal.reader.get(999)).toBeNull();
    expect(journal.reader.header(999)).toBeNull();
  });

  it('reads back a batch of many rows as exactly as rows appended one by one, with an intact chain', async () => {
    const { journal, path } = await openJournal();
    // One commit of 23 rows: the writer inserts eight rows to a statement, and the rest one by one.
    const inputs = Array.from({ length: 23 }, (_, i) => ({ ...FIXTURE[i % FIXTURE.length]!, payload: { i, of: FIXTURE[i % FIXTURE.length]!.payload } }));
    const appended = await Promise.all(inputs.map((input) => journal.append(untyped(input))));
    expect(new Set(appended.map((e) => e.ts)).size).toBe(1); // one commit
    const read = journal.reader.events();
    expect(read).toEqual(appended);
    for (const [i, e] of read.entries()) {
      expect([e.seq, e.type, e.subject, e.ref, e.actor, e.payload]).toEqual([
        i + 1,
        inputs[i]!.type,
        inputs[i]!.subject ?? null,
        inputs[i]!.ref ?? null,
        inputs[i]!.actor ?? null,
        inputs[i]!.payload,
      ]);
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(verifyJournal(db)).toMatchObject({ ok: true, count: 23 });
    } finally {
      db.close();
    }
  });

  it('orders by seq: concurrent appends get contiguous seqs, read oldest first or newest first', async () => {
    const { journal } = await openJournal();
    const appended = await Promise.all(Array.from({ length: 150 }, (_, i) => journal.append(untyped({ source: 'test', type: 'test.n', payload: { i } }))));
    expect(seqs(appended)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(seqs(journal.reader.events())).toEqual(seqs(appended));
    expect(seqs(journal.reader.events({ newestFirst: true, limit: 3 }))).toEqual([150, 149, 148]);
  });

  it('pages by seq: after/to bounds and limits cover every event once', async () => {
    const { journal, all } = await filled();
    expect(seqs(journal.reader.events({ afterSeq: 3, toSeq: 6 }))).toEqual([4, 5, 6]);
    const paged: JournalEvent[] = [];
    for (let page = journal.reader.events({ limit: 3 }); page.length > 0; page = journal.reader.events({ afterSeq: page.at(-1)!.seq, limit: 3 })) {
      expect(page.length).toBeLessThanOrEqual(3);
      paged.push(...page);
    }
    expect(paged).toEqual(all);
  });

  it('answers each query shape with exactly the matching events', async () => {
    const { journal, all } = await filled();
    const cases: Array<[EventQuery, (e: JournalEvent) => boolean]> = [
      [{ types: ['radio.position'] }, (e) => e.type === 'radio.position'],
      [{ types: ['incident.reported', 'evidence.viewed'] }, (e) => e.type === 'incident.reported' || e.type === 'evidence.viewed'],
      [{ typePrefix: 'evidence.' }, (e) => e.type.startsWith('evidence.')],
      [{ subject: 'radio:2001' }, (e) => e.subject === 'radio:2001'],
      [{ ref: 'ev-1' }, (e) => e.ref === 'ev-1'],
      [{ actor: 'secmgr' }, (e) => e.actor === 'secmgr'],
      // The chain of custody of one exhibit: its ref, evidence types only.
      [{ ref: 'ev-1', typePrefix: 'evidence.' }, (e) => e.ref === 'ev-1' && e.type.startsWith('evidence.')],
      [{ subject: 'bodycam:7', afterSeq: 2 }, (e) => e.subject === 'bodycam:7' && e.seq > 2],
    ];
    for (const [query, match] of cases) {
      const expected = all.filter(match);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(query)).toBeLessThan(all.length);
      expect(journal.reader.events(query), JSON.stringify(query)).toEqual(expected);
      expect([...journal.reader.iterate(query)], JSON.stringify(query)).toEqual(expected);
      expect(
        journal.reader.rows(query).map((r) => r.seq),
        JSON.stringify(query),
      ).toEqual(seqs(expected));
      expect(journal.reader.exists(query)).toBe(true);
    }
    expect(journal.reader.events({ types: ['no.such-type'] })).toEqual([]);
    expect(journal.reader.exists({ ref: 'ev-404' })).toBe(false);
  });

  it('reads by commit time, inclusive at both ends', async () => {
    const { journal } = await openJournal();
    // Commits until the writer's clock has moved on at least twice, so a time range has edges to test.
    const all: JournalEvent[] = [];
    while (new Set(all.map((e) => e.ts)).size < 3) all.push(await journal.append(untyped({ source: 'test', type: 'test.t', payload: { n: all.length } })));
    const [t0, t1] = [...new Set(all.map((e) => e.ts))] as [number, number, number];
    expect(journal.reader.events({ fromTs: t1, toTs: t1 })).toEqual(all.filter((e) => e.ts === t1));
    expect(journal.reader.events({ fromTs: t1 })).toEqual(all.filter((e) => e.ts >= t1));
    expect(journal.reader.events({ toTs: t0 })).toEqual(all.filter((e) => e.ts <= t0));
    expect([...journal.reader.iterate({ toTs: t0 })]).toEqual(all.filter((e) => e.ts <= t0));
  });

  it('gives a clear error for a malformed query and nothing for one that cannot match', async () => {
    const { journal } = await filled();
    expect(journal.reader.events({ types: [] })).toEqual([]);
    expect(journal.reader.events({ limit: 0 })).toEqual([]);
    expect(() => journal.reader.events({ limit: -1 })).toThrow(/limit must be a non-negative integer/);
    expect(() => journal.reader.events({ limit: 1.5 })).toThrow(/limit must be a non-negative integer/);
    expect(() => journal.reader.events({ afterSeq: Number.NaN })).toThrow(/afterSeq is not a seq/);
    expect(() => journal.reader.events({ fromTs: Number.NaN })).toThrow(/fromTs is not a time/);
  });

  it('sees every commit of the writer thread without reopening', async () => {
    const { journal } = await filled();
    const before = journal.reader.head().seq;
    const e = await journal.append(untyped({ source: 'test', type: 'test.late', payload: { late: true } }));
    expect(journal.reader.head()).toEqual({ seq: before + 1, hash: e.hash });
    expect(journal.reader.events({ afterSeq: before })).toEqual([e]);
  });
});

describe('journal conformance: the reader cannot write', () => {
  it('refuses every write on its connection, while the writer goes on appending', async () => {
    const { journal } = await filled();
    const db = journal.reader.database;
    expect(db.readonly).toBe(true);
    for (const sql of [
      "INSERT INTO events (seq, id, ts, source, type, payload_sha256, prev_hash, hash) VALUES (99, 'x', 0, 's', 't', 'd', 'p', 'h')",
      "INSERT INTO cursors (name, seq, hash, updated_at) VALUES ('uplink:region', 1, 'h', 0)",
      'CREATE TABLE uplink_cursor (target TEXT)',
    ]) {
      expect(() => db.exec(sql), sql).toThrow(/readonly/);
    }
    expect((await journal.append(untyped({ source: 'test', type: 'test.after', payload: {} }))).seq).toBe(FIXTURE.length + 1);
    expect(journal.reader.verify()).toMatchObject({ ok: true, count: FIXTURE.length + 1 });
  });

  it('a reader opened on the file by itself (the CLI, time travel) is read-only too', async () => {
    const { path } = await filled();
    const reader = JournalReader.open(path);
    open.push(reader);
    expect(reader.events({ typePrefix: 'radio.' })).toHaveLength(3);
    expect(() => reader.database.exec('DELETE FROM cursors')).toThrow(/readonly/);
  });

  it('refuses to read once the journal is closed', async () => {
    const { journal } = await filled();
    await journal.close();
    expect(() => journal.reader.events()).toThrow(/journal is not open/);
    await expect(journal.saveCursor('x', { seq: 1, hash: 'h' })).rejects.toThrow(/journal is (not open|closing)/);
  });
});

describe('journal conformance: consumer cursors', () => {
  it('resumes a consumer after a reopen from exactly where it saved its cursor', async () => {
    const { journal, path, all } = await filled();
    const cursor = new ConsumerCursor(journal, 'test:consumer');
    expect(cursor.load()).toEqual({ position: { seq: 0, hash: '' }, reset: null });
    const done = all[4]!;
    await cursor.save({ seq: done.seq, hash: done.hash });
    await journal.close();

    const { journal: again } = await openJournal(path);
    const resumed = new ConsumerCursor(again, 'test:consumer').load();
    expect(resumed).toEqual({ position: { seq: done.seq, hash: done.hash }, reset: null });
    expect(again.reader.events({ afterSeq: resumed.position.seq })).toEqual(all.slice(5));
    // Another consumer's cursor is its own.
    expect(new ConsumerCursor(again, 'test:other').load().position.seq).toBe(0);
  });

  it('starts a consumer again when its cursor belongs to another journal', async () => {
    const { journal, all } = await filled();
    const cursor = new ConsumerCursor(journal, 'test:consumer');
    await cursor.save({ seq: 3, hash: 'f'.repeat(64) });
    expect(cursor.load()).toEqual({ position: { seq: 0, hash: '' }, reset: 'event 3 has another hash' });
    await cursor.save({ seq: all.length + 5, hash: all.at(-1)!.hash });
    expect(cursor.load()).toEqual({ position: { seq: 0, hash: '' }, reset: `event ${all.length + 5} is not in the journal` });
  });

  it("keeps the uplink outbox's cursor in the journal's own file, through the journal", async () => {
    const { journal, path, all } = await filled();
    const outbox = new Outbox(journal);
    outbox.start();
    expect(outbox.read(2, 3).map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(outbox.read(2, 1)[0]!.payload).toBe(JSON.stringify(FIXTURE[2]!.payload)); // as stored, for the wire
    expect(outbox.tsOf(4)).toBe(all[3]!.ts);
    expect(outbox.headSeq()).toBe(all.length);
    await outbox.save({ seq: 6, hash: all[5]!.hash });
    outbox.close();
    await journal.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT name, seq, hash FROM cursors').all()).toEqual([{ name: 'uplink:region', seq: 6, hash: all[5]!.hash }]);
    } finally {
      db.close();
    }
  });

  it('moves a cursor kept by an older uplink (its own uplink_cursor table) into the journal', async () => {
    const { journal, path, all } = await filled();
    await journal.close();
    // What the uplink's second writable connection left behind before this change.
    const old = new Database(path);
    old.exec('CREATE TABLE uplink_cursor (target TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, updated_at INTEGER NOT NULL)');
    old.prepare('INSERT INTO uplink_cursor VALUES (?, ?, ?, ?)').run('region', 7, all[6]!.hash, 1);
    old.close();

    const { journal: again } = await openJournal(path);
    const outbox = new Outbox(again);
    outbox.start();
    expect(outbox.cursor()).toEqual({ cursor: { seq: 7, hash: all[6]!.hash }, reset: null });
    expect(again.reader.database.prepare("SELECT name FROM sqlite_master WHERE name = 'uplink_cursor'").get()).toBeUndefined();
  });
});

describe('journal conformance: erasure', () => {
  it('erases a payload, records the erasure with its actor, and the chain still verifies', async () => {
    const { journal, all } = await filled();
    const target = all[3]!;
    await journal.erasePayload(target.seq, 'retention', 'secmgr');
    const erased = journal.reader.get(target.seq)!;
    expect(erased).toEqual({ ...target, payload: null });
    expect(journal.reader.rows({ afterSeq: target.seq - 1, limit: 1 })[0]!.payload).toBeNull();
    const record = journal.reader.events({ types: ['journal.payload-erased'] });
    expect(record).toMatchObject([{ actor: 'secmgr', payload: { seq: target.seq, reason: 'retention' } }]);
    expect(journal.reader.verify()).toEqual({ ok: true, count: all.length + 1, head: journal.head.hash });
    // Every other payload is untouched.
    expect(journal.reader.events({ toSeq: all.length }).filter((e) => e.seq !== target.seq)).toEqual(all.filter((e) => e.seq !== target.seq));
  });
});

describe('the journal is encapsulated', () => {
  /** Every TypeScript file under gateway/, but the journal itself, the regional store (Postgres) and the build. */
  function gatewaySources(dir = join(ROOT, 'gateway')): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = join(dir, name);
      const rel = relative(join(ROOT, 'gateway'), full);
      if (['journal', 'region', 'dist'].includes(rel)) return [];
      if (statSync(full).isDirectory()) return gatewaySources(full);
      return full.endsWith('.ts') ? [full] : [];
    });
  }

  /** Files that open a SQLite database of their own, never the journal's: the people administration's `people.db`. */
  const OWN_DATABASES = new Set(['gateway/auth/user-store.ts']);

  it('has no SQL on `events` and no SQLite connection outside gateway/journal/', () => {
    const offenders = gatewaySources().flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const found: string[] = [];
      if (/\b(FROM|INTO|UPDATE|JOIN)\s+events\b/.test(text)) found.push('SQL on events');
      if (/from 'better-sqlite3'/.test(text) && !OWN_DATABASES.has(relative(ROOT, file))) found.push('opens SQLite itself');
      if (/journal\.database\b/.test(text)) found.push("uses the journal's connection");
      return found.map((f) => `${relative(ROOT, file)}: ${f}`);
    });
    expect(offenders).toEqual([]);
  });
});
