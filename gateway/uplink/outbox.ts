import { ConsumerCursor, type CursorStore } from '../journal/cursor';
import type { CursorPosition, StoredEvent } from '../journal/reader';

/**
 * The journal read as an outbox, and the uplink's durable cursor. Both go through the
 * journal's interface: events are read on its read-only connection, and the cursor is kept
 * by the journal's writer in the journal's own file (journal/cursor.ts), so it survives
 * exactly what the journal survives and nothing else ever opens the file to write.
 */

/** One uplink per gateway for now; the name leaves room for a second destination. */
const CURSOR_NAME = 'uplink:region';

export type Cursor = CursorPosition;

export class Outbox {
  private readonly stored: ConsumerCursor;
  private open = false;

  constructor(private readonly journal: CursorStore) {
    this.stored = new ConsumerCursor(journal, CURSOR_NAME);
  }

  start(): void {
    this.open = true;
  }

  private get reader() {
    if (!this.open) throw new Error('uplink outbox is not open');
    return this.journal.reader;
  }

  /**
   * The stored cursor, checked against the journal: a cursor pointing past the journal, or at
   * an event with another hash, belongs to a journal that was replaced, so start again.
   */
  cursor(): { cursor: Cursor; reset: string | null } {
    if (!this.open) throw new Error('uplink outbox is not open');
    const { position, reset } = this.stored.load();
    return { cursor: position, reset };
  }

  save(c: Cursor): Promise<void> {
    if (!this.open) return Promise.reject(new Error('uplink outbox is not open'));
    return this.stored.save(c);
  }

  /** Events after `afterSeq` as stored: the payload text is what the policy minimises and sends. */
  read(afterSeq: number, limit: number): StoredEvent[] {
    return this.reader.rows({ afterSeq, limit });
  }

  tsOf(seq: number): number | null {
    return this.reader.header(seq)?.ts ?? null;
  }

  headSeq(): number {
    return this.reader.head().seq;
  }

  close(): void {
    this.open = false;
  }
}
