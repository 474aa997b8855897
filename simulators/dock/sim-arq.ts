/**
 * The dock's half of PROTOCOL.md section 3 (go-back-N), written from the document alone and
 * sharing no code with the gateway's devices/dock/arq.ts.
 */

/** Fails every wait on a link that went down, so the offload script starts again from HELLO. */
export class SimLinkReset extends Error {
  constructor(reason: string) {
    super(`link reset: ${reason}`);
    this.name = 'SimLinkReset';
  }
}

const SEQ_SPACE = 65536;

interface Unacked {
  type: number;
  seq: number;
  payload: Buffer;
  sends: number;
  lastSent: number;
}

export interface SimSenderOptions {
  /** The most frames this dock keeps unacknowledged (HELLO_ACK may lower it, never raise it). */
  window: number;
  retransmitMs: number;
  /** Sends of one frame without an ACK before the link is declared down (the document's 10). */
  maxTries: number;
  write(type: number, seq: number, payload: Buffer): void;
  onGiveUp(reason: string): void;
}

/**
 * Numbers seq frames from 0, keeps at most `window` unacknowledged, resends the oldest with
 * everything after it 500 ms after it was last sent, and on a NAK 1–4 at once (but at most once
 * per 100 ms, so one loss is one go-back). NAK 5 and 6 restart the timer instead. After
 * `maxTries` sends of one frame the link is given up.
 */
export class SimSender {
  private next = 0;
  private window: number;
  private unacked: Unacked[] = [];
  private waiting: Unacked[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastGoBack = 0;
  private roomWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(private readonly opts: SimSenderOptions) {
    this.window = opts.window;
  }

  /** What HELLO_ACK granted, capped by what this dock uses (`cap`: its own window for the link's version). */
  grant(window: number, cap = this.opts.window): void {
    this.window = Math.max(1, Math.min(window, cap));
    this.fill();
  }

  send(type: number, payload: Buffer): void {
    this.waiting.push({ type, seq: this.next, payload, sends: 0, lastSent: 0 });
    this.next = (this.next + 1) % SEQ_SPACE;
    this.fill();
  }

  /** Resolves when fewer than a window of frames are queued or unacknowledged. */
  room(): Promise<void> {
    if (this.unacked.length + this.waiting.length < this.window) return Promise.resolve();
    return new Promise((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
  }

  /** Cumulative: `seq` and everything sent before it. An ACK for nothing outstanding is stale. */
  ack(seq: number): void {
    const at = this.unacked.findIndex((u) => u.seq === seq);
    if (at < 0) return;
    this.unacked.splice(0, at + 1);
    this.fill();
  }

  nak(reason: number, expect: number | undefined): void {
    if (expect !== undefined) this.ack((expect + SEQ_SPACE - 1) % SEQ_SPACE);
    if (this.unacked.length === 0) return;
    if (reason === 5 || reason === 6) {
      // Busy / no space: the frame was not taken; resending at once would not help.
      const now = Date.now();
      for (const u of this.unacked) u.lastSent = now;
      this.arm();
      return;
    }
    if (reason >= 1 && reason <= 4 && Date.now() - this.lastGoBack >= 100) this.goBack();
  }

  /** A new link: numbering restarts at 0 and nothing old is resent. */
  clear(reason: string): void {
    this.unacked = [];
    this.waiting = [];
    this.next = 0;
    this.window = this.opts.window;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w.reject(new SimLinkReset(reason));
  }

  private fill(): void {
    const now = Date.now();
    while (this.unacked.length < this.window) {
      const u = this.waiting.shift();
      if (!u) break;
      u.sends = 1;
      u.lastSent = now;
      this.unacked.push(u);
      this.opts.write(u.type, u.seq, u.payload);
    }
    this.arm();
    while (this.roomWaiters.length > 0 && this.unacked.length + this.waiting.length < this.window) this.roomWaiters.shift()?.resolve();
  }

  private goBack(): void {
    const oldest = this.unacked[0];
    if (!oldest) return;
    if (oldest.sends >= this.opts.maxTries) return this.opts.onGiveUp(`seq ${oldest.seq} sent ${oldest.sends} times without an ACK`);
    const now = Date.now();
    this.lastGoBack = now;
    for (const u of this.unacked) {
      u.sends++;
      u.lastSent = now;
      this.opts.write(u.type, u.seq, u.payload);
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const oldest = this.unacked[0];
    if (!oldest) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.goBack();
      },
      Math.max(0, oldest.lastSent + this.opts.retransmitMs - Date.now()),
    );
  }
}

/**
 * Accepts only the next seq. A seq within half the space behind it was applied already (ACK it
 * again, do not apply it again); one ahead means frames were lost (NAK 4 with `expect`, once per gap).
 */
export class SimReceiver {
  expect = 0;
  private nakedGapAt: number | undefined;

  classify(seq: number): 'next' | 'again' | 'gap' {
    if (seq === this.expect) return 'next';
    return (this.expect - seq + SEQ_SPACE) % SEQ_SPACE <= SEQ_SPACE / 2 ? 'again' : 'gap';
  }

  took(seq: number): void {
    this.expect = (seq + 1) % SEQ_SPACE;
    this.nakedGapAt = undefined;
  }

  /** True the first time this gap is seen. */
  firstOfGap(): boolean {
    if (this.nakedGapAt === this.expect) return false;
    this.nakedGapAt = this.expect;
    return true;
  }

  clear(): void {
    this.expect = 0;
    this.nakedGapAt = undefined;
  }
}
