import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import type { JournalEvent } from '../journal/types';
import type { Hotspots } from '../tracking/hotspots';
import { startWorker } from '../worker-thread';
import type { TimeTravelReply, TimeTravelRequest, TimeTravelStatus } from './time-travel-worker';

type Request = TimeTravelRequest extends infer R ? (R extends TimeTravelRequest ? Omit<R, 'id'> : never) : never;

const startTimeTravelWorker = (): Worker => startWorker(new URL('./time-travel-worker.ts', import.meta.url), 'time-travel-worker');

/** How long after a retention erasure a running worker waits to start again (see onCommitted). */
const ERASE_SETTLE_MS = 2_000;

/**
 * `GET /api/state?at=` and hotspots: the state at a moment, computed in a worker thread from
 * periodic checkpoints (time-travel-worker.ts), so a query over a long journal never holds up
 * MQTT or the console. Requests are answered one at a time, in order. The worker starts with
 * the gateway once the journal holds a checkpoint's worth of events (or when it grows to that,
 * or on the first query), and builds its checkpoints off the main thread from then on; a
 * shorter journal replays in less than one checkpoint's spacing anyway.
 */
export class TimeTravel {
  private worker: Worker | null = null;
  private opened: Promise<unknown> | null = null;
  private readonly calls = new Map<number, { resolve: (r: TimeTravelReply & { ok: true }) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  /** After an erasure: when the worker starts again (see onCommitted). */
  private restart: NodeJS.Timeout | null = null;
  /** Events the last query replayed beyond its checkpoint (metrics, tests). */
  lastReplayed = 0;

  constructor(private readonly opts: { path: string; config: Config; log: Logger; checkpointEvery: number }) {}

  /** The state at a moment as the role may see it (snapshotFor), as JSON text made in the worker. */
  async stateJsonAt(untilTs: number, role: string | null): Promise<string> {
    await this.open();
    const reply = await this.call({ kind: 'stateAt', untilTs, role });
    this.lastReplayed = reply.replayed ?? 0;
    return reply.result as string;
  }

  /** Hotspots over [fromMs, toMs), from the worker's own read of the journal. */
  async hotspots(fromMs: number, toMs: number): Promise<Hotspots> {
    await this.open();
    return (await this.call({ kind: 'hotspots', fromMs, toMs })).result as Hotspots;
  }

  /** Where the worker's head stands and the checkpoints it keeps (tests, diagnostics). */
  async status(): Promise<TimeTravelStatus> {
    await this.open();
    return (await this.call({ kind: 'status' })).result as TimeTravelStatus;
  }

  /** At start: with a checkpoint's worth of events already, the worker begins building them now. */
  startIfLong(headSeq: number): void {
    if (headSeq >= this.opts.checkpointEvery) this.warm();
  }

  /**
   * Checkpoints are whole states: after a retention erasure they would still hold what was
   * erased, so they are dropped at once. A running worker is started again, to rebuild them from
   * the erased journal, ERASE_SETTLE_MS after the last erasure: the erasure is journaled first and
   * the payload blanked by the writer's next call, so a worker started at once could read it
   * before it is blanked. (A query meanwhile starts it sooner, as it always has.) A journal grown
   * to a checkpoint's worth starts the worker.
   */
  onCommitted(events: readonly JournalEvent[]): void {
    if (events.some((e) => e.type === 'journal.payload-erased' || e.type === 'journal.payloads-erased')) {
      const running = this.worker !== null || this.restart !== null;
      this.stop().catch((err: unknown) => this.opts.log.error({ err }, 'time travel stop failed'));
      if (running) {
        this.restart = setTimeout(() => {
          this.restart = null;
          this.warm();
        }, ERASE_SETTLE_MS);
        this.restart.unref();
      }
      return;
    }
    const last = events.at(-1);
    if (!this.worker && !this.restart && last && last.seq >= this.opts.checkpointEvery) this.warm();
  }

  private warm(): void {
    // A stop meanwhile rejects the open too, and is no failure; a worker that died has logged it.
    this.open().catch((err: unknown) => this.worker && this.opts.log.error({ err }, 'time travel worker failed to open'));
  }

  private open(): Promise<unknown> {
    this.opened ??= this.call({ kind: 'open', path: this.opts.path, config: this.opts.config, checkpointEvery: this.opts.checkpointEvery }).catch(
      (err: unknown) => {
        this.opened = null; // the next query tries again
        throw err;
      },
    );
    return this.opened;
  }

  private call(req: Request): Promise<TimeTravelReply & { ok: true }> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startTimeTravelWorker();
    worker.on('message', (reply: TimeTravelReply) => {
      const call = this.calls.get(reply.id);
      if (!call) return;
      this.calls.delete(reply.id);
      if (this.calls.size === 0) worker.unref();
      if (reply.ok) call.resolve(reply);
      else call.reject(new Error(`time travel: ${reply.error}`));
    });
    const failed = (err: Error) => {
      if (this.worker !== worker) return;
      this.opts.log.error({ err }, 'time travel worker failed');
      this.reset(err);
    };
    worker.on('error', failed);
    worker.on('exit', (code) => failed(new Error(`time travel worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private reset(err: Error): void {
    this.worker = null;
    this.opened = null;
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
  }

  async stop(): Promise<void> {
    if (this.restart) clearTimeout(this.restart);
    this.restart = null;
    const worker = this.worker;
    if (!worker) return;
    this.reset(new Error('time travel stopped'));
    await worker.terminate();
  }
}
