import { z } from 'zod';
import type { Principal } from '../auth/accounts';
import { CBO_EVENTS } from '../contract/cbo-lifecycle';
import { EVENTS } from '../contract/events';
import { toConsoleEvent, type ConsoleEvent } from '../contract/socket';
import { Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import { redactGallery } from '../projections';
import { parseInput, requirePermission } from './guard';

/** The longest stretch one request may ask for: a player asks again for the next. */
export const REPLAY_MAX_SPAN_MS = 2 * 3_600_000;
/** The most events one answer carries; a busier stretch is cut short at a whole millisecond. */
export const REPLAY_MAX_EVENTS = 5_000;

/**
 * What changes the map: positions, emergencies, incidents, orders, tracks and breaches. The
 * console applies them to the state at the stretch's start with the same code that applies the
 * live stream, so replay and live cannot draw differently.
 */
export const REPLAY_TYPES: readonly string[] = Object.keys(EVENTS).filter(
  (t) =>
    t === 'radio.position' ||
    t.startsWith('emergency.') ||
    t.startsWith('incident.') ||
    t.startsWith('track.') ||
    t.startsWith('breach.') ||
    (CBO_EVENTS as readonly string[]).includes(t),
);

export const ReplayQuery = z.strictObject({
  /** Events after this time (exclusive): the moment the console already has the state for. */
  from: z.iso.datetime({ offset: true }),
  /** Up to this time (inclusive). */
  to: z.iso.datetime({ offset: true }),
  /** `1`: a busy stretch keeps its newest events (a trail up to a moment), not its oldest (playing on). */
  newest: z.literal('1').optional(),
});

export interface ReplayPage {
  /** Events after here were sent: `from`, or later when `newest` cut a busy stretch short. */
  from: string;
  /** Events up to here were sent: `to`, or earlier when the stretch held more than one answer carries. */
  until: string;
  complete: boolean;
  /** When the journal starts: nothing can be replayed before it. */
  earliest: string | null;
  events: ConsoleEvent[];
}

/**
 * The events that change the map between two past moments, as the live stream would have sent
 * them to this role (callers left out, gallery payloads redacted, evidence never: it is not
 * drawn). Replay is personal data (where each officer was), so it needs `replay.view`, and each
 * stretch read is journaled with who read it.
 */
export async function replayEvents(journal: Journal, actor: Principal, query: unknown): Promise<ReplayPage> {
  const user = requirePermission(actor, 'replay.view');
  const q = parseInput(ReplayQuery, query ?? {});
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (!(to > from)) throw Errors.invalid(['to: must be after from']);
  if (to - from > REPLAY_MAX_SPAN_MS) throw Errors.invalid([`to: at most ${REPLAY_MAX_SPAN_MS / 60_000} minutes after from`]);
  if (to > Date.now() + 60_000) throw Errors.invalid(['to: must not be in the future']);
  // ts > from: the state at `from` already holds the events of that millisecond.
  const newest = q.newest === '1';
  let rows = journal.reader.events({ types: [...REPLAY_TYPES], fromTs: from + 1, toTs: to, limit: REPLAY_MAX_EVENTS + 1, newestFirst: newest });
  let [start, until] = [from, to];
  const complete = rows.length <= REPLAY_MAX_EVENTS;
  if (!complete) {
    // Cut at a whole millisecond, so the stretch next to it misses nothing and repeats nothing.
    const edge = rows[REPLAY_MAX_EVENTS - 1]!.ts;
    const kept = rows.filter((e) => (newest ? e.ts > edge : e.ts < edge));
    rows = kept.length ? kept : rows.filter((e) => e.ts === edge);
    if (newest) start = kept.length ? edge : edge - 1;
    else until = kept.length ? edge - 1 : edge;
  }
  if (newest) rows.reverse();
  const first = journal.reader.events({ limit: 1 })[0];
  await journal.append({
    source: 'api',
    type: 'state.replay',
    actor: user,
    payload: { from: new Date(start).toISOString(), to: new Date(until).toISOString(), events: rows.length },
  });
  return {
    from: new Date(start).toISOString(),
    until: new Date(until).toISOString(),
    complete,
    earliest: first ? new Date(first.ts).toISOString() : null,
    events: rows.map((e) => redactGallery(toConsoleEvent(e))),
  };
}
