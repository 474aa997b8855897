/**
 * `npm run bench -- journal`: the journal's append rate next to raw better-sqlite3 batched
 * inserts of the same rows, and whether group commit stalls the event loop at 5,000 events/s.
 * Measured side by side in one run; results go to test/bench/results/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pino from 'pino';
import { Journal } from '../../gateway/journal/journal';
import { SCHEMA_SQL } from '../../gateway/journal/schema';
import { goalsTable } from './goals';

const quick = process.argv.includes('--quick');
const TOTAL = quick ? 40_000 : 200_000;
const BATCH = 500;
const PACED_RATE = 5000;
const PACED_SECONDS = quick ? 3 : 8;

const payload = (i: number) => ({
  issi: 2001 + (i % 500),
  lat: 52.955 + i * 1e-7,
  lon: -1.15,
  accuracyM: 5,
  speedKmh: 4.9,
  headingDeg: 90,
  fixTime: new Date().toISOString(),
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tw-bench-'));
}

/**
 * better-sqlite3 inserting the journal's rows in transactions of BATCH, without hashing or
 * chaining: a statement per row (the goal's baseline), or `rowsPerStatement` rows to each
 * statement, as the journal's writer has inserted since 2026-12-08 (shown beside, for the
 * reader to judge how much of the ratio that choice makes).
 */
function rawInserts(rowsPerStatement = 1): number {
  const dir = tmp();
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA_SQL);
  const into = 'INSERT INTO events (seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash) VALUES';
  const values = '(?,?,?,?,?,?,?,?,?,?,?,?,?)';
  const one = db.prepare(`${into} ${values}`);
  const many = db.prepare(`${into} ${Array<string>(rowsPerStatement).fill(values).join(',')}`);
  // Same row shape and sizes as the journal's.
  const row = (i: number): unknown[] => [
    i + 1,
    `01J${String(i).padStart(23, '0')}`,
    Date.now(),
    'mqtt:bench',
    'radio.position',
    null,
    'radio:2001',
    null,
    null,
    JSON.stringify(payload(i)),
    'x'.repeat(64),
    'y'.repeat(64),
    'z'.repeat(64),
  ];
  const insert = db.transaction((from: number, to: number) => {
    let i = from;
    if (rowsPerStatement > 1) {
      for (; i + rowsPerStatement <= to; i += rowsPerStatement) {
        const params: unknown[] = [];
        for (let k = i; k < i + rowsPerStatement; k++) params.push(...row(k));
        many.run(params);
      }
    }
    for (; i < to; i++) one.run(row(i));
  });
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i += BATCH) insert(i, Math.min(TOTAL, i + BATCH));
  const rate = TOTAL / ((performance.now() - t0) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function journalAppends(): Promise<number> {
  const dir = tmp();
  const journal = new Journal({ path: join(dir, 'j.db'), synchronous: 'full', maxBatch: 2000, log: pino({ level: 'silent' }) });
  await journal.open();
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i += BATCH) {
    const chunk: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(TOTAL, i + BATCH); k++)
      chunk.push(journal.append({ source: 'mqtt:bench', type: 'radio.position', subject: 'radio:2001', payload: payload(k) }));
    await Promise.all(chunk);
  }
  const rate = TOTAL / ((performance.now() - t0) / 1000);
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/**
 * The same appends from producers that do not wait for each other (the gateway's shape: many
 * clients, each waiting only for its own PUBACK): a batch is prepared here while the writer
 * commits the one before.
 */
async function journalAppendsUnwaited(): Promise<number> {
  const dir = tmp();
  const journal = new Journal({ path: join(dir, 'u.db'), synchronous: 'full', maxBatch: 2000, log: pino({ level: 'silent' }) });
  await journal.open();
  const all: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i += BATCH) {
    for (let k = i; k < Math.min(TOTAL, i + BATCH); k++)
      all.push(journal.append({ source: 'mqtt:bench', type: 'radio.position', subject: 'radio:2001', payload: payload(k) }));
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(all);
  const rate = TOTAL / ((performance.now() - t0) / 1000);
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

interface Paced {
  loopP99Ms: number;
  loopMaxMs: number;
  commitP50Ms: number;
  commitP99Ms: number;
  commitMaxMs: number;
  appendP99Ms: number;
  meanBatch: number;
}

/** Appends at a steady 5,000/s (50 every 10 ms) and watches the event loop. */
async function paced(withJournal: boolean): Promise<Paced> {
  const dir = tmp();
  const commits: number[] = [];
  const batches: number[] = [];
  const journal = new Journal({
    path: join(dir, 'p.db'),
    synchronous: 'full',
    maxBatch: 2000,
    log: pino({ level: 'silent' }),
    onBatch: (size, seconds) => {
      batches.push(size);
      commits.push(seconds * 1000);
    },
  });
  await journal.open();
  const latencies: number[] = [];
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let n = 0;
  const perTick = PACED_RATE / 100;
  await new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      for (let k = 0; k < perTick; k++, n++) {
        if (!withJournal) continue;
        const t = performance.now();
        void journal
          .append({ source: 'mqtt:bench', type: 'radio.position', subject: 'radio:2001', payload: payload(n) })
          .then(() => latencies.push(performance.now() - t));
      }
      if (n >= PACED_RATE * PACED_SECONDS) {
        clearInterval(iv);
        setTimeout(resolve, 50);
      }
    }, 10);
  });
  h.disable();
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : 0);
  return {
    loopP99Ms: h.percentile(99) / 1e6,
    loopMaxMs: h.max / 1e6,
    commitP50Ms: pct(commits, 0.5),
    commitP99Ms: pct(commits, 0.99),
    commitMaxMs: pct(commits, 1),
    appendP99Ms: pct(latencies, 0.99),
    meanBatch: batches.length ? batches.reduce((a, b) => a + b, 0) / batches.length : 0,
  };
}

const fmt = (v: number, d = 1) => v.toFixed(d);

async function main(): Promise<void> {
  const loadavgAtStart = loadavg(); // the machine is shared: say how busy it was
  const raw = rawInserts();
  const rawMulti = rawInserts(8);
  const journal = await journalAppends();
  const unwaited = await journalAppendsUnwaited();
  const idle = await paced(false);
  const loaded = await paced(true);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadavgAtStart },
    events: TOTAL,
    appendRate: {
      rawSqlite: Math.round(raw),
      rawSqliteEightRowsPerStatement: Math.round(rawMulti),
      journal: Math.round(journal),
      ratio: +(journal / raw).toFixed(2),
      journalUnwaited: Math.round(unwaited),
      unwaitedRatio: +(unwaited / raw).toFixed(2),
      ratioToEightRowsPerStatement: +(journal / rawMulti).toFixed(2),
    },
    paced5000: { baseline: idle, journal: loaded },
  };
  console.log('\nJournal append (same rows, WAL, synchronous=FULL, batches of 500)');
  console.log(`  raw better-sqlite3 inserts   ${fmt(raw, 0)} events/s`);
  console.log(`  raw, 8 rows per statement    ${fmt(rawMulti, 0)} events/s   (journal ${result.appendRate.ratioToEightRowsPerStatement}× this)`);
  console.log(`  Townwatch journal (hash+chain) ${fmt(journal, 0)} events/s   ratio ${result.appendRate.ratio} (goal ≥ 0.8)`);
  console.log(`  journal, producers not waiting ${fmt(unwaited, 0)} events/s   ratio ${result.appendRate.unwaitedRatio}`);
  console.log(`\nSteady ${PACED_RATE} events/s for ${PACED_SECONDS} s                 no journal   journal`);
  console.log(`  event-loop delay p99 / max (ms)   ${fmt(idle.loopP99Ms)} / ${fmt(idle.loopMaxMs)}      ${fmt(loaded.loopP99Ms)} / ${fmt(loaded.loopMaxMs)}`);
  console.log(`  commit p50 / p99 / max (ms)                    ${fmt(loaded.commitP50Ms, 2)} / ${fmt(loaded.commitP99Ms, 2)} / ${fmt(loaded.commitMaxMs, 2)}`);
  console.log(`  append→durable p99 (ms)                        ${fmt(loaded.appendP99Ms, 2)}   mean batch ${fmt(loaded.meanBatch)}`);
  const file = join(import.meta.dirname, 'results', `${result.date.slice(0, 10)}-journal${quick ? '-quick' : ''}.json`);
  const goal = goalsTable('journal (goal 6)', [
    {
      goal: '6. journal append ≥ 0.8× raw better-sqlite3 batched inserts of the same rows',
      measured: `${fmt(journal, 0)} vs ${fmt(raw, 0)} events/s = ${result.appendRate.ratio}×`,
      met: result.appendRate.ratio >= 0.8,
    },
  ]);
  goal.notes = [
    `Raw inserts are a statement per row, in transactions of ${BATCH}. The journal's writer puts 8 rows in a statement; raw inserts doing the same reach ${fmt(rawMulti, 0)} events/s (journal ${result.appendRate.ratioToEightRowsPerStatement}× that).`,
  ];
  const tables = [goal];
  writeFileSync(file, `${JSON.stringify({ ...result, tables }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}

await main();
