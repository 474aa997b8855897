export type Health = 'unknown' | 'online' | 'offline';

/**
 * Debounces camera health: a change is reported only after `threshold` consecutive
 * observations agree on it, so one lost probe on a busy network is not an outage in the journal.
 */
export class HealthDebounce {
  private streak = 0;
  private streakOk: boolean | null = null;

  constructor(
    private readonly threshold: number,
    private reported: Health = 'unknown',
  ) {}

  get health(): Health {
    return this.reported;
  }

  /** Returns the new health when this observation completes a change, else null. */
  observe(ok: boolean): 'online' | 'offline' | null {
    const target = ok ? 'online' : 'offline';
    if (target === this.reported) {
      this.streak = 0;
      this.streakOk = null;
      return null;
    }
    this.streak = this.streakOk === ok ? this.streak + 1 : 1;
    this.streakOk = ok;
    if (this.streak < this.threshold) return null;
    this.reported = target;
    this.streak = 0;
    this.streakOk = null;
    return target;
  }
}
