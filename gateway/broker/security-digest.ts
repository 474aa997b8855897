import type { AppendInput } from '../journal/types';

/**
 * Journals repeated refusals (CONNECTs refused, subscriptions denied, malformed strings) as at
 * most one summary per key (an address or an account) and window, instead of one fsynced event
 * each: 3,000 anonymous CONNECTs in two seconds must not become 3,000 journal events broadcast
 * to every console. The first refusal of a key is journaled at once (with `count: 1`), so a
 * single mistake is seen as it happens; later ones in the window are counted and journaled as
 * one event when the window ends (`count`, the reasons with their counts, first and last time,
 * and the last refusal's details). A key quiet for a whole window is forgotten, so its next
 * refusal is journaled at once again. Metrics count every refusal; that is the caller's job.
 */
export interface DigestOptions {
  /** Journals one event; must not throw. */
  record: (input: AppendInput) => Promise<void>;
  windowMs: number;
  /** Keys tracked at once; beyond it refusals of new keys are folded into one key per type. */
  maxKeys: number;
  now?: () => number;
}

/** The refusals the digest summarises. */
export type RefusalType = 'security.connect-refused' | 'security.connection-rate-limited' | 'security.malformed-string' | 'security.subscribe-denied';

export interface Refusal {
  type: RefusalType;
  /** What refusals are summed by, e.g. `addr:10.0.0.7` or `account:shop-prem-001`. */
  key: string;
  source: string;
  subject: string | null;
  reason: string;
  payload: Record<string, unknown>;
}

interface Window {
  refusal: Refusal;
  /** Refusals since the last journaled event. */
  count: number;
  reasons: Map<string, number>;
  firstAt: number;
  lastAt: number;
}

export const OVERFLOW_KEY = '*';

/** The event journaled for a refusal (the first of its key) or a window of them. */
function summaryOf(refusal: Refusal, digest: { count: number; reasons?: Record<string, number>; firstAt?: string; lastAt?: string }): AppendInput<RefusalType> {
  const payload = { ...refusal.payload, reason: refusal.reason, key: refusal.key, ...digest };
  // Justified cast: every refusal type's payload is the broker's details of the refusal (a loose
  // object, `Refusal.payload`) with the digest's fields (contract/events.ts `Digest`), which is
  // what this builds; the details are not typed per refusal type where the broker notes them.
  return { source: refusal.source, type: refusal.type, subject: refusal.subject, payload } as AppendInput<RefusalType>;
}

export class SecurityDigest {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  /** First refusals being journaled: stop() waits for them too. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: DigestOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.windowMs);
    this.timer.unref();
  }

  /** Stops the timer and journals what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.inFlight, this.flush()]);
  }

  note(refusal: Refusal): void {
    let id = `${refusal.type}\0${refusal.key}`;
    let w = this.windows.get(id);
    if (!w && this.windows.size >= this.opts.maxKeys) {
      // Many addresses at once: memory stays bounded, the journal gets one summary for them all.
      id = `${refusal.type}\0${OVERFLOW_KEY}`;
      refusal = { ...refusal, key: OVERFLOW_KEY, subject: null };
      w = this.windows.get(id);
    }
    const t = this.now();
    if (!w) {
      this.windows.set(id, { refusal, count: 0, reasons: new Map(), firstAt: t, lastAt: t });
      const p = this.opts.record(summaryOf(refusal, { count: 1 }));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
      return;
    }
    if (w.count === 0) w.firstAt = t;
    w.count++;
    w.lastAt = t;
    w.refusal = refusal;
    w.reasons.set(refusal.reason, (w.reasons.get(refusal.reason) ?? 0) + 1);
  }

  /** Journals one summary per key with refusals since its last event; forgets quiet keys. */
  async flush(): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const [id, w] of this.windows) {
      if (w.count === 0) {
        this.windows.delete(id);
        continue;
      }
      const { refusal } = w;
      pending.push(
        this.opts.record(
          summaryOf(refusal, {
            count: w.count,
            reasons: Object.fromEntries(w.reasons),
            firstAt: new Date(w.firstAt).toISOString(),
            lastAt: new Date(w.lastAt).toISOString(),
          }),
        ),
      );
      w.count = 0;
      w.reasons = new Map();
    }
    await Promise.all(pending);
  }
}
