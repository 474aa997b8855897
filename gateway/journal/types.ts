/** What a producer hands to the journal. */
export interface AppendInput {
  /** Where the event came from: `mqtt:<clientId>`, `http`, `pei:<port>`, `gateway`… */
  source: string;
  /** Dotted event type, e.g. `radio.position`, `security.publish-denied`. */
  type: string;
  /** The person who acted, for human actions (username); null for machines. */
  actor?: string | null;
  /** The main thing the event is about (`unit:u-01`, `camera:cam-03`), indexed. */
  subject?: string | null;
  /** A correlating id (incident, emergency, alert, track), indexed. */
  ref?: string | null;
  payload: unknown;
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

export type { JournalEvent } from '../contract/events';

export const GENESIS_HASH = '0'.repeat(64);
