/**
 * The benchmarks' big journal (big-journal.ts) is a journal the gateway could have written:
 * its chain verifies, every payload is what the contract says its type carries, its times span
 * the period asked for, the journal's own writer carries on from its head, and the projections
 * replayed from it hold a town's state. Real SQLite files, the real writer thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadConfig } from '../../config/load';
import { EVENTS } from '../../gateway/contract/events';
import { Journal } from '../../gateway/journal/journal';
import { rowToEvent, type EventRow } from '../../gateway/journal/rows';
import { verifyJournal } from '../../gateway/journal/verify';
import { Projections } from '../../gateway/projections';
import { writeBigJournal } from './big-journal';

const dir = mkdtempSync(join(tmpdir(), 'tw-big-journal-'));
const path = join(dir, 'journal.db');
const config = loadConfig(defaultConfigPath);
const N = 20_000;
const endMs = Date.parse('2026-11-30T22:00:00Z');
const spanMs = 3 * 24 * 3600_000;
const built = writeBigJournal({ path, config, events: N, endMs, spanMs });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the benchmarks’ big journal', () => {
  it('verifies as a hash chain of exactly the events asked for, over the period asked for', () => {
    const db = new Database(path, { readonly: true });
    try {
      expect(verifyJournal(db)).toEqual({ ok: true, count: N, head: built.head });
      const ts = db.prepare('SELECT ts FROM events ORDER BY seq').pluck().all() as number[];
      expect(ts[0]).toBe(endMs - spanMs);
      expect(ts.at(-1)).toBe(endMs);
      expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('holds only payloads the contract accepts for their type, with positions as the bulk and the rest of a town’s life alongside', () => {
    const db = new Database(path, { readonly: true });
    const bad: string[] = [];
    try {
      for (const row of db.prepare('SELECT seq, type, payload FROM events').iterate() as IterableIterator<Pick<EventRow, 'seq' | 'type' | 'payload'>>) {
        const spec = EVENTS[row.type as keyof typeof EVENTS];
        const parsed = spec?.payload.safeParse(JSON.parse(row.payload!));
        if (!parsed?.success) bad.push(`${row.seq} ${row.type}`);
      }
    } finally {
      db.close();
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(built.byType['radio.position']! / N).toBeGreaterThan(0.8);
    for (const type of ['radio.status', 'radio.text', 'shop.report', 'track.sighting', 'incident.reported', 'incident.closed', 'subject.created']) {
      expect(built.byType[type], type).toBeGreaterThan(0);
    }
  });

  it('is carried on by the journal’s own writer, and the chain still verifies', async () => {
    const journal = new Journal({ path, synchronous: 'normal', maxBatch: 100, log: pino({ level: 'silent' }) });
    await journal.open();
    try {
      expect(journal.head).toEqual({ seq: N, hash: built.head });
      const e = await journal.append({ source: 'gateway', type: 'auth.login', actor: 'controller', payload: { ip: '127.0.0.1' } });
      expect(e.seq).toBe(N + 1);
      expect(e.prevHash).toBe(built.head);
      expect(verifyJournal(journal.database)).toMatchObject({ ok: true, count: N + 1 });
    } finally {
      await journal.close();
    }
  });

  it('replays into a town’s state: units placed, subjects known, incidents opened and closed', () => {
    const db = new Database(path, { readonly: true });
    try {
      const projections = new Projections(config);
      const rows = db.prepare('SELECT * FROM events WHERE seq <= ? ORDER BY seq').iterate(N) as IterableIterator<EventRow>;
      for (const row of rows) projections.apply(rowToEvent(row));
      const state = projections.snapshot();
      expect(state.seq).toBe(N);
      expect(state.units.filter((u) => u.fix !== null).length).toBe(config.units.length);
      expect(state.subjects.length).toBe(40);
      expect(state.incidents.some((i) => i.state === 'closed')).toBe(true);
    } finally {
      db.close();
    }
  });
});
