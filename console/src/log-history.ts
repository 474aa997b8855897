import type { ConsoleEvent } from '../../gateway/contract/socket';
import type { Ctx } from './context';

/** How many earlier events a reloaded Live log shows. */
const HISTORY = 200;

/**
 * The Live log's past: fetched once, when the live state has arrived (so the newest event it
 * has is known), from `GET /api/log`, which answers what the live stream would have sent this
 * role. Kept apart from the store: these events are for reading, never applied to the state.
 */
export class LogHistory {
  private events: ConsoleEvent[] = [];
  private state: 'idle' | 'loading' | 'done' = 'idle';

  constructor(private readonly ctx: Ctx) {}

  /** After the first snapshot (seq known), once. */
  wanted(): boolean {
    return this.state === 'idle' && this.ctx.store.seq > 0;
  }

  async load(): Promise<void> {
    this.state = 'loading';
    // Up to and including the snapshot's seq: everything after it comes in the live stream.
    const before = this.ctx.store.log[0]?.seq ?? this.ctx.store.seq + 1;
    try {
      const newestFirst = await this.ctx.api.get<ConsoleEvent[]>(`/api/log?before=${before}&limit=${HISTORY}`);
      this.events = newestFirst.reverse();
      this.state = 'done';
    } catch {
      this.state = 'idle'; // tried again with the next event
    }
  }

  /** Oldest first, only those before `seq` (the first event the store holds): never doubled. */
  before(seq: number | undefined): ConsoleEvent[] {
    return seq === undefined ? this.events : this.events.filter((e) => e.seq < seq);
  }
}
