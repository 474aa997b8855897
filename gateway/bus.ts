import type { Logger } from 'pino';
import type { JournalEvent } from './journal/types';

/**
 * Typed in-process bus. Listeners are registered per owner and removed together when that
 * owner stops; each call is wrapped so one failing listener cannot stop the others.
 */
export interface BusEvents {
  /** Events committed to the journal, in seq order, one call per committed batch. */
  committed: JournalEvent[];
  /** Projections changed; carries the keys of the views that changed. */
  readiness: { ready: boolean; reason?: string };
}

type Listener<K extends keyof BusEvents> = (payload: BusEvents[K]) => void;

export interface BusOptions {
  log: Logger;
}

export class Bus {
  private readonly listeners = new Map<keyof BusEvents, Array<{ owner: string; fn: Listener<never> }>>();
  private readonly log: Logger;

  constructor(opts: BusOptions) {
    this.log = opts.log;
  }

  on<K extends keyof BusEvents>(event: K, owner: string, fn: Listener<K>): void {
    const list = this.listeners.get(event) ?? [];
    list.push({ owner, fn: fn });
    this.listeners.set(event, list);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    for (const { owner, fn } of this.listeners.get(event) ?? []) {
      try {
        (fn as Listener<K>)(payload);
      } catch (err) {
        this.log.error({ err, owner, event }, 'bus listener failed');
      }
    }
  }

  removeOwner(owner: string): void {
    for (const [event, list] of this.listeners) {
      this.listeners.set(
        event,
        list.filter((l) => l.owner !== owner),
      );
    }
  }
}
