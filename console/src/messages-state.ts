import type { Conversation } from '../../gateway/contract/messages';
import type { ConsoleEvent } from '../../gateway/contract/socket';
import type { Api } from './api';
import { coalesce } from './dom';
import type { Store } from './store';

/** Journal events that change a conversation: a text in, a read mark, a text out and its receipts. */
const AFFECTS = (e: ConsoleEvent) => e.type === 'radio.text' || e.type === 'message.read' || e.type === 'radio.receipt' || e.type.startsWith('alert.');

/**
 * The conversations with units, as the gateway joins them (`GET /api/messages`), fetched again
 * whenever the live stream carries something that changes one. Shared by the Messages panel and
 * the navigation's unread badge; `onIncoming` hears each new text once (the tone, the toast).
 */
export class MessagesState {
  conversations: Conversation[] = [];
  loaded = false;
  onIncoming: (e: ConsoleEvent) => void = () => {};
  private readonly listeners = new Set<() => void>();
  private seenSeq = 0;
  private readonly refresh = coalesce(() => void this.load(), 150);

  constructor(
    private readonly api: Api,
    private readonly store: Store,
  ) {
    // Only what arrives after this console connected is "new": a reload must not chime for old texts.
    this.seenSeq = Number.POSITIVE_INFINITY;
    store.subscribe((t) => {
      if (t.has('events')) this.scan();
    });
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get unread(): number {
    return this.conversations.reduce((n, c) => n + c.unread, 0);
  }

  get(unitId: string): Conversation | undefined {
    return this.conversations.find((c) => c.unitId === unitId);
  }

  async load(): Promise<void> {
    try {
      this.conversations = await this.api.get<Conversation[]>('/api/messages');
      this.loaded = true;
    } catch {
      // Shown as it was; the next change or reconnect fetches again.
    }
    for (const fn of this.listeners) fn();
  }

  private scan(): void {
    const log = this.store.log;
    const head = log.at(-1)?.seq ?? 0;
    if (this.seenSeq === Number.POSITIVE_INFINITY) {
      this.seenSeq = head;
      this.refresh();
      return;
    }
    let changed = false;
    for (let i = log.length - 1; i >= 0 && log[i]!.seq > this.seenSeq; i--) {
      const e = log[i]!;
      if (e.type === 'radio.text') this.onIncoming(e);
      if (AFFECTS(e)) changed = true;
    }
    this.seenSeq = Math.max(this.seenSeq, head);
    if (changed) this.refresh();
  }
}
