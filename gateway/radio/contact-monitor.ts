import type { Logger } from 'pino';
import { systemClock, type Clock, type Timer } from '../clock';
import type { Journal } from '../journal/journal';
import type { UnitsProjection } from '../projections/units';

export interface ContactMonitorOptions {
  units: UnitsProjection;
  journal: Journal;
  /** How long a unit may be silent before it is lost-contact. */
  silenceMs: number;
  log: Logger;
  clock?: Clock;
  /** How often to look (default: a quarter of `silenceMs`, between 250 ms and 5 s). */
  checkEveryMs?: number;
}

/**
 * Marks a unit lost-contact when nothing has been heard from it for a configured time. The
 * decision is journaled once (the projection only applies it), so a replay agrees with what
 * controllers saw live; the next message from the unit clears it.
 */
export class ContactMonitor {
  private timer: Timer | null = null;
  private readonly units: UnitsProjection;
  private readonly journal: Journal;
  private readonly silenceMs: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly checkEveryMs: number;

  constructor(opts: ContactMonitorOptions) {
    this.units = opts.units;
    this.journal = opts.journal;
    this.silenceMs = opts.silenceMs;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.checkEveryMs = opts.checkEveryMs ?? Math.min(5000, Math.max(250, opts.silenceMs / 4));
  }

  start(): void {
    this.stop();
    this.timer = this.clock.setInterval(() => this.check(), this.checkEveryMs);
  }

  async check(now = this.clock.now()): Promise<void> {
    for (const unit of this.units.all()) {
      if (unit.lostContact || unit.lastHeard === null || now - unit.lastHeard < this.silenceMs) continue;
      try {
        await this.journal.append({
          source: 'gateway',
          type: 'unit.lost-contact',
          subject: `unit:${unit.id}`,
          payload: { unitId: unit.id, issi: unit.issi, lastHeard: unit.lastHeard, silenceMs: now - unit.lastHeard },
        });
      } catch (err) {
        this.log.error({ err, unit: unit.id }, 'could not journal lost contact');
      }
    }
  }

  stop(): void {
    this.timer?.clear();
    this.timer = null;
  }
}
