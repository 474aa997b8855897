/**
 * Time travel off the event loop (issue 20): the state of the town at a moment, and hotspots
 * over a period, computed in a worker thread on its own read-only connection to the journal.
 * Started by TimeTravel (time-travel.ts).
 *
 * Periodic checkpoints: a head set of projections follows the journal (catching up at start in
 * slices, so queries are answered meanwhile, then polling for what is new), and every
 * `checkpointEvery` events it keeps a copy. A copy is a prefix of the journal: every event up
 * to its seq applied, and `maxTs` the latest time among them. A query for T starts from the
 * latest copy whose `maxTs` is at or before T, so it replays at most `checkpointEvery` events
 * (plus what the journal gained since the last poll, which a query catches up first).
 *
 * Memory is bounded: at most MAX_PERIODIC copies plus MAX_CURSORS working copies, each one
 * whole state. On the bench's journal (200 radios, two weeks, 100,000 events) a state is about
 * 0.9 MB of heap (960 KB as JSON) and a copy takes ~35 ms, so ~60 MB at most; a state grows
 * with the town (units, incidents, evidence), not with the journal. Past MAX_PERIODIC, every
 * other copy is dropped and the spacing doubles, so a journal of any length keeps at most that.
 *
 * Cursors: a query's own working copy, kept afterwards (at most MAX_CURSORS, least recently
 * used dropped), so a controller scrubbing forward through an evening pays only for what is new.
 *
 * Answers are JSON text already filtered for the asking role (stateJsonFor, the same function
 * the live /api/state path uses): the main thread neither receives nor serialises a whole state.
 */
import { parentPort } from 'node:worker_threads';
import type { Config } from '../../config/schema';
import { JournalReader } from '../journal/reader';
import type { JournalEvent } from '../journal/types';
import { HOTSPOT_TYPES, hotspotItems, hotspots } from '../tracking/hotspots';
import { lowerThisThreadPriority } from '../worker-thread';
import { deepCopy } from './checkpoint';
import { Projections, stateJsonFor } from './index';

export type TimeTravelRequest =
  | { id: number; kind: 'open'; path: string; config: Config; checkpointEvery: number }
  | { id: number; kind: 'stateAt'; untilTs: number; role: string | null }
  | { id: number; kind: 'hotspots'; fromMs: number; toMs: number }
  | { id: number; kind: 'status' }
  | { id: number; kind: 'close' };

/** What `status` answers: how far the head has followed the journal, and the checkpoints it keeps. */
export interface TimeTravelStatus {
  /** This worker's thread id, once its priority is lowered (null where it cannot be). */
  threadId: number | null;
  headSeq: number;
  caughtUp: boolean;
  checkpointEvery: number;
  checkpoints: { seq: number; maxTs: number }[];
}

export type TimeTravelReply = { id: number; ok: true; result: unknown; replayed?: number } | { id: number; ok: false; error: string };

interface Prefix {
  projections: Projections;
  /** Every event with seq ≤ `seq` is applied, and no other. */
  seq: number;
  /** The latest `ts` among them (times come from the writer's clock, which may step back). */
  maxTs: number;
}

interface Cursor extends Prefix {
  lastUsed: number;
}

/** Whole states kept by the head; a bound on memory whatever the journal's length. */
const MAX_PERIODIC = 64;
/** Queries' working copies: a few cover scrubbing back and forth. */
const MAX_CURSORS = 4;
/** Events the head applies per turn while catching up, so queries are answered in between. */
const SLICE = 2_000;
/** How often the head looks for new events once caught up. */
const FOLLOW_MS = 1_000;
/** How much nicer this thread is than the gateway: queries wait for the broker and the writer, never the reverse. */
const NICER_BY = 10;

const port = parentPort;
if (!port) throw new Error('time-travel-worker runs only as a worker thread');
const threadId = lowerThisThreadPriority(NICER_BY);

let db: JournalReader | null = null;
let config: Config | null = null;
let every = 50_000;
let head: Prefix | null = null;
let sinceCheckpoint = 0;
let caughtUp = false;
let follower: NodeJS.Timeout | null = null;
const periodic: Prefix[] = [];
/**
 * Events the head met whose time is earlier than an event before them (the writer's clock
 * stepped back), in seq order: the only events that can lie at or before T after the first
 * event past T, so a query checks this list instead of searching the journal's time index.
 */
const steppedBack: { seq: number; ts: number }[] = [];
const cursors: Cursor[] = [];
let clock = 0;

function copyOf(p: Prefix): Projections {
  return deepCopy(p.projections, new Set<object>([config!]));
}

function applyToHead(e: JournalEvent): void {
  const h = head!;
  h.projections.apply(e);
  h.seq = e.seq;
  if (e.ts < h.maxTs) steppedBack.push({ seq: e.seq, ts: e.ts });
  h.maxTs = Math.max(h.maxTs, e.ts);
  if (++sinceCheckpoint < every) return;
  sinceCheckpoint = 0;
  periodic.push({ projections: copyOf(h), seq: h.seq, maxTs: h.maxTs });
  if (periodic.length > MAX_PERIODIC) {
    // Keep every other one, ending with the newest: the spacing doubles, the count halves.
    const kept = periodic.filter((_, i) => (periodic.length - 1 - i) % 2 === 0);
    periodic.splice(0, periodic.length, ...kept);
    every *= 2;
  }
}

/** Applies up to `limit` new events to the head; whether it reached the journal's end. */
function follow(limit: number): boolean {
  if (!db || !head) return true;
  const batch = db.events({ afterSeq: head.seq, limit });
  for (const e of batch) applyToHead(e);
  return batch.length < limit;
}

function catchUp(): void {
  if (!db) return;
  if (!follow(SLICE)) {
    setImmediate(catchUp);
    return;
  }
  caughtUp = true;
  follower ??= setInterval(() => {
    while (!follow(SLICE));
  }, FOLLOW_MS);
}

/** The latest prefix that holds nothing after T, as a cursor of its own to replay forward. */
function startFor(untilTs: number): Cursor {
  const byCursor = cursors.filter((c) => c.maxTs <= untilTs).reduce<Cursor | null>((a, b) => (a && a.seq >= b.seq ? a : b), null);
  const byPeriodic = periodic.filter((c) => c.maxTs <= untilTs).reduce<Prefix | null>((a, b) => (a && a.seq >= b.seq ? a : b), null);
  if (byCursor && (!byPeriodic || byCursor.seq >= byPeriodic.seq)) return byCursor;
  if (cursors.length >= MAX_CURSORS) cursors.splice(cursors.indexOf(cursors.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b))), 1);
  const cursor: Cursor = byPeriodic
    ? { projections: copyOf(byPeriodic), seq: byPeriodic.seq, maxTs: byPeriodic.maxTs, lastUsed: 0 }
    : { projections: new Projections(config!), seq: 0, maxTs: Number.NEGATIVE_INFINITY, lastUsed: 0 };
  cursors.push(cursor);
  return cursor;
}

function stateAt(untilTs: number, role: string | null): { json: string; replayed: number } {
  if (!db || !config) throw new Error('time travel is not open');
  // Once caught up, the head is at most a poll behind: bring it level, so the newest
  // checkpoint is as near T as the spacing allows.
  if (caughtUp) while (!follow(SLICE));
  const cp = startFor(untilTs);
  cp.lastUsed = ++clock;
  // Events after the prefix, in seq order, as far as the first one after T: the new prefix.
  let replayed = 0;
  for (const e of db.iterate({ afterSeq: cp.seq })) {
    if (e.ts > untilTs) break;
    cp.projections.apply(e);
    cp.seq = e.seq;
    cp.maxTs = Math.max(cp.maxTs, e.ts);
    replayed++;
  }
  // If the writer's clock ever stepped back, an event after the first one past T may still be
  // at or before T. Then the exact answer is a replay from the start.
  if (!laterAtOrBefore(cp.seq, untilTs)) return { json: stateJsonFor(cp.projections.snapshot(), role), replayed };
  const full = new Projections(config);
  for (const e of db.iterate({ toTs: untilTs })) full.apply(e);
  return { json: stateJsonFor(full.snapshot(), role), replayed };
}

/**
 * Whether an event after `seq` has a time at or before T. Any such event comes after one later
 * than T, so its clock stepped back: the head, which has seen every event up to its own seq,
 * lists those. Only events it has not reached yet (while it catches up at start) need the
 * journal's time index, whose search reads every entry up to T.
 */
function laterAtOrBefore(seq: number, untilTs: number): boolean {
  if (!caughtUp || !head || head.seq < seq) return db!.exists({ afterSeq: seq, toTs: untilTs });
  return steppedBack.some((s) => s.seq > seq && s.ts <= untilTs) || db!.existsInTail(head.seq, untilTs);
}

function close(): void {
  if (follower) clearInterval(follower);
  follower = null;
  db?.close();
  db = null;
  head = null;
  caughtUp = false;
  periodic.length = 0;
  steppedBack.length = 0;
  cursors.length = 0;
}

port.on('message', (req: TimeTravelRequest) => {
  let reply: TimeTravelReply;
  try {
    switch (req.kind) {
      case 'open':
        close();
        db = JournalReader.open(req.path);
        config = req.config;
        every = req.checkpointEvery;
        sinceCheckpoint = 0;
        steppedBack.length = 0;
        head = { projections: new Projections(config), seq: 0, maxTs: Number.NEGATIVE_INFINITY };
        setImmediate(catchUp);
        reply = { id: req.id, ok: true, result: null };
        break;
      case 'stateAt': {
        const { json, replayed } = stateAt(req.untilTs, req.role);
        reply = { id: req.id, ok: true, result: json, replayed };
        break;
      }
      case 'hotspots': {
        if (!db || !config) throw new Error('time travel is not open');
        // Facts are journaled after they happen: anything that happened from `from` on was journaled after it.
        const items = hotspotItems(db.iterate({ types: HOTSPOT_TYPES, fromTs: req.fromMs }));
        reply = { id: req.id, ok: true, result: hotspots(items, req.fromMs, req.toMs, config.site.timezone) };
        break;
      }
      case 'status': {
        const status: TimeTravelStatus = {
          threadId,
          headSeq: head?.seq ?? 0,
          caughtUp,
          checkpointEvery: every,
          checkpoints: periodic.map((p) => ({ seq: p.seq, maxTs: p.maxTs })),
        };
        reply = { id: req.id, ok: true, result: status };
        break;
      }
      case 'close':
        close();
        reply = { id: req.id, ok: true, result: null };
        break;
    }
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
