/**
 * How long a dedupe key is remembered. MQTT message ids recycle after 65,535 messages, so a
 * key (client, message id, payload digest) is unique in any window a resend can happen in.
 */
export const DEDUPE_WINDOW_MS = 10 * 60_000;
/** The keys are kept in generations this long, the oldest dropped whole once out of the window. */
export const DEDUPE_GENERATION_MS = 60_000;
/**
 * At most this many keys are remembered (about 100 MB): past it the oldest generation goes
 * early. A resend older than what is left would be journaled twice, never lost.
 */
export const DEDUPE_MAX_KEYS = 1_000_000;

export interface RecentKeysLimits {
  windowMs: number;
  generationMs: number;
  maxKeys: number;
}

/**
 * The dedupe keys the journal committed in the last `windowMs`, with their seqs, for the writer
 * (writer-worker.ts) to find a resend. An index on the column cost each append a random b-tree
 * insert (schema.ts); a map costs a fraction of a microsecond. Its size follows the rate, about
 * 100 bytes a key: 6 MB for 100 radios at a fix a second; from 1,700 messages a second
 * sustained, `maxKeys` shortens the window. The writer fills it from the journal's last window
 * when it opens, so a resend after a restart is found too.
 */
export class RecentKeys {
  private generations: Array<{ since: number; keys: Map<string, number> }> = [];
  private count = 0;

  constructor(private readonly limits: RecentKeysLimits) {}

  /** The seq the key was committed with, if it still is remembered. */
  get(key: string): number | undefined {
    for (let i = this.generations.length - 1; i >= 0; i--) {
      const seq = this.generations[i]!.keys.get(key);
      if (seq !== undefined) return seq;
    }
    return undefined;
  }

  /** A key committed at `ts` (the journal's clock, which only moves forward between calls). */
  add(key: string, seq: number, ts: number): void {
    let newest = this.generations[this.generations.length - 1];
    if (!newest || ts - newest.since >= this.limits.generationMs) {
      newest = { since: ts, keys: new Map() };
      this.generations.push(newest);
      const horizon = ts - this.limits.windowMs - this.limits.generationMs;
      while (this.generations[0]!.since < horizon) this.dropOldest();
    }
    newest.keys.set(key, seq);
    this.count++;
    while (this.count > this.limits.maxKeys && this.generations.length > 1) this.dropOldest();
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.generations = [];
    this.count = 0;
  }

  private dropOldest(): void {
    this.count -= this.generations.shift()!.keys.size;
  }
}
