import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, type Deriver } from '../../gateway/journal/journal';
import { withCauseSeq } from '../../gateway/journal/protocol';
import type { DerivedInput, JournalEvent } from '../../gateway/journal/types';
import { verifyJournal } from '../../gateway/journal/verify';
import { ROOT } from '../helpers/gateway';
import { untyped } from '../helpers/untyped';

const run = promisify(execFile);
const journals: Journal[] = [];

async function openJournal(onBatch?: (size: number) => void, batchTargetMs?: number): Promise<{ journal: Journal; path: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-journal-')), 'journal.db');
  const journal = new Journal({
    path,
    synchronous: 'full',
    maxBatch: 500,
    log: pino({ level: 'silent' }),
    onBatch,
    ...(batchTargetMs ? { batchTargetMs } : {}),
  });
  await journal.open();
  journals.push(journal);
  return { journal, path };
}

afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.close()));
});

async function journalCli(path: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'gateway/cli/journal.ts'), ...args, '--db', path], { cwd: ROOT }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
}

describe('journal', () => {
  it('commits appends made in one turn of the event loop as one batch, in order', async () => {
    const sizes: number[] = [];
    // A writer's pace never shortens these batches here (an hour per batch): maxBatch alone bounds them.
    const { journal } = await openJournal((n) => sizes.push(n), 3_600_000);
    const events = await Promise.all(Array.from({ length: 1200 }, (_, i) => journal.append(untyped({ source: 'test', type: 'test.n', payload: { i } }))));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(sizes).toEqual([500, 500, 200]); // maxBatch bounds a transaction
    expect(new Set(events.map((e) => e.id)).size).toBe(1200);
    expect([...events.map((e) => e.id)].sort()).toEqual(events.map((e) => e.id)); // ids sort in seq order
  });

  it("sizes batches to the writer's pace, so an emergency waits behind a short one", async () => {
    const sizes: number[] = [];
    // A target far below any real commit: once the writer's pace is known, batches are the least (16).
    const { journal } = await openJournal((n) => sizes.push(n), 0.001);
    const events = await Promise.all(Array.from({ length: 600 }, (_, i) => journal.append(untyped({ source: 'test', type: 'test.n', payload: { i } }))));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    // No pace known for the first: maxBatch. The other 100 then go 16 at a time.
    expect(sizes).toEqual([500, 16, 16, 16, 16, 16, 16, 4]);
  });

  it('refuses UPDATE and DELETE of events', async () => {
    const { journal, path } = await openJournal();
    await journal.append(untyped({ source: 'test', type: 'test.a', payload: { a: 1 } }));
    // A writable connection of its own: the journal's reader is read-only (see conformance.test.ts).
    const db = new Database(path);
    try {
      expect(() => db.prepare("UPDATE events SET type = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM events WHERE seq = 1').run()).toThrow(/append-only/);
      expect(() => db.prepare('UPDATE events SET payload = \'{"a":2}\' WHERE seq = 1').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it('reads a page after a seq, and nothing for a resume from past the head (a console of an older journal)', async () => {
    const { journal } = await openJournal();
    for (let i = 0; i < 5; i++) await journal.append(untyped({ source: 'test', type: 'test.n', payload: { i } }));
    expect(journal.read(2, 2).map((e) => e.seq)).toEqual([3, 4]);
    // The console socket asks for head - lastSeq events: negative when its lastSeq is past our head.
    expect(journal.read(9, 5 - 9)).toEqual([]);
    expect(journal.read(2.5, 1.5).map((e) => e.seq)).toEqual([3]);
  });

  it('allows a payload erasure that is itself journaled, and the chain still verifies', async () => {
    const { journal } = await openJournal();
    await journal.append(untyped({ source: 'test', type: 'subject.created', payload: { name: 'J. Bloggs' } }));
    await journal.append(untyped({ source: 'test', type: 'test.b', payload: {} }));
    await journal.erasePayload(1, 'retention', 'secmgr');
    expect(journal.read(0, 10)[0]!.payload).toBeNull();
    expect(verifyJournal(journal.database)).toMatchObject({ ok: true, count: 3 });
  });

  it('does not append the same device message twice (QoS 1 resend after reconnect)', async () => {
    const { journal } = await openJournal();
    const a = await journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 1 }, dedupe: 'h1/7/abc' }));
    const [b, c] = await Promise.all([
      journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 1 }, dedupe: 'h1/7/abc' })),
      journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 1 }, dedupe: 'h1/8/abc' })),
    ]);
    expect(b.seq).toBe(a.seq);
    expect(c.seq).toBe(2);
    expect(journal.head.seq).toBe(2);
  });

  it('knows a resend after a restart: the event committed before comes back, nothing is added', async () => {
    const { journal, path } = await openJournal();
    const a = await journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 3 }, dedupe: 'h1/9/def' }));
    await journal.close();
    const reopened = new Journal({ path, synchronous: 'full', maxBatch: 500, log: pino({ level: 'silent' }) });
    await reopened.open();
    journals.push(reopened);
    const [again, next] = await Promise.all([
      reopened.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 3 }, dedupe: 'h1/9/def' })),
      reopened.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 4 }, dedupe: 'h1/10/def' })),
    ]);
    expect(again).toEqual(a);
    expect(next.seq).toBe(2);
    expect(next.prevHash).toBe(a.hash);
    expect(reopened.read(0, 10).map((e) => e.seq)).toEqual([1, 2]);
    expect(verifyJournal(reopened.database)).toMatchObject({ ok: true, count: 2 });
  });

  it('refuses every append of a batch whose commit fails, and clears the error on the next commit', async () => {
    const { journal, path } = await openJournal();
    await journal.append(untyped({ source: 'test', type: 'test.a', payload: {} }));
    // Stands in for a full disk: the writer's INSERT fails for this one batch.
    const side = new Database(path);
    side.exec("CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.type = 'test.boom' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const results = await Promise.allSettled([
      journal.append(untyped({ source: 'test', type: 'test.b', payload: {} })),
      journal.append(untyped({ source: 'test', type: 'test.boom', payload: {} })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(journal.lastError?.message).toMatch(/disk full/);
    expect(journal.head.seq).toBe(1);
    side.exec('DROP TRIGGER boom');
    side.close();
    expect((await journal.append(untyped({ source: 'test', type: 'test.c', payload: {} }))).seq).toBe(2);
    expect(journal.lastError).toBeNull();
    expect(verifyJournal(journal.database)).toMatchObject({ ok: true, count: 2, head: journal.head.hash });
  });

  it('does not remember the dedupe key of a refused batch: the resend is journaled', async () => {
    const { journal, path } = await openJournal();
    const side = new Database(path);
    side.exec("CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.type = 'test.boom' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const results = await Promise.allSettled([
      journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 5 }, dedupe: 'h1/11/abc' })),
      journal.append(untyped({ source: 'test', type: 'test.boom', payload: {} })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    side.exec('DROP TRIGGER boom');
    side.close();
    const resent = await journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 5 }, dedupe: 'h1/11/abc' }));
    expect(resent).toMatchObject({ seq: 1, dedupe: 'h1/11/abc' });
    expect(journal.read(0, 10)).toHaveLength(1);
  });

  it('opens a journal made with the old dedupe and subject indexes: drops them, and still knows its resends', async () => {
    const { journal, path } = await openJournal();
    const a = await journal.append(untyped({ source: 'mqtt:h1', type: 'radio.status', subject: 'radio:2001', payload: { value: 3 }, dedupe: 'h1/9/def' }));
    await journal.append(untyped({ source: 'mqtt:h1', type: 'radio.position', subject: 'radio:2001', payload: { lat: 1, lon: 2 } }));
    await journal.close();
    const side = new Database(path);
    side.exec(
      'CREATE INDEX events_dedupe ON events(dedupe) WHERE dedupe IS NOT NULL; CREATE INDEX events_subject ON events(subject, seq) WHERE subject IS NOT NULL',
    );
    side.close();
    const reopened = new Journal({ path, synchronous: 'full', maxBatch: 500, log: pino({ level: 'silent' }) });
    await reopened.open();
    journals.push(reopened);
    const indexes = (
      reopened.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all() as Array<{ name: string }>
    ).map((r) => r.name);
    expect(indexes).not.toContain('events_dedupe');
    expect(indexes).not.toContain('events_subject');
    expect(await reopened.append(untyped({ source: 'mqtt:h1', type: 'radio.status', payload: { value: 3 }, dedupe: 'h1/9/def' }))).toEqual(a);
    // By subject, with and without the position fixes (which the subject index leaves out).
    expect(reopened.reader.events({ subject: 'radio:2001' }).map((e) => e.type)).toEqual(['radio.status', 'radio.position']);
    expect(reopened.reader.events({ subject: 'radio:2001', types: ['radio.status'] }).map((e) => e.seq)).toEqual([a.seq]);
  });

  describe('events derived from an append', () => {
    /** Derives a `test.derived` (with the cause's note) from every `test.cause`. */
    const deriveNotes: Deriver = (input) =>
      (input.type as string) === 'test.cause'
        ? [{ source: 'gateway', type: 'test.derived', payload: { note: (input.payload as { note: string }).note } } as unknown as DerivedInput]
        : undefined;

    it("commits them in the append's transaction, right after it, with the cause's seq in their payload", async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'tw-journal-')), 'journal.db');
      const commits: JournalEvent[][] = [];
      const journal = new Journal({ path, synchronous: 'full', maxBatch: 500, log: pino({ level: 'silent' }), onCommit: (events) => commits.push(events) });
      await journal.open();
      journals.push(journal);
      await journal.append(untyped({ source: 'test', type: 'test.n', payload: { i: 0 } }));
      journal.derive(deriveNotes);
      journal.derive((input) =>
        (input.type as string) === 'test.cause' ? [{ source: 'gateway', type: 'test.empty', payload: {} } as unknown as DerivedInput] : undefined,
      );
      const cause = await journal.append(untyped({ source: 'mqtt:h1', type: 'test.cause', payload: { note: 'pressed' } }));
      expect(cause.seq).toBe(2);
      expect(commits.at(-1)!.map((e) => [e.seq, e.type, e.payload])).toEqual([
        [2, 'test.cause', { note: 'pressed' }],
        [3, 'test.derived', { note: 'pressed', causeSeq: 2 }],
        [4, 'test.empty', { causeSeq: 2 }],
      ]);
      // What the listeners were handed is what was stored, and the chain (digests included) verifies.
      expect(journal.read(1, 10)).toEqual(commits.at(-1));
      expect(verifyJournal(journal.database)).toMatchObject({ ok: true, count: 4 });
    });

    it('derives nothing again from a resend, and refuses the cause with them when the commit fails', async () => {
      const { journal, path } = await openJournal();
      journal.derive(deriveNotes);
      const first = await journal.append(untyped({ source: 'mqtt:h1', type: 'test.cause', payload: { note: 'a' }, dedupe: 'h1/1/a' }));
      // The resend and a new press in one batch: the resend's derived event is skipped, the new one's is not.
      const [resent, next] = await Promise.all([
        journal.append(untyped({ source: 'mqtt:h1', type: 'test.cause', payload: { note: 'a' }, dedupe: 'h1/1/a' })),
        journal.append(untyped({ source: 'mqtt:h1', type: 'test.cause', payload: { note: 'b' }, dedupe: 'h1/2/b' })),
      ]);
      expect(resent).toEqual(first);
      expect(next.seq).toBe(3);
      expect(journal.read(0, 10).map((e) => [e.type, e.payload])).toEqual([
        ['test.cause', { note: 'a' }],
        ['test.derived', { note: 'a', causeSeq: 1 }],
        ['test.cause', { note: 'b' }],
        ['test.derived', { note: 'b', causeSeq: 3 }],
      ]);

      const side = new Database(path);
      side.exec("CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.type = 'test.derived' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
      await expect(journal.append(untyped({ source: 'mqtt:h1', type: 'test.cause', payload: { note: 'c' } }))).rejects.toThrow(/disk full/);
      side.close();
      expect(journal.head.seq).toBe(4);
    });

    it('costs only the derived events when a deriver throws or fills in causeSeq itself', async () => {
      const { journal } = await openJournal();
      journal.derive(() => {
        throw new Error('bug');
      });
      journal.derive((input) => [{ source: 'gateway', type: 'test.derived', payload: { causeSeq: 99, of: input.type } } as unknown as DerivedInput]);
      const e = await journal.append(untyped({ source: 'test', type: 'test.cause', payload: { note: 'x' } }));
      expect(journal.read(0, 10).map((x) => x.type)).toEqual(['test.cause']);
      expect(e.seq).toBe(1);
    });

    it('adds the seq as the last key, as JSON.stringify would', () => {
      for (const payload of [{}, { a: 1 }, { a: { b: [1, { c: '}' }] }, d: null }]) {
        expect(withCauseSeq(JSON.stringify(payload), 42)).toBe(JSON.stringify({ ...payload, causeSeq: 42 }));
      }
    });
  });

  it('commits everything appended before close, and refuses appends after it', async () => {
    const { journal, path } = await openJournal();
    const appends = Array.from({ length: 1500 }, (_, i) => journal.append(untyped({ source: 'test', type: 'test.n', payload: { i } })));
    const closed = journal.close();
    await expect(journal.append(untyped({ source: 'test', type: 'test.late', payload: {} }))).rejects.toThrow(/closing/);
    await closed;
    expect((await Promise.all(appends)).at(-1)!.seq).toBe(1500);
    const db = new Database(path, { readonly: true });
    expect(verifyJournal(db)).toMatchObject({ ok: true, count: 1500 });
    db.close();
  });

  it('`journal verify` prints ok with the count and head, and exits 0', async () => {
    const { journal, path } = await openJournal();
    for (let i = 0; i < 50; i++) await journal.append(untyped({ source: 'test', type: 'test.n', payload: { i } }));
    const head = journal.head.hash;
    await journal.close();
    const r = await journalCli(path, 'verify');
    expect(r).toEqual({ code: 0, stdout: `ok 50 events, head ${head}\n` });
  });

  it('`journal verify` names the first broken seq when a row is edited behind the gateway', async () => {
    const { journal, path } = await openJournal();
    for (let i = 0; i < 20; i++) await journal.append(untyped({ source: 'test', type: 'radio.status', payload: { value: i } }));
    await journal.close();
    // Someone with file access drops the guard and rewrites history.
    const db = new Database(path);
    db.exec('DROP TRIGGER events_erase_only');
    db.prepare('UPDATE events SET payload = ? WHERE seq = 13').run(JSON.stringify({ value: 999 }));
    db.close();
    const r = await journalCli(path, 'verify');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^broken at seq 13: payload does not match payload_sha256/);
  });

  it('`journal verify` detects a rewritten header with a recomputed digest', async () => {
    const { journal, path } = await openJournal();
    for (let i = 0; i < 5; i++) await journal.append(untyped({ source: 'test', type: 'radio.status', payload: { value: i } }));
    await journal.close();
    const db = new Database(path);
    db.exec('DROP TRIGGER events_erase_only');
    db.prepare("UPDATE events SET actor = 'mallory' WHERE seq = 4").run();
    db.close();
    expect((await journalCli(path, 'verify')).stdout).toMatch(/^broken at seq 4: hash does not match/);
  });

  it('`journal tail` and `journal export` print NDJSON', async () => {
    const { journal, path } = await openJournal();
    const first = await journal.append(untyped({ source: 'test', type: 'test.a', payload: { n: 1 } }));
    await new Promise((r) => setTimeout(r, 5));
    await journal.append(untyped({ source: 'test', type: 'test.b', payload: { n: 2 } }));
    await journal.close();
    const tail = await journalCli(path, 'tail', '-n', '1');
    expect(JSON.parse(tail.stdout.trim())).toMatchObject({ seq: 2, type: 'test.b' });
    const exported = await journalCli(path, 'export', '--from', '0', '--to', String(first.ts));
    expect(
      exported.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
    ).toEqual([1]);
  });
});
