import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, sha256Hex } from '../../gateway/journal/hash';
import { JournalReader } from '../../gateway/journal/reader';
import { SCHEMA_SQL } from '../../gateway/journal/schema';
import { GENESIS_HASH } from '../../gateway/journal/types';
import { Projections, snapshotFor, type StateSnapshot } from '../../gateway/projections';
import { TimeTravel } from '../../gateway/projections/time-travel';
import { eventually, testConfig } from '../helpers/gateway';

/**
 * Time travel when the writer's clock stepped back (an NTP correction, say): an event after the
 * first one past T can still be at or before T, and the state at T must include it. The worker
 * finds those events from the list its head keeps, not by searching the journal's time index
 * for every query; this journal is written by hand so that its times really do step back.
 */
const EVERY = 10;
const t0 = Date.parse('2026-12-07T09:00:00Z');
/** Seconds after t0 for each event, in seq order: steps back by 20 s at the 25th and the 41st. */
const offsets = [
  ...Array.from({ length: 24 }, (_, i) => i * 2), // 0 … 46 s
  ...Array.from({ length: 8 }, (_, i) => 27 + i), // 27 … 34 s: the clock stepped back
  ...Array.from({ length: 8 }, (_, i) => 50 + i * 2), // 50 … 64 s
  ...Array.from({ length: 4 }, (_, i) => 41 + i), // 41 … 44 s: and back again
  ...Array.from({ length: 16 }, (_, i) => 70 + i * 2),
];

const { config, dir } = testConfig();
const path = join(dir, 'stepped.db');
let tt: TimeTravel;

function writeJournal(): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_SQL);
  const insert = db.prepare(
    `INSERT INTO events (seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let prevHash = GENESIS_HASH;
  offsets.forEach((s, i) => {
    const seq = i + 1;
    const ts = t0 + s * 1000;
    const id = `01JTT${String(seq).padStart(21, '0')}`;
    // Radio 2001 moves north one step per event: where it is tells which events were applied.
    const payload = JSON.stringify({ lat: 52.95 + seq * 0.0001, lon: -1.15, accuracyM: 5, fixTime: new Date(ts).toISOString(), issi: 2001 });
    const payloadSha256 = sha256Hex(payload);
    const h = { seq, id, ts, source: 'broker', type: 'radio.position', actor: null, subject: 'radio:2001', ref: null, dedupe: null, payloadSha256, prevHash };
    const hash = chainHash(h);
    insert.run(seq, id, ts, h.source, h.type, null, h.subject, null, null, payload, payloadSha256, prevHash, hash);
    prevHash = hash;
  });
  db.close();
}

beforeAll(() => {
  writeJournal();
  tt = new TimeTravel({ path, config, log: pino({ level: 'silent' }), checkpointEvery: EVERY });
});
afterAll(async () => {
  await tt.stop();
});

/** The state at T by definition: every event at or before T, in seq order, from an empty town. */
function fullReplay(at: number): StateSnapshot {
  const reader = JournalReader.open(path);
  try {
    return snapshotFor(new Projections(config).replay(reader.iterate({ toTs: at })).snapshot(), 'controller');
  } finally {
    reader.close();
  }
}

describe('time travel across a clock that stepped back', () => {
  it('includes the events after a later one that are at or before T, at every moment', async () => {
    await eventually(async () => (await tt.status()).caughtUp, 10_000, 'the worker following the journal');
    const ats = [...new Set(offsets)].flatMap((s) => [t0 + s * 1000, t0 + s * 1000 - 1]);
    let includedLater = 0;
    for (const at of ats) {
      const got = JSON.parse(await tt.stateJsonAt(at, 'controller')) as StateSnapshot;
      const expected = fullReplay(at);
      expect(got, `state at +${(at - t0) / 1000} s`).toEqual(expected);
      const firstPast = offsets.findIndex((s) => t0 + s * 1000 > at);
      if (firstPast >= 0 && expected.seq > firstPast + 1) includedLater++;
    }
    // The journal does exercise the case: at some moments the answer holds events after the first one past T.
    expect(includedLater).toBeGreaterThan(5);
  });

  it('runs at a lower CPU priority than the gateway’s other threads', async () => {
    const { threadId } = await tt.status();
    expect(threadId).not.toBeNull(); // the gateway runs on Linux
    // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value; the comm field before it has no spaces here.
    const fields = readFileSync(`/proc/self/task/${threadId}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
    expect(Number(fields[16])).toBe(Math.min(19, Number(own[16]) + 10));
  });
});
