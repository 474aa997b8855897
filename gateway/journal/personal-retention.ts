import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import { systemClock, type Clock, type Timer } from '../clock';
import { isEventType } from '../contract/events';
import type { Journal } from './journal';

/** Events read per scan, and so erased per transaction at most: a call blocks the event loop and the writer only briefly. */
const CHUNK = 2_000;
const DAY_MS = 86_400_000;

/** Read and erase this many events of one type in a row before giving the event loop a turn. */
const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Retention of personal data in the journal (`privacy.retention`): the payloads of the named
 * event types are erased once they are older than their rule's days. What stays is what the
 * chain needs: the header and the payload's digest, so `journal verify` still passes. Each
 * erasure is on the record (`journal.payloads-erased`, the seqs of up to CHUNK events of one
 * type), and the uplink and the region erase their copies from it.
 *
 * A pass walks each type through its (type, seq) index from where the last one stopped, CHUNK
 * events at a time, and stops at the first event that is not yet due: the journal is in
 * commit order, so everything after it is younger (give or take a clock step, which only makes
 * an erasure late, never early). Where it stopped is kept in memory; after a restart it starts
 * again from the newest erasure of that type on the record.
 */
export class PersonalDataRetention {
  private timer: Timer | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  /** Per event type: every event of that type up to this seq is erased or was when we passed. */
  private readonly done = new Map<string, number>();
  private readonly rules: ReadonlyArray<{ type: string; days: number }>;

  constructor(
    private readonly opts: {
      config: Config;
      journal: Journal;
      log: Logger;
      clock?: Clock;
    },
  ) {
    const seen = new Set<string>();
    const rules: Array<{ type: string; days: number }> = [];
    for (const [i, rule] of opts.config.privacy.retention.entries()) {
      for (const type of rule.types) {
        if (!isEventType(type)) throw new Error(`privacy.retention[${i}].types: "${type}" is not an event type the gateway journals`);
        if (type === 'journal.payload-erased' || type === 'journal.payloads-erased') {
          throw new Error(`privacy.retention[${i}].types: "${type}" records erasures and is kept`);
        }
        if (seen.has(type)) throw new Error(`privacy.retention[${i}].types: "${type}" is in more than one rule`);
        seen.add(type);
        rules.push({ type, days: rule.days });
      }
    }
    this.rules = rules;
  }

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  /** A pass now (what a restart owes), then one every `privacy.retentionCheckMinutes`. */
  start(): void {
    this.timer?.clear();
    this.stopping = false;
    if (this.rules.length === 0) return;
    this.resume();
    void this.pass();
    this.timer = this.clock.setInterval(() => this.pass(), this.opts.config.privacy.retentionCheckMinutes * 60_000);
  }

  /** Stops between two chunks: what a pass erased is on the record, the rest waits for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timer?.clear();
    this.timer = null;
    await this.running;
  }

  /** One pass over every rule; a pass still running is awaited rather than doubled. */
  pass(): Promise<void> {
    this.running ??= this.run()
      .catch((err: unknown) => this.opts.log.error({ err }, 'personal data retention pass failed'))
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Where each type's last erasure on the record reached. */
  private resume(): void {
    const pending = new Set(this.rules.map((r) => r.type));
    let before: number | undefined;
    while (pending.size > 0) {
      const page = this.opts.journal.reader.events({
        types: ['journal.payloads-erased'],
        newestFirst: true,
        limit: 200,
        ...(before ? { toSeq: before - 1 } : {}),
      });
      for (const e of page) {
        const p = e.type === 'journal.payloads-erased' ? e.payload : null;
        if (!p || !pending.has(p.type)) continue;
        this.done.set(p.type, Math.max(...p.seqs));
        pending.delete(p.type);
      }
      if (page.length < 200) break;
      before = page.at(-1)!.seq;
    }
  }

  private async run(): Promise<void> {
    const now = this.clock.now();
    for (const { type, days } of this.rules) {
      if (this.stopping) return;
      const before = now - days * DAY_MS;
      const reason = `retention: ${type} is kept ${days} days`;
      let erased = 0;
      for (;;) {
        const rows = this.opts.journal.reader.retentionScan({ type, afterSeq: this.done.get(type) ?? 0, limit: CHUNK });
        const due = rows.findIndex((r) => r.ts >= before);
        const ripe = due < 0 ? rows : rows.slice(0, due);
        const seqs = ripe.filter((r) => !r.erased).map((r) => r.seq);
        await this.opts.journal.erasePayloads(type, seqs, reason, null);
        erased += seqs.length;
        if (ripe.length > 0) this.done.set(type, ripe.at(-1)!.seq);
        if (ripe.length < CHUNK || this.stopping) break;
        await yieldTurn();
      }
      if (erased > 0) this.opts.log.info({ type, days, erased }, 'personal data past its retention erased');
    }
  }
}
