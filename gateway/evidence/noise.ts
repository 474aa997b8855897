/**
 * Line noise and malformed frames from one dock, summed up for the journal. A serial line
 * picking up interference yields tens of undecodable packets a second; journaling each as its
 * own hash-chained event would add millions of events a day and bury the real ones. In each
 * window the first packet of each kind of fault is journaled at once, with its reason (at most
 * MAX_FIRSTS a window), and the rest of the window's packets as one summary at its end (count,
 * per-kind counts, one sample of each kind); metrics count every packet as it comes.
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
/** Packets journaled one by one per dock and window, at most: the first of each kind of fault. */
export const MAX_FIRSTS = 16;

/** The fault a reason describes, numbers and quoted text left out: "length 5 but 2 follow" → "length # but # follow". */
function faultOf(reason: string): string {
  return reason
    .replace(/"[^"]*"|'[^']*'/g, '"…"')
    .replace(/0x[0-9a-f]+|\d+/gi, '#')
    .slice(0, 120);
}

/** "crc: crc 0x1 != 0x2" → "crc", "FILE_OFFER: ✖ …" → "FILE_OFFER"; a bounded label for metrics. */
export function noiseKind(reason: string): string {
  const head = reason.split(':')[0] ?? '';
  return /^[A-Za-z_]{1,24}$/.test(head) ? head : 'other';
}

export class NoiseAggregator {
  private readonly pending = new Map<string, { summary: NoiseSummary; firsts: Set<string>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly windowMs: number,
    private readonly report: (summary: NoiseSummary) => void,
    /** The first packet of a kind in a window, journaled at once with its own reason. */
    private readonly first: (dockId: string, reason: string, rawHex: string) => void = () => undefined,
  ) {}

  add(dockId: string, reason: string, rawHex: string, now = Date.now()): void {
    const kind = noiseKind(reason);
    let p = this.pending.get(dockId);
    if (!p) {
      const at = new Date(now).toISOString();
      const summary: NoiseSummary = { dockId, count: 0, byKind: {}, samples: [], from: at, to: at };
      p = { summary, firsts: new Set(), timer: setTimeout(() => this.flush(dockId), this.windowMs) };
      p.timer.unref();
      this.pending.set(dockId, p);
    }
    const fault = faultOf(reason);
    if (!p.firsts.has(fault) && p.firsts.size < MAX_FIRSTS) {
      p.firsts.add(fault);
      this.first(dockId, reason.slice(0, 256), rawHex);
      return;
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
    if (p.summary.count > 0) this.report(p.summary);
  }

  /** On shutdown: what was counted is journaled, not lost. */
  flushAll(): void {
    for (const dockId of [...this.pending.keys()]) this.flush(dockId);
  }
}
