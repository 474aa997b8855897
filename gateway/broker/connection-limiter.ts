import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RateLimit } from '../auth/token-bucket';

/**
 * New connections per remote address, checked before a byte is parsed: a socket over the limit
 * is destroyed at once, so a flood of CONNECTs costs neither a parser, nor a login check, nor a
 * journal write. A token bucket that does not lend (unlike the publish throttle's): a
 * connection is either admitted now or refused.
 *
 * IPv6 addresses are bucketed by their /64, which is what one host usually has to choose from;
 * IPv4-mapped IPv6 addresses count as the IPv4 address.
 */
export class ConnectionLimiter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(
    private readonly limit: RateLimit,
    /** Addresses remembered at once; full buckets are forgotten first, then the oldest. */
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  admit(address: string): boolean {
    const key = addressKey(address);
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxAddresses) this.prune(t);
      b = { tokens: this.limit.burst, last: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.last) / 1000) * this.limit.perSecond);
      b.last = t;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(t: number): void {
    const refillMs = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (t - b.last >= refillMs) this.buckets.delete(key);
    // Still full: forget the oldest half (Map keeps insertion order).
    let drop = this.buckets.size - Math.floor(this.maxAddresses / 2);
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/** `::ffff:10.0.0.7` → `10.0.0.7`; `2001:db8:1:2:a:b:c:d` → `2001:db8:1:2::/64`. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
