import type { Clock, Timer } from '../../gateway/clock';

interface Scheduled {
  at: number;
  fn: () => unknown;
  /** For an interval: its period; null for a one-off. */
  every: number | null;
  cleared: boolean;
}

/**
 * A clock that moves only when the test says so. `advance(ms)` runs every timer that falls due
 * in order, each at its own due time, and awaits whatever the callback returns (a service's
 * check and its journal appends), so the test can assert right after it, without sleeping.
 */
export class ManualClock implements Clock {
  private t: number;
  private readonly timers: Scheduled[] = [];

  /** Starts at the real time by default: journal timestamps come from the real clock. */
  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => unknown, ms: number): Timer {
    return this.schedule(fn, ms, null);
  }

  setInterval(fn: () => unknown, ms: number): Timer {
    return this.schedule(fn, ms, Math.max(1, ms));
  }

  /** Timers still pending (cleared ones excluded). */
  get pending(): number {
    return this.timers.filter((s) => !s.cleared).length;
  }

  /**
   * Moves to `ms` past the real time now (or by `ms`, if the clock is already ahead), firing
   * timers on the way. Journal timestamps come from the real clock, so "an hour after that
   * fix" is an hour after the real now, however long the test has run so far.
   */
  async advancePastReal(ms: number): Promise<void> {
    await this.advance(Math.max(0, Date.now() - this.t) + ms);
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((s) => !s.cleared && s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every === null) due.cleared = true;
      else due.at += due.every;
      await due.fn();
    }
    this.t = end;
    for (let i = this.timers.length - 1; i >= 0; i--) if (this.timers[i]!.cleared) this.timers.splice(i, 1);
  }

  private schedule(fn: () => unknown, ms: number, every: number | null): Timer {
    const s: Scheduled = { at: this.t + Math.max(0, ms), fn, every, cleared: false };
    this.timers.push(s);
    return { clear: () => void (s.cleared = true) };
  }
}
