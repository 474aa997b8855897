import { NakCode, SEQ_MOD } from './constants';
import type { Ack } from './messages';

/** Thrown into anyone waiting on a link that was reset (port closed, peer restarted, retries spent). */
export class LinkReset extends Error {
  constructor(reason: string) {
    super(`link reset: ${reason}`);
    this.name = 'LinkReset';
  }
}

interface Outgoing {
  type: number;
  seq: number;
  payload: Buffer;
  tries: number;
  sentAt: number;
}

export interface ArqSenderOptions {
  write(type: number, seq: number, payload: Buffer, retransmit: boolean): void;
  onFail(reason: string): void;
  window: number;
  retransmitMs: number;
  maxTries: number;
}

interface Waiter {
  until: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Go-back-N sender for sequenced frames. The receiver accepts only the next seq, so an ACK is
 * cumulative and a loss means resending the whole window. A burst of NAKs for one loss (a crc
 * NAK followed by "out of order" for the frames behind it) causes one go-back, not several.
 */
export class ArqSender {
  private nextSeq = 0;
  private inflight: Outgoing[] = [];
  private queue: Outgoing[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastGoBack = 0;
  private waiters: Waiter[] = [];
  private window: number;

  constructor(private readonly opts: ArqSenderOptions) {
    this.window = opts.window;
  }

  get pending(): number {
    return this.inflight.length + this.queue.length;
  }

  setWindow(window: number): void {
    this.window = Math.max(1, Math.min(window, this.opts.window));
    this.pump();
  }

  enqueue(type: number, payload: Buffer): void {
    this.queue.push({ type, seq: this.nextSeq, payload, tries: 0, sentAt: 0 });
    this.nextSeq = (this.nextSeq + 1) % SEQ_MOD;
    this.pump();
  }

  /** Resolves when there is room to enqueue without growing an unbounded queue. */
  whenWritable(): Promise<void> {
    return this.wait(() => this.pending < this.window);
  }

  /** Resolves when everything enqueued so far has been acknowledged. */
  flush(): Promise<void> {
    return this.wait(() => this.pending === 0);
  }

  onAck(seq: number): void {
    const at = this.inflight.findIndex((o) => o.seq === seq);
    if (at < 0) return;
    this.inflight.splice(0, at + 1);
    this.pump();
  }

  onNak(_seq: number, code: number, expect?: number): void {
    // "I expect N" proves everything before N arrived.
    if (expect !== undefined) this.onAck((expect + SEQ_MOD - 1) % SEQ_MOD);
    if (this.inflight.length === 0) return;
    // Busy or full: the frame was not applied, and resending it at once would not help.
    if (code === NakCode.busy || code === NakCode.noSpace) {
      const now = Date.now();
      for (const o of this.inflight) o.sentAt = now;
      this.schedule();
      return;
    }
    // 7 and up refuse a frame for its content (its `expect` consumed it): resending cannot help.
    if (code >= NakCode.payload) return;
    if (Date.now() - this.lastGoBack >= this.opts.retransmitMs / 5) this.goBack();
  }

  /** Drops everything and restarts numbering at 0, as a new HELLO does. */
  reset(reason: string): void {
    this.inflight = [];
    this.queue = [];
    this.nextSeq = 0;
    this.window = this.opts.window;
    this.clearTimer();
    const err = new LinkReset(reason);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private wait(until: () => boolean): Promise<void> {
    if (until()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ until, resolve, reject }));
  }

  private pump(): void {
    const now = Date.now();
    while (this.inflight.length < this.window && this.queue.length > 0) {
      const o = this.queue.shift() as Outgoing;
      o.tries = 1;
      o.sentAt = now;
      this.inflight.push(o);
      this.opts.write(o.type, o.seq, o.payload, false);
    }
    this.schedule();
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (w.until()) w.resolve();
      else this.waiters.push(w);
    }
  }

  private goBack(): void {
    const oldest = this.inflight[0];
    if (!oldest) return;
    if (oldest.tries >= this.opts.maxTries) {
      this.opts.onFail(`no ACK for seq ${oldest.seq} after ${oldest.tries} tries`);
      return;
    }
    const now = Date.now();
    this.lastGoBack = now;
    for (const o of this.inflight) {
      o.tries++;
      o.sentAt = now;
      this.opts.write(o.type, o.seq, o.payload, true);
    }
    this.schedule();
  }

  private schedule(): void {
    this.clearTimer();
    const oldest = this.inflight[0];
    if (!oldest) return;
    const due = Math.max(0, oldest.sentAt + this.opts.retransmitMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.goBack();
    }, due);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Answers remembered for duplicates: two of the largest window (version 2's 64). */
const ACK_MEMORY = 128;

/** The answer to one applied seq frame: an ACK, or a refusal (NAK `refuse` with `expect` = seq + 1, which consumes it). */
export type Answer = Ack & { refuse?: number };

/**
 * Receiver half: accepts only the next seq, re-acknowledges duplicates with the same answer as
 * the first time (so a repeated DATA re-reports its durable offset without being re-applied),
 * and asks for a go-back once per gap rather than once per frame behind the gap.
 */
export class ArqReceiver {
  expected = 0;
  private acks = new Map<number, Answer>();
  private nakedFor: number | undefined;

  classify(seq: number): 'next' | 'dup' | 'ahead' {
    if (seq === this.expected) return 'next';
    const behind = (this.expected - seq + SEQ_MOD) % SEQ_MOD;
    return behind <= SEQ_MOD / 2 ? 'dup' : 'ahead';
  }

  accept(ack: Answer): void {
    this.acks.set(ack.seq, ack);
    if (this.acks.size > ACK_MEMORY) this.acks.delete(this.acks.keys().next().value as number);
    this.expected = (ack.seq + 1) % SEQ_MOD;
    this.nakedFor = undefined;
  }

  ackFor(seq: number): Answer {
    return this.acks.get(seq) ?? { seq };
  }

  /** True the first time a gap at the current expected seq is seen. */
  shouldNakGap(): boolean {
    if (this.nakedFor === this.expected) return false;
    this.nakedFor = this.expected;
    return true;
  }

  reset(): void {
    this.expected = 0;
    this.acks.clear();
    this.nakedFor = undefined;
  }
}
