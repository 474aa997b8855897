import type { CursorStore } from './cursor';
import type { CursorPosition, JournalReader } from './reader';
import type { AppendInput, JournalEvent } from './types';

/**
 * The journal as the rest of the gateway uses it, and as test/journal/conformance.test.ts
 * checks it: appends (committed by the writer thread before they resolve), reads through a
 * read-only `reader`, consumers' durable cursors, and retention's payload erasure. Nothing
 * outside gateway/journal/ opens the file or writes SQL against `events`.
 */
export interface JournalStore extends CursorStore {
  /** The last committed event. */
  readonly head: CursorPosition;
  append(input: AppendInput): Promise<JournalEvent>;
  /** By seq range, type(s), type prefix, subject, ref, actor, time range; pages or long scans. */
  readonly reader: JournalReader;
  /** Journals the erasure (with its actor), then blanks the payload; the chain still verifies. */
  erasePayload(seq: number, reason: string, actor: string | null): Promise<void>;
}
