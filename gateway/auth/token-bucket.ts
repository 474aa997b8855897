import { performance } from 'node:perf_hooks';

export interface RateLimit {
  /** Sustained rate. */
  perSecond: number;
  /** How many may go at once after a quiet spell. */
  burst: number;
}

/**
 * A token bucket that lends: `take()` always succeeds and says how long the caller must wait,
 * so a QoS 1 publish is delayed (its PUBACK with it) rather than dropped. What is owed
 * (`debt`) tells the caller when lending has gone far enough to refuse instead.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.last) / 1000) * this.limit.perSecond);
    this.last = t;
  }

  /** Takes one token; returns the milliseconds to wait before using it (0: now). */
  take(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.limit.perSecond) * 1000;
  }

  /** Tokens already lent to messages that are still waiting. */
  get debt(): number {
    this.refill();
    return Math.max(0, -this.tokens);
  }
}
