/**
 * The channel between the Journal (main thread) and its writer worker. Every request carries
 * an id and gets exactly one reply with the same id; the worker handles requests one at a
 * time, in the order they were posted.
 */
import { startWorker } from '../worker-thread';
import type { AppendInput } from './types';

/**
 * A batch of appends as the worker needs them, one array per column (entry i of each is
 * append i): arrays of strings cost a third of what objects do to post between threads. The
 * payload is serialised on the main thread, so `toJSON` and friends behave as they always
 * have, and it is posted as a string rather than as the object graph it came from.
 */
export interface WireBatch {
  source: string[];
  type: string[];
  actor: Array<string | null>;
  subject: Array<string | null>;
  ref: Array<string | null>;
  dedupe: Array<string | null>;
  payload: string[];
}

export function toWire(batch: ReadonlyArray<{ input: AppendInput; payload: string }>): WireBatch {
  const col = <T>(f: (input: AppendInput) => T): T[] => batch.map((p) => f(p.input));
  return {
    source: col((i) => i.source),
    type: col((i) => i.type),
    actor: col((i) => i.actor ?? null),
    subject: col((i) => i.subject ?? null),
    ref: col((i) => i.ref ?? null),
    dedupe: col((i) => i.dedupe ?? null),
    payload: batch.map((p) => p.payload),
  };
}

export interface Head {
  seq: number;
  hash: string;
}

/**
 * What the worker assigned to a committed batch, again by column, for the appends it inserted
 * (in batch order, skipping duplicates): seqs are `firstSeq`, `firstSeq + 1`, … and each prev
 * hash is the hash before it.
 */
export interface Committed {
  firstSeq: number;
  ts: number;
  prevHash: string;
  ids: string[];
  digests: string[];
  hashes: string[];
  /**
   * Appends whose dedupe key was already committed (a QoS 1 resend after a reconnect or a
   * restart): batch index → the seq of the event committed before. Not inserted again.
   */
  duplicates: Record<number, number>;
  /** Hashing, insert and commit (fsync included), measured in the worker. */
  seconds: number;
}

export type WriterRequest =
  | { id: number; kind: 'open'; path: string; synchronous: 'full' | 'normal' }
  | { id: number; kind: 'append'; batch: WireBatch }
  | { id: number; kind: 'erase'; seqs: number[] }
  | { id: number; kind: 'cursor'; name: string; seq: number; hash: string }
  | { id: number; kind: 'close' };

export interface WriterResults {
  open: Head;
  append: Committed;
  erase: null;
  cursor: null;
  close: null;
}

export type WriterReply =
  { id: number; ok: true; result: WriterResults[keyof WriterResults] } | { id: number; ok: false; error: { message: string; code?: string } };

/** A request before the client gives it an id. */
type Request = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'id'> : never) : never;

/** The main thread's end: one promise per request, settled by the worker's reply. */
export class WriterClient {
  private readonly worker = startWorker(new URL('./writer-worker.ts', import.meta.url), 'writer-worker');
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private stopped: Error | null = null;

  /** `onFailure` is told once if the worker dies by itself (a bug, out of memory). */
  constructor(private readonly onFailure: (err: Error) => void) {
    this.worker.on('message', (reply: WriterReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`journal writer exited (code ${code})`)));
  }

  call<R extends Request>(req: R): Promise<WriterResults[R['kind']]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<WriterResults[R['kind']]>((resolve, reject) => {
      this.worker.postMessage({ ...req, id });
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      // The process stays alive while the worker owes an answer, as it would for a pending
      // fsync; an idle journal does not hold it open.
      this.worker.ref();
    });
  }

  private onReply(reply: WriterReply): void {
    const call = this.calls.get(reply.id);
    if (!call) return;
    this.calls.delete(reply.id);
    if (this.calls.size === 0) this.worker.unref();
    if (reply.ok) call.resolve(reply.result);
    else call.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stop(err);
    this.onFailure(err);
  }

  private stop(err: Error): void {
    this.stopped = err;
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
  }

  async terminate(): Promise<void> {
    if (!this.stopped) this.stop(new Error('journal writer stopped'));
    await this.worker.terminate();
  }
}
