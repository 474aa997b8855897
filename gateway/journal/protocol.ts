/**
 * The channel between the Journal (main thread) and its writer worker. Every request carries
 * an id and gets exactly one reply with the same id; the worker handles requests one at a
 * time, in the order they were posted.
 */
import { startWorker } from '../worker-thread';
import type { AppendHeader } from './types';

/**
 * A batch of appends as the worker needs them, one array per column (entry i of each is
 * row i): arrays of strings cost a third of what objects do to post between threads. The
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
  /**
   * Whether the row is an event derived from the append before it (types.ts `DerivedInput`):
   * the worker puts that append's seq in its payload, or skips it if that append is a resend.
   */
  derived: boolean[];
}

/** What `toWire` needs of a queued append: its header, its serialised payload, and what derives from it. */
export interface WireAppend {
  input: AppendHeader & { type: string };
  payload: string;
  derived?: ReadonlyArray<{ input: AppendHeader & { type: string }; payload: string }>;
}

/** An append's derived events go right after it, as rows of their own. */
export function toWire(batch: ReadonlyArray<WireAppend>): WireBatch {
  const wire: WireBatch = { source: [], type: [], actor: [], subject: [], ref: [], dedupe: [], payload: [], derived: [] };
  const row = (input: WireAppend['input'], payload: string, derived: boolean): void => {
    wire.source.push(input.source);
    wire.type.push(input.type);
    wire.actor.push(input.actor ?? null);
    wire.subject.push(input.subject ?? null);
    wire.ref.push(input.ref ?? null);
    wire.dedupe.push(input.dedupe ?? null);
    wire.payload.push(payload);
    wire.derived.push(derived);
  };
  for (const p of batch) {
    row(p.input, p.payload, false);
    for (const d of p.derived ?? []) row(d.input, d.payload, true);
  }
  return wire;
}

/**
 * A derived event's payload (a JSON object without `causeSeq`) with its cause's seq added as
 * the last key: what `JSON.stringify({ ...payload, causeSeq })` gives, without parsing it.
 */
export function withCauseSeq(payload: string, causeSeq: number): string {
  const body = payload.slice(0, -1).trimEnd();
  return `${body}${body === '{' ? '' : ','}"causeSeq":${causeSeq}}`;
}

export interface Head {
  seq: number;
  hash: string;
}

/**
 * What the worker assigned to a committed batch, again by column, for the rows it inserted (in
 * row order, skipping duplicates and what derives from them): seqs are `firstSeq`,
 * `firstSeq + 1`, … and each prev hash is the hash before it.
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
   * restart): row index → the seq of the event committed before. Not inserted again.
   */
  duplicates: Record<number, number>;
  /** Derived rows not inserted because their cause was such a resend (row indexes). */
  skipped: number[];
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
