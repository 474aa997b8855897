import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ArqReceiver, ArqSender, LinkReset } from '../../devices/dock/arq';
import { DATA_HEADER_LEN, FrameType, HEADER_LEN, MISSED_HEARTBEATS, NakCode } from '../../devices/dock/constants';
import { SerialLine } from '../../devices/dock/line';
import { Ack, EraseOk, FileDone, FileReq, HelloAck, Heartbeat, Nak, decodeJson, encodeJson } from '../../devices/dock/messages';
import { isFrameError, type ParsedItem } from '../../devices/dock/parser';
import { FaultInjector, type FaultState } from './faults';
import { Mailbox, type Mail } from './mailbox';
import { SimFrameWriter } from './wire';

export interface SimLinkOptions {
  path: string;
  baudRate: number;
  hello: { dockId: string; fw: string; bays: number };
  retransmitMs: number;
  maxTries: number;
  heartbeatMs: number;
  window: number;
  reopenMs: number;
  faults: FaultState;
  log: (msg: string) => void;
}

/**
 * The dock's end of the link: HELLO until answered, heartbeats, go-back-N out, in-order mail in.
 * A reset (retries spent, silence, port closed, gateway says it is not linked) fails every wait
 * so the offload script starts again from HELLO.
 */
export class SimLink extends EventEmitter<{ link: [boolean] }> {
  /** DATA payload bytes put on the wire, retransmissions included. */
  bytesSent = 0;
  readonly stats = { linkResets: 0, naksIn: 0, framesOut: 0 };
  readonly mail = new Mailbox();
  private readonly line: SerialLine;
  private readonly sender: ArqSender;
  private readonly receiver = new ArqReceiver();
  private linked = false;
  private nonce = 0;
  private lastRx = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SimLinkOptions) {
    super();
    const tap = (): FaultInjector => new FaultInjector(opts.faults);
    // Its own encoder (wire.ts), not the gateway's: the simulator must not share the code under test.
    this.line = new SerialLine({
      path: opts.path,
      baudRate: opts.baudRate,
      reopenMinMs: opts.reopenMs,
      reopenMaxMs: opts.reopenMs,
      presenceMs: 200,
      tapOut: tap,
      tapIn: tap,
      makeWriter: () => new SimFrameWriter(),
    });
    this.line.on('item', (item) => this.onItem(item));
    this.line.on('down', (reason) => this.reset(reason));
    this.sender = new ArqSender({
      window: opts.window,
      retransmitMs: opts.retransmitMs,
      maxTries: opts.maxTries,
      write: (type, seq, payload) => this.write(type, seq, payload),
      onFail: (reason) => this.reset(reason),
    });
  }

  get isLinked(): boolean {
    return this.linked;
  }

  async start(): Promise<void> {
    this.heartbeat = setInterval(() => this.tick(), this.opts.heartbeatMs);
    await this.line.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.reset('stopped');
    await this.line.stop();
  }

  /** Resolves once a HELLO_ACK for a fresh nonce has arrived. */
  async handshake(stopped: () => boolean): Promise<void> {
    this.nonce = randomInt(0xffffffff);
    while (!this.linked) {
      if (stopped()) throw new LinkReset('stopped');
      this.writeLink(FrameType.HELLO, { ...this.opts.hello, nonce: this.nonce });
      await this.mail.idle(this.opts.retransmitMs);
    }
  }

  /** The offload script runs between awaits; a reset in between must not leave it talking to nobody. */
  ensureLinked(): void {
    if (!this.linked) throw new LinkReset('link lost');
  }

  send(type: number, payload: unknown): void {
    this.sender.enqueue(type, Buffer.isBuffer(payload) ? payload : encodeJson(payload));
  }

  whenWritable(): Promise<void> {
    return this.sender.whenWritable();
  }

  reset(reason: string): void {
    if (this.linked) {
      this.stats.linkResets++;
      this.opts.log(`link reset: ${reason}`);
      this.emit('link', false);
    }
    this.linked = false;
    this.sender.reset(reason);
    this.receiver.reset();
    this.mail.fail(new LinkReset(reason));
  }

  private write(type: number, seq: number, payload: Buffer): void {
    if (!this.line.isOpen) return;
    if (type === FrameType.DATA) this.bytesSent += payload.length - DATA_HEADER_LEN;
    this.stats.framesOut++;
    this.line.writeFrame(type, seq, payload);
  }

  private writeLink(type: number, payload: unknown): void {
    this.write(type, 0, encodeJson(payload));
  }

  private tick(): void {
    this.writeLink(FrameType.HEARTBEAT, { linked: this.linked });
    if (this.linked && Date.now() - this.lastRx > MISSED_HEARTBEATS * this.opts.heartbeatMs) this.reset('heartbeat timeout');
  }

  private onItem(item: ParsedItem): void {
    if (isFrameError(item)) {
      if (this.linked && item.raw.length >= HEADER_LEN) this.writeLink(FrameType.NAK, { seq: item.seq ?? 0, reason: NakCode[item.reason] });
      return;
    }
    this.lastRx = Date.now();
    const { type, seq, payload } = item;
    if (type === FrameType.HELLO_ACK) {
      const m = decodeJson(HelloAck, payload);
      if (m.ok && !this.linked && m.value.nonce === this.nonce) {
        this.linked = true;
        this.sender.setWindow(m.value.window);
        this.emit('link', true);
        this.mail.poke();
      }
      return;
    }
    if (type === FrameType.HEARTBEAT) {
      const m = decodeJson(Heartbeat, payload);
      if (m.ok && !m.value.linked && this.linked) this.reset('gateway is not linked');
      return;
    }
    if (!this.linked) return;
    if (type === FrameType.ACK || type === FrameType.NAK) return this.onAckNak(type, payload);
    const kind = this.receiver.classify(seq);
    if (kind === 'dup') return this.writeLink(FrameType.ACK, { seq });
    if (kind === 'ahead') {
      if (this.receiver.shouldNakGap()) this.writeLink(FrameType.NAK, { seq, reason: NakCode.order, expect: this.receiver.expected });
      return;
    }
    this.receiver.accept({ seq });
    this.writeLink(FrameType.ACK, { seq });
    const mail = parseMail(type, payload);
    if (mail) this.mail.put(mail);
  }

  private onAckNak(type: number, payload: Buffer): void {
    if (type === FrameType.ACK) {
      const m = decodeJson(Ack, payload);
      if (m.ok) this.sender.onAck(m.value.seq);
      return;
    }
    const m = decodeJson(Nak, payload);
    this.stats.naksIn++;
    if (m.ok) this.sender.onNak(m.value.seq, m.value.reason, m.value.expect);
  }
}

function parseMail(type: number, payload: Buffer): Mail | undefined {
  if (type === FrameType.FILE_REQ) {
    const m = decodeJson(FileReq, payload);
    return m.ok ? { type: 'req', ...m.value } : undefined;
  }
  if (type === FrameType.FILE_DONE) {
    const m = decodeJson(FileDone, payload);
    return m.ok ? { type: 'done', ...m.value } : undefined;
  }
  if (type === FrameType.ERASE_OK) {
    const m = decodeJson(EraseOk, payload);
    return m.ok ? { type: 'erase', ...m.value } : undefined;
  }
  return undefined;
}
