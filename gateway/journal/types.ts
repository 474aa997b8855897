import type { EventPayload, EventType } from '../contract/events';

/** What a producer hands to the journal, apart from the event itself (`type` and `payload`). */
export interface AppendHeader {
  /** Where the event came from: `mqtt:<clientId>`, `http`, `pei:<port>`, `gateway`… */
  source: string;
  /** The person who acted, for human actions (username); null for machines. */
  actor?: string | null;
  /** The main thing the event is about (`unit:u-01`, `camera:cam-03`), indexed. */
  subject?: string | null;
  /** A correlating id (incident, emergency, alert, track), indexed. */
  ref?: string | null;
  /**
   * Identifies a message a device may send twice (an MQTT QoS 1 publish resent after a
   * reconnect); an event with a dedupe key seen recently is not appended again.
   */
  dedupe?: string | null;
  /**
   * Commit ahead of the queue (lanes.ts): set by a caller that knows an event is an emergency
   * when its type alone does not say so. Not stored.
   */
  urgent?: boolean;
  /**
   * Under overload (more appends queued than the journal's `coalesceAbove`), a queued append
   * with the same key and not yet sent is replaced by this one: latest wins, and both resolve
   * with the event committed. Position fixes carry `position:<subject>`. Not stored.
   */
  coalesce?: string;
}

/**
 * What a producer hands to the journal: one of the catalogue's event types
 * (gateway/contract/events.ts) with that type's payload, so `journal.append({ type, payload })`
 * is checked by the compiler. A union over the types: `AppendInput<'cbo.issued' | 'cbo.revoked'>`
 * for a writer of several.
 */
export type AppendInput<K extends EventType = EventType> = { [T in K]: AppendHeader & { type: T; payload: EventPayload<T> } }[K];

/** The catalogue's types whose payload names the event that caused it by seq (`causeSeq`). */
export type CausedType = { [T in EventType]: EventPayload<T> extends { causeSeq: number } ? T : never }[EventType];

/**
 * An event derived from an append as it is queued (Journal.derive): committed in the same
 * transaction, right after the append it derives from, so both are durable and broadcast
 * together. The writer, which assigns seqs, fills in the payload's `causeSeq`. Nothing of it is
 * committed if its cause is a resend the journal already holds: that one's own derived events
 * were committed with it.
 */
export type DerivedInput<K extends CausedType = CausedType> = {
  [T in K]: Omit<AppendHeader, 'dedupe' | 'urgent' | 'coalesce'> & { type: T; payload: Omit<EventPayload<T>, 'causeSeq'> };
}[K];

/**
 * An append the journal stores without knowing its type: what its internals (the queue, the
 * writer thread) handle, and what a test journaling a type the catalogue lacks builds. Code in
 * the gateway appends `AppendInput`.
 */
export type UntypedAppendInput = AppendHeader & { type: string; payload: unknown };

/** `Omit` applied to each member of a union (TypeScript's own `Omit` merges the members first). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type { JournalEvent } from '../contract/events';

export const GENESIS_HASH = '0'.repeat(64);
