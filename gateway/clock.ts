/** A scheduled callback; `clear()` cancels it (clearing twice, or after it ran, is harmless). */
export interface Timer {
  clear(): void;
}

/**
 * Wall-clock time and timers, injected into every service that schedules work (retention, the
 * contact monitor, emergency re-alerts, watches, alert timeouts, sessions, login lockouts), so
 * a test can move time on instead of waiting for it. A callback may return a promise: the
 * system clock lets it run (the services catch their own errors); a test clock can await it,
 * so "an hour later" includes the journal appends that hour caused.
 *
 * Timers never keep the process alive: every service's schedule is housekeeping that the
 * gateway's own listeners outlive.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  setTimeout(fn: () => unknown, ms: number): Timer;
  setInterval(fn: () => unknown, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(() => void fn(), ms);
    t.unref();
    return { clear: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(() => void fn(), ms);
    t.unref();
    return { clear: () => clearInterval(t) };
  },
};
