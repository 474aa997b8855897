import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../gateway/journal/journal';
import { verifyJournal } from '../../gateway/journal/verify';
import { untyped } from '../helpers/untyped';

const run = promisify(execFile);

/** The sqlite3 CLI as an attacker with the file would use it: a fresh connection, default pragmas. */
async function sqlite3(path: string, sql: string): Promise<{ code: number; stderr: string; stdout: string }> {
  return run('sqlite3', [path, sql]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

const COLS = 'seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash';
/** The same header as seq 1, a different type and payload: a forged replacement of the first event. */
const forgeFirst = (verb: string): string =>
  `${verb} INTO events (${COLS}) SELECT seq, id, ts, source, 'forged.event', actor, subject, ref, dedupe, '{"forged":true}', payload_sha256, prev_hash, hash FROM events WHERE seq = 1`;
const upsertFirst = `INSERT INTO events (${COLS}) SELECT seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash FROM events WHERE seq = 1 ON CONFLICT(seq) DO UPDATE SET type = 'forged.event'`;
/** A new seq reusing seq 1's id: REPLACE would delete seq 1 through the id's UNIQUE index. */
const replaceById = `INSERT OR REPLACE INTO events (${COLS}) SELECT 1000, id, ts, source, 'forged.event', actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash FROM events WHERE seq = 1`;

let journal: Journal;
let path: string;
let original: unknown;

beforeAll(async () => {
  path = join(mkdtempSync(join(tmpdir(), 'tw-sec-journal-')), 'journal.db');
  journal = new Journal({ path, synchronous: 'full', maxBatch: 500, log: pino({ level: 'silent' }) });
  await journal.open();
  await journal.append(untyped({ source: 'test', type: 'subject.created', actor: 'controller', payload: { name: 'J. Bloggs' } }));
  await journal.append(untyped({ source: 'test', type: 'test.b', payload: { b: 2 } }));
  original = journal.database.prepare('SELECT * FROM events WHERE seq = 1').get();
});

afterAll(async () => {
  await journal?.close();
});

describe('the journal refuses replacing an event (INSERT OR REPLACE, REPLACE, upserts)', () => {
  it('through the sqlite3 CLI', async () => {
    for (const sql of [forgeFirst('INSERT OR REPLACE'), forgeFirst('REPLACE'), upsertFirst, replaceById]) {
      const res = await sqlite3(path, sql);
      expect(res.code, sql).not.toBe(0);
      expect(res.stderr, sql).toMatch(/append-only/);
    }
    // Even a connection that turns on recursive triggers gets the same answer.
    const res = await sqlite3(path, `PRAGMA recursive_triggers = ON; ${forgeFirst('INSERT OR REPLACE')}`);
    expect(res.stderr).toMatch(/append-only/);
    expect((await sqlite3(path, 'SELECT count(*), max(seq) FROM events')).stdout.trim()).toBe('2|2');
  });

  it('through better-sqlite3', () => {
    const db = new Database(path);
    try {
      for (const sql of [forgeFirst('INSERT OR REPLACE'), forgeFirst('REPLACE'), upsertFirst, replaceById]) {
        expect(() => db.prepare(sql).run(), sql).toThrow(/append-only/);
      }
      expect(db.prepare('SELECT * FROM events WHERE seq = 1').get()).toEqual(original);
    } finally {
      db.close();
    }
  });

  it('still appends, and `journal verify` is still ok', async () => {
    const e = await journal.append(untyped({ source: 'test', type: 'test.c', payload: { c: 3 } }));
    expect(e.seq).toBe(3);
    expect(journal.read(0, 10).map((x) => x.type)).toEqual(['subject.created', 'test.b', 'test.c']);
    expect(verifyJournal(journal.database)).toEqual({ ok: true, count: 3, head: e.hash });
  });
});
