import type { Logger } from 'pino';
import type { Journal } from '../journal/journal';
import type { UnitsProjection } from '../projections/units';

/**
 * Marks a unit lost-contact when nothing has been heard from it for a configured time. The
 * decision is journaled once (the projection only applies it), so a replay agrees with what
 * controllers saw live; the next message from the unit clears it.
 */
export class ContactMonitor {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly units: UnitsProjection,
    private readonly journal: Journal,
    private readonly silenceMs: number,
    private readonly log: Logger,
  ) {}

  start(checkEveryMs = Math.min(5000, Math.max(250, this.silenceMs / 4))): void {
    this.timer = setInterval(() => void this.check(), checkEveryMs);
    this.timer.unref();
  }

  async check(now = Date.now()): Promise<void> {
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
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
