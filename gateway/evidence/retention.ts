import type { Logger } from 'pino';
import { systemClock, type Clock, type Timer } from '../clock';
import type { Journal } from '../journal/journal';
import type { EvidenceProjection } from '../projections/evidence';
import type { EvidenceStore, StoreBounds } from './store';

export interface RetentionOptions {
  evidence: EvidenceProjection;
  store: EvidenceStore;
  journal: Journal;
  log: Logger;
  /** How often a pass runs. */
  everyMs: number;
  /** Bounds of `partial/` and `quarantine/`; without them the store is not swept. */
  bounds?: StoreBounds;
  clock?: Clock;
}

/**
 * Deletes footage whose retention has run out (non-evidential, not on hold), leaving a receipt
 * in the journal: what was deleted (id, hash, size), why and when. The journal keeps its
 * events; only the file goes, so `journal verify` still passes afterwards.
 */
export class RetentionJob {
  private timer: Timer | null = null;
  private readonly evidence: EvidenceProjection;
  private readonly store: EvidenceStore;
  private readonly journal: Journal;
  private readonly log: Logger;
  private readonly everyMs: number;
  private readonly bounds: StoreBounds | undefined;
  private readonly clock: Clock;

  constructor(opts: RetentionOptions) {
    this.evidence = opts.evidence;
    this.store = opts.store;
    this.journal = opts.journal;
    this.log = opts.log;
    this.everyMs = opts.everyMs;
    this.bounds = opts.bounds;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    this.stop();
    this.timer = this.clock.setInterval(
      () =>
        Promise.all([
          this.run().catch((err: unknown) => this.log.error({ err }, 'retention run failed')),
          this.sweep().catch((err: unknown) => this.log.error({ err }, 'evidence store sweep failed')),
        ]),
      this.everyMs,
    );
  }

  stop(): void {
    this.timer?.clear();
    this.timer = null;
  }

  /** One pass; returns the ids deleted. */
  async run(now = this.clock.now()): Promise<string[]> {
    const deleted: string[] = [];
    for (const r of this.evidence.expired(now)) {
      // File first, receipt second: a crash in between leaves an expired record whose file is
      // already gone, and the next pass writes the receipt.
      // Exhibits may share bytes (two cameras, one identical file): the file goes with the last of them.
      const shared = this.evidence.sharing(r.receivedSha256, r.id).length > 0;
      const existed = shared ? await this.store.has(r.receivedSha256) : await this.store.remove(r.receivedSha256);
      await this.journal.append({
        source: 'gateway',
        type: 'evidence.deleted',
        subject: `bodycam:${r.cam}`,
        ref: r.id,
        payload: {
          evidenceId: r.id,
          sha256: r.receivedSha256,
          size: r.size,
          reason: 'retention period ended',
          retainUntil: r.retainUntil,
          fileExisted: existed,
          fileKeptFor: shared ? this.evidence.sharing(r.receivedSha256, r.id).map((x) => x.id) : [],
        },
      });
      deleted.push(r.id);
    }
    if (deleted.length) this.log.info({ count: deleted.length }, 'retention deleted expired footage');
    return deleted;
  }

  /**
   * Removes stale partial transfers and the oldest quarantine beyond its bounds, each with a
   * receipt in the journal (what, how big, why). None of it is custody-bearing evidence: a
   * partial's recording is still on the camera (no ERASE_OK), and quarantine never had custody.
   */
  async sweep(now = this.clock.now()): Promise<number> {
    if (!this.bounds) return 0;
    const removed = await this.store.sweep(this.bounds, now);
    await Promise.all(
      removed.map((r) =>
        this.journal.append({
          source: 'gateway',
          type: r.area === 'partial' ? 'evidence.partial-removed' : 'evidence.quarantine-removed',
          payload: { files: r.files, bytes: r.bytes, modifiedAt: r.modifiedAt, reason: r.reason, note: r.note },
        }),
      ),
    );
    if (removed.length) this.log.info({ count: removed.length }, 'evidence store swept');
    return removed.length;
  }
}
