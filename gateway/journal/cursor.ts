import type { CursorPosition, JournalReader } from './reader';

/** What a consumer needs of the journal to keep a durable cursor. */
export interface CursorStore {
  readonly reader: JournalReader;
  saveCursor(name: string, position: CursorPosition): Promise<void>;
}

export const START: CursorPosition = { seq: 0, hash: '' };

/**
 * A consumer's durable position in the journal (the uplink's acknowledged seq), kept in the
 * journal's own file by its writer: it survives exactly what the journal survives. The hash
 * ties it to this journal: a position past the end, or at an event with another hash,
 * belongs to a journal that was replaced, and the consumer starts again from the beginning.
 */
export class ConsumerCursor {
  constructor(
    private readonly journal: CursorStore,
    readonly name: string,
  ) {}

  /** The stored position, checked against the journal; `reset` says why it was discarded. */
  load(): { position: CursorPosition; reset: string | null } {
    const stored = this.journal.reader.cursor(this.name);
    if (!stored || stored.seq === 0) return { position: START, reset: null };
    const hash = this.journal.reader.header(stored.seq)?.hash;
    if (hash === stored.hash) return { position: stored, reset: null };
    return { position: START, reset: hash ? `event ${stored.seq} has another hash` : `event ${stored.seq} is not in the journal` };
  }

  save(position: CursorPosition): Promise<void> {
    return this.journal.saveCursor(this.name, position);
  }
}
