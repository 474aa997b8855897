/**
 * Line noise and malformed frames from one dock, summed up for the journal. A serial line
 * picking up interference yields tens of undecodable packets a second; journaling each as its
 * own hash-chained event would add millions of events a day and bury the real ones. The
 * journal gets at most one summary per dock per window (count, per-kind counts, one sample of
 * each kind); metrics count every packet as it comes.
 */
export interface NoiseSummary {
  dockId: string;
  count: number;
  byKind: Record<string, number>;
  /** The first packet of each kind in the window (reason and capped hex), at most MAX_SAMPLES kinds. */
  samples: Array<{ kind: string; reason: string; rawHex: string }>;
  from: string;
  to: string;
}

const MAX_SAMPLES = 8;

/** "crc: crc 0x1 != 0x2" → "crc", "FILE_OFFER: ✖ …" → "FILE_OFFER"; a bounded label for metrics. */
export function noiseKind(reason: string): string {
  const head = reason.split(':')[0] ?? '';
  return /^[A-Za-z_]{1,24}$/.test(head) ? head : 'other';
}

export class NoiseAggregator {
  private readonly pending = new Map<string, { summary: NoiseSummary; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly report: (summary: NoiseSummary) => void,
  ) {}

  add(dockId: string, reason: string, rawHex: string, now = Date.now()): void {
    const kind = noiseKind(reason);
    let p = this.pending.get(dockId);
    if (!p) {
      const at = new Date(now).toISOString();
      const summary: NoiseSummary = { dockId, count: 0, byKind: {}, samples: [], from: at, to: at };
      p = { summary, timer: setTimeout(() => this.flush(dockId), this.windowMs) };
      p.timer.unref();
      this.pending.set(dockId, p);
    }
    const s = p.summary;
    s.count++;
    s.byKind[kind] = (s.byKind[kind] ?? 0) + 1;
    s.to = new Date(now).toISOString();
    if (s.samples.length < MAX_SAMPLES && !s.samples.some((x) => x.kind === kind)) s.samples.push({ kind, reason: reason.slice(0, 256), rawHex });
  }

  flush(dockId: string): void {
    const p = this.pending.get(dockId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(dockId);
    this.report(p.summary);
  }

  /** On shutdown: what was counted is journaled, not lost. */
  flushAll(): void {
    for (const dockId of [...this.pending.keys()]) this.flush(dockId);
  }
}
