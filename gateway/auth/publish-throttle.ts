import { TokenBucket, type RateLimit } from './token-bucket';

export type Admission = { drop: false; waitMs: number } | { drop: true };

/**
 * Per-client publish limits. QoS 1 is only ever delayed: its PUBACK comes late, nothing is
 * lost, and the broker reads no more from that socket meanwhile, so a flood slows itself down.
 * QoS 0 has no acknowledgement to hold back: once a client owes a full burst it is dropped, and
 * the drops are reported as one sample and a count per client per `reportEveryMs`, so a flood
 * cannot become a flood of quarantine records.
 */
export class PublishThrottle<Client extends object, Sample> {
  private readonly buckets = new WeakMap<Client, { bucket: TokenBucket; limit: RateLimit }>();
  private readonly dropped = new WeakMap<Client, { count: number; first: Sample }>();

  constructor(
    private readonly report: (first: Sample, count: number) => void,
    private readonly reportEveryMs = 1000,
  ) {}

  connected(client: Client, limit: RateLimit): void {
    this.buckets.set(client, { bucket: new TokenBucket(limit), limit });
  }

  admit(client: Client, qos: number, sample: Sample): Admission {
    const entry = this.buckets.get(client);
    if (!entry) return { drop: false, waitMs: 0 };
    if (qos === 0 && entry.bucket.debt >= entry.limit.burst) {
      const d = this.dropped.get(client);
      if (d) d.count++;
      else {
        this.dropped.set(client, { count: 1, first: sample });
        setTimeout(() => this.flush(client), this.reportEveryMs).unref();
      }
      return { drop: true };
    }
    return { drop: false, waitMs: entry.bucket.take() };
  }

  private flush(client: Client): void {
    const d = this.dropped.get(client);
    this.dropped.delete(client);
    if (d) this.report(d.first, d.count);
  }
}
