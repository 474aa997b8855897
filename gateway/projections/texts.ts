import type { Config } from '../../config/schema';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** A text a unit's radio sent (MQTT handset or TETRA SDS), as its conversation shows it. */
export interface IncomingText {
  seq: number;
  unitId: string;
  issi: number;
  text: string;
  at: number;
}

/** Per unit: its incoming texts (newest last) and how far a person has read them. */
export interface TextsState {
  incoming: IncomingText[];
  /** Seq of the last incoming text someone marked read, with who and when. */
  read: { seq: number; by: string | null; at: number } | null;
}

/** Texts kept per unit: a conversation on screen, not an archive (the journal keeps them all). */
const KEEP = 200;

/**
 * Incoming radio texts by unit, and the read mark of each conversation. The control room's own
 * texts are alerts of kind `text` (projections/alerts.ts), where their delivery and read receipts
 * are already tracked; a conversation is the two joined (api/messages-api.ts).
 */
export class TextsProjection implements Projection<Record<string, TextsState>> {
  readonly name = 'texts';
  private readonly byUnit = new Map<string, TextsState>();
  private readonly unitOf: ReadonlyMap<number, string>;

  constructor(config: Config) {
    this.unitOf = new Map(config.units.map((u) => [u.issi, u.id]));
  }

  apply(e: JournalEvent): void {
    if (e.payload === null) return;
    if (e.type === 'radio.text') {
      const p = e.payload;
      // A radio not in the config has no conversation to join: its text stays in the journal and log.
      const unitId = this.unitOf.get(p.issi);
      if (!unitId) return;
      const s = this.state(unitId);
      s.incoming.push({ seq: e.seq, unitId, issi: p.issi, text: p.text, at: e.ts });
      if (s.incoming.length > KEEP) s.incoming.splice(0, s.incoming.length - KEEP);
    } else if (e.type === 'message.read') {
      const s = this.state(e.payload.unitId);
      if (!s.read || e.payload.seq > s.read.seq) s.read = { seq: e.payload.seq, by: e.actor, at: e.ts };
    }
  }

  get(unitId: string): TextsState {
    const s = this.byUnit.get(unitId);
    return s ? { incoming: [...s.incoming], read: s.read ? { ...s.read } : null } : { incoming: [], read: null };
  }

  private state(unitId: string): TextsState {
    let s = this.byUnit.get(unitId);
    if (!s) this.byUnit.set(unitId, (s = { incoming: [], read: null }));
    return s;
  }

  snapshot(): Record<string, TextsState> {
    return Object.fromEntries([...this.byUnit.keys()].map((id) => [id, this.get(id)]));
  }
}
