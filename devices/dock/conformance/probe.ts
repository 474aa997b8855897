import { FrameType, SEQ_MOD } from '../constants';
import { encodeFrame, type Frame, type FrameError } from '../frame';
import { SerialLine } from '../line';
import { encodeJson } from '../messages';
import { isFrameError } from '../parser';
import { FrameWriter } from '../writer';

export interface Received extends Frame {
  at: number;
}

/** A step of the kit waited in vain: the statements after it cannot be checked. */
export class Timeout extends Error {}

/**
 * The conformance kit's end of the line: the gateway's own codec on a real serial port, with
 * every frame from the dock kept in arrival order so a script can wait for the one it needs, and
 * a hand-driven gateway side (sequence numbers, ACKs) that can also misbehave on purpose.
 */
export class Probe {
  readonly badPackets: FrameError[] = [];
  readonly heartbeats: Array<{ at: number; linked: boolean | undefined }> = [];
  /** The next seq expected from the dock, and the next seq this side sends. */
  expect = 0;
  gseq = 0;
  private inbox: Received[] = [];
  private wake: (() => void) | undefined;
  private writer: FrameWriter | undefined;
  private readonly line: SerialLine;

  /** Whether this side considers the link up: what its heartbeats say. */
  private isLinked = false;
  /** Why the port last closed or would not open, for a step that waits in vain. */
  lineTrouble: string | undefined;
  private beat: NodeJS.Timeout | undefined;

  constructor(
    path: string,
    baudRate: number,
    private readonly heartbeatMs: number,
  ) {
    this.line = new SerialLine({
      path,
      baudRate,
      reopenMinMs: 250,
      reopenMaxMs: 2000,
      presenceMs: 1000,
      makeWriter: () => (this.writer = new FrameWriter()),
    });
    // As the gateway does: a dock still linked to whoever had the port before starts again with HELLO.
    this.line.on('open', () => this.sendLink(FrameType.HEARTBEAT, { linked: false }));
    this.line.on('down', (reason) => (this.lineTrouble = reason));
    this.line.on('item', (item) => {
      if (isFrameError(item)) {
        // Empty or sub-header packets are idle-line noise; the kit counts what claims to be a frame.
        if (item.raw.length > 0) this.badPackets.push(item);
        return;
      }
      if (item.type === FrameType.HEARTBEAT) {
        this.heartbeats.push({ at: Date.now(), linked: jsonField(item.payload, 'linked') as boolean | undefined });
        return;
      }
      this.inbox.push({ ...item, at: Date.now() });
      this.wake?.();
    });
  }

  /** Heartbeats every period, as a gateway sends them, so a dock never sees this side go silent. */
  start(): Promise<void> {
    this.beat = setInterval(() => this.sendLink(FrameType.HEARTBEAT, { linked: this.isLinked }), this.heartbeatMs);
    return this.line.start();
  }

  stop(): Promise<void> {
    clearInterval(this.beat);
    return this.line.stop();
  }

  /** Tells the dock this side has no link (HEARTBEAT {linked:false}); it should restart with HELLO. */
  unlink(): void {
    this.isLinked = false;
    this.sendLink(FrameType.HEARTBEAT, { linked: false });
  }

  /** The first frame (oldest first) that matches, removed from the inbox; undefined after `ms`. */
  async next(pred: (f: Received) => boolean, ms: number): Promise<Received | undefined> {
    const until = Date.now() + ms;
    for (;;) {
      const at = this.inbox.findIndex(pred);
      if (at >= 0) return this.inbox.splice(at, 1)[0];
      const left = until - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  async must(pred: (f: Received) => boolean, ms: number, what: string): Promise<Received> {
    const f = await this.next(pred, ms);
    if (!f) throw new Timeout(`no ${what} within ${ms} ms${this.lineTrouble ? `; serial line: ${this.lineTrouble}` : ''}`);
    return f;
  }

  drop(pred: (f: Received) => boolean): Received[] {
    const gone = this.inbox.filter(pred);
    this.inbox = this.inbox.filter((f) => !pred(f));
    return gone;
  }

  /** Returns a frame taken with `next` to the front of the inbox. */
  putBack(f: Received): void {
    this.inbox.unshift(f);
  }

  sendLink(type: number, payload: unknown): void {
    this.line.writeFrame(type, 0, encodeJson(payload));
  }

  /** A seq frame with the next seq (or `seq` to send one out of order on purpose). */
  sendSeq(type: number, payload: unknown, seq = this.gseq): number {
    this.line.writeFrame(type, seq, encodeJson(payload));
    if (seq === this.gseq) this.gseq = (this.gseq + 1) % SEQ_MOD;
    return seq;
  }

  /** A frame whose CRC is wrong (its last byte flipped), SLIP-framed as usual. */
  sendDamaged(type: number, seq: number, payload: unknown): void {
    const bytes = encodeFrame(type, seq, encodeJson(payload));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    this.writer?.write(bytes);
  }

  /** The receiving half of section 3 for the dock's seq frames: ACK the next, re-ACK repeats, NAK a gap. */
  accept(f: Received, ack: Record<string, number> = {}): 'next' | 'again' | 'gap' {
    if (f.seq === this.expect) {
      this.expect = (this.expect + 1) % SEQ_MOD;
      this.sendLink(FrameType.ACK, { seq: f.seq, ...ack });
      return 'next';
    }
    if ((this.expect - f.seq + SEQ_MOD) % SEQ_MOD <= SEQ_MOD / 2) {
      this.sendLink(FrameType.ACK, { seq: f.seq });
      return 'again';
    }
    this.sendLink(FrameType.NAK, { seq: f.seq, reason: 4, expect: this.expect });
    return 'gap';
  }

  /** A new link: both sides number from 0 again. */
  linked(nonce: number, window: number): void {
    this.expect = 0;
    this.gseq = 0;
    this.isLinked = true;
    this.inbox = this.inbox.filter((f) => f.type === FrameType.HELLO);
    this.sendLink(FrameType.HELLO_ACK, { nonce, window });
  }
}

/** One field of a JSON payload, or undefined; for frames the kit reads before judging their schema. */
export function jsonField(payload: Buffer, key: string): unknown {
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}
