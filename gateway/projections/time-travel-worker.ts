/**
 * Time travel off the event loop (issue 20): the state of the town at a moment, computed in a
 * worker thread on its own read-only connection to the journal. Started by TimeTravel.
 *
 * It keeps a few checkpoints: projections replayed up to some moment, each one a prefix of the
 * journal (every event up to its seq applied, each with `ts` at or before its moment). A query
 * for T starts from the latest checkpoint at or before T and replays only the events after it;
 * successive queries (a controller scrubbing forward through an evening) cost what is new.
 */
import { parentPort } from 'node:worker_threads';
import type { Config } from '../../config/schema';
import { JournalReader } from '../journal/reader';
import { Projections, type StateSnapshot } from './index';

export type TimeTravelRequest =
  { id: number; kind: 'open'; path: string; config: Config } | { id: number; kind: 'stateAt'; untilTs: number } | { id: number; kind: 'close' };

export type TimeTravelReply = { id: number; ok: true; result: StateSnapshot | null; replayed?: number } | { id: number; ok: false; error: string };

interface Checkpoint {
  projections: Projections;
  /** Every event with seq ≤ `seq` is applied, and no other. */
  seq: number;
  /** The moment it stands at: all its events have `ts` ≤ this. */
  untilTs: number;
  lastUsed: number;
}

/** Each checkpoint is a whole state; a few cover scrubbing back and forth. */
const MAX_CHECKPOINTS = 4;

const port = parentPort;
if (!port) throw new Error('time-travel-worker runs only as a worker thread');

let db: JournalReader | null = null;
let config: Config | null = null;
const checkpoints: Checkpoint[] = [];
let clock = 0;

function stateAt(untilTs: number): { state: StateSnapshot; replayed: number } {
  if (!db || !config) throw new Error('time travel is not open');
  const usable = checkpoints.filter((c) => c.untilTs <= untilTs).sort((a, b) => b.untilTs - a.untilTs)[0];
  let cp = usable;
  if (!cp) {
    if (checkpoints.length >= MAX_CHECKPOINTS) checkpoints.splice(checkpoints.indexOf(checkpoints.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b))), 1);
    cp = { projections: new Projections(config), seq: 0, untilTs: Number.NEGATIVE_INFINITY, lastUsed: 0 };
    checkpoints.push(cp);
  }
  cp.lastUsed = ++clock;
  // Events after the checkpoint, in seq order, as far as the first one after T: the new prefix.
  let replayed = 0;
  let seq = cp.seq;
  for (const e of db.iterate({ afterSeq: cp.seq })) {
    if (e.ts > untilTs) break;
    cp.projections.apply(e);
    seq = e.seq;
    replayed++;
  }
  cp.seq = seq;
  cp.untilTs = untilTs;
  // Times come from the writer's clock; if it ever stepped back, an event after the first one
  // past T may still be at or before T. Then the exact answer is a replay from the start.
  if (!db.exists({ afterSeq: seq, toTs: untilTs })) return { state: cp.projections.snapshot(), replayed };
  const full = new Projections(config);
  for (const e of db.iterate({ toTs: untilTs })) full.apply(e);
  return { state: full.snapshot(), replayed };
}

port.on('message', (req: TimeTravelRequest) => {
  let reply: TimeTravelReply;
  try {
    switch (req.kind) {
      case 'open':
        db = JournalReader.open(req.path);
        config = req.config;
        reply = { id: req.id, ok: true, result: null };
        break;
      case 'stateAt': {
        const { state, replayed } = stateAt(req.untilTs);
        reply = { id: req.id, ok: true, result: state, replayed };
        break;
      }
      case 'close':
        db?.close();
        db = null;
        checkpoints.length = 0;
        reply = { id: req.id, ok: true, result: null };
        break;
    }
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
