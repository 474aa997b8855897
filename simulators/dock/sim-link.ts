import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { FrameType, MISSED_HEARTBEATS, NakCode } from '../../devices/dock/constants';
import { FaultInjector, type FaultState } from './faults';
import { Mailbox, type Mail } from './mailbox';
import { SimLinkReset, SimReceiver, SimSender } from './sim-arq';
import { SimLine } from './sim-line';
import { SimAck, SimEraseOk, SimFileDone, SimFileReq, SimHeartbeat, SimHelloAck, SimNak, simJson, simParse } from './sim-messages';
import { isBadPacket, simDecodePacket } from './wire';

export interface SimLinkOptions {
  path: string;
  baudRate: number;
  hello: { dockId: string; fw: string; bays: number };
  /** The versions this dock lists in HELLO; undefined: a version 1 dock, which sends no `versions`. */
  versions?: number[] | undefined;
  retransmitMs: number;
  maxTries: number;
  heartbeatMs: number;
  window: number;
  /** The most frames this dock keeps unacknowledged on a version 2 link. */
  windowV2: number;
  reopenMs: number;
  faults: FaultState;
  log: (msg: string) => void;
}

/**
 * The dock's end of the link (PROTOCOL.md section 3): HELLO until answered, heartbeats,
 * go-back-N out, in-order mail in. Everything here (line, SLIP, frame decoding, ARQ, payload
 * checks) is the simulator's own, written from the document; only the numbers are shared.
 * A reset (retries spent, silence, port closed, gateway says it is not linked) fails every wait
 * so the offload script starts again from HELLO.
 */
export class SimLink extends EventEmitter<{ link: [boolean] }> {
  /** DATA payload bytes put on the wire, retransmissions included. */
  bytesSent = 0;
  readonly stats = { linkResets: 0, naksIn: 0, framesOut: 0 };
  readonly mail = new Mailbox();
  private readonly line: SimLine;
  private readonly sender: SimSender;
  private readonly receiver = new SimReceiver();
  private linked = false;
  /** The version the gateway chose in HELLO_ACK; 1 while unlinked (HELLO and HELLO_ACK are version 1 frames). */
  private ver = 1;
  /** Refusals of the link itself (NAK 11 wrong dock, NAK 13 no version in common), by reason: tests read them. */
  readonly refusals: number[] = [];
  private nonce = 0;
  private lastRx = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SimLinkOptions) {
    super();
    const tap = (): FaultInjector => new FaultInjector(opts.faults);
    this.line = new SimLine({ path: opts.path, baudRate: opts.baudRate, reopenMs: opts.reopenMs, presenceMs: 200, tapOut: tap, tapIn: tap });
    this.line.on('packet', (p) => this.onPacket(p));
    this.line.on('down', (reason) => this.reset(reason));
    this.sender = new SimSender({
      window: opts.window,
      retransmitMs: opts.retransmitMs,
      maxTries: opts.maxTries,
      write: (type, seq, payload) => this.write(type, seq, payload),
      onGiveUp: (reason) => this.reset(reason),
    });
  }

  get isLinked(): boolean {
    return this.linked;
  }

  get version(): number {
    return this.ver;
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

  /** Resolves once a HELLO_ACK for a fresh nonce has arrived; HELLO is resent every retransmit interval until then. */
  async handshake(stopped: () => boolean): Promise<void> {
    this.nonce = randomInt(0xffffffff);
    while (!this.linked) {
      if (stopped()) throw new SimLinkReset('stopped');
      const { versions } = this.opts;
      this.writeLink(FrameType.HELLO, { ...this.opts.hello, nonce: this.nonce, ...(versions ? { versions } : {}) });
      await this.mail.idle(this.opts.retransmitMs);
    }
  }

  /** The offload script runs between awaits; a reset in between must not leave it talking to nobody. */
  ensureLinked(): void {
    if (!this.linked) throw new SimLinkReset('link lost');
  }

  /** A seq frame: JSON for control, the binary DATA payload as a Buffer. */
  send(type: number, payload: unknown): void {
    this.sender.send(type, Buffer.isBuffer(payload) ? payload : simJson(payload));
  }

  whenWritable(): Promise<void> {
    return this.sender.room();
  }

  reset(reason: string): void {
    if (this.linked) {
      this.stats.linkResets++;
      this.opts.log(`link reset: ${reason}`);
      this.emit('link', false);
    }
    this.linked = false;
    this.ver = 1;
    this.sender.clear(reason);
    this.receiver.clear();
    this.mail.fail(new SimLinkReset(reason));
  }

  private write(type: number, seq: number, payload: Buffer): void {
    if (!this.line.isOpen) return;
    if (type === FrameType.DATA) this.bytesSent += payload.length - 8;
    this.stats.framesOut++;
    // HELLO always as version 1, so that any gateway can read it; the rest in the link's version.
    this.line.writeFrame(type, seq, payload, type === FrameType.HELLO ? 1 : this.ver);
  }

  private writeLink(type: number, payload: unknown): void {
    this.write(type, 0, simJson(payload));
  }

  private tick(): void {
    this.writeLink(FrameType.HEARTBEAT, { linked: this.linked });
    if (this.linked && Date.now() - this.lastRx > MISSED_HEARTBEATS * this.opts.heartbeatMs) this.reset('heartbeat timeout');
  }

  private onPacket(packet: Buffer): void {
    // Version 1 frames are always read (a restarted gateway's HEARTBEAT {linked:false}); newer ones on a link of that version.
    const d = simDecodePacket(packet, this.ver);
    if (isBadPacket(d)) {
      // Shorter than a header: noise, no NAK. Otherwise NAK with the reason and the seq as read.
      if (this.linked && d.size >= 6) this.writeLink(FrameType.NAK, { seq: d.seq ?? 0, reason: NakCode[d.bad] });
      return;
    }
    this.lastRx = Date.now();
    const { type, seq, payload } = d;
    if (type === FrameType.HELLO_ACK) {
      const m = simParse(SimHelloAck, payload);
      if (m && !this.linked && m.nonce === this.nonce) {
        // No `version`: a gateway that predates version 2 (or a dock that listed none): version 1.
        const version = m.version ?? 1;
        if (!(this.opts.versions ?? [1]).includes(version)) {
          this.opts.log(`HELLO_ACK chose version ${version}, which this dock did not offer; not linking`);
          return;
        }
        this.linked = true;
        this.ver = version;
        this.sender.grant(m.window, version >= 2 ? this.opts.windowV2 : this.opts.window);
        this.emit('link', true);
        this.mail.poke();
      }
      return;
    }
    if (type === FrameType.HEARTBEAT) {
      const m = simParse(SimHeartbeat, payload);
      if (m && !m.linked && this.linked) this.reset('gateway is not linked');
      return;
    }
    if (!this.linked) {
      // A NAK to HELLO refuses the link (11 another dock id, 13 no version in common): keep trying, an installer must act.
      const m = type === FrameType.NAK ? simParse(SimNak, payload) : undefined;
      if (m && this.refusals.push(m.reason) === 1) this.opts.log(`HELLO refused with NAK ${m.reason}`);
      return;
    }
    if (type === FrameType.ACK) {
      const m = simParse(SimAck, payload);
      if (m) this.sender.ack(m.seq);
      return;
    }
    if (type === FrameType.NAK) {
      this.stats.naksIn++;
      const m = simParse(SimNak, payload);
      if (m) this.sender.nak(m.reason, m.expect);
      return;
    }
    // HELLO is the dock's own; a gateway never sends it. Everything else here is a seq frame.
    if (type === FrameType.HELLO) return;
    const kind = this.receiver.classify(seq);
    if (kind === 'again') return this.writeLink(FrameType.ACK, { seq });
    if (kind === 'gap') {
      if (this.receiver.firstOfGap()) this.writeLink(FrameType.NAK, { seq, reason: NakCode.order, expect: this.receiver.expect });
      return;
    }
    this.receiver.took(seq);
    this.writeLink(FrameType.ACK, { seq });
    // A seq frame with a bad payload is acknowledged (so it is not resent forever) and otherwise ignored.
    const mail = parseMail(type, payload);
    if (mail) this.mail.put(mail);
  }
}

function parseMail(type: number, payload: Buffer): Mail | undefined {
  if (type === FrameType.FILE_REQ) {
    const m = simParse(SimFileReq, payload);
    return m && { type: 'req', ...m };
  }
  if (type === FrameType.FILE_DONE) {
    const m = simParse(SimFileDone, payload);
    return m && { type: 'done', ...m };
  }
  if (type === FrameType.ERASE_OK) {
    const m = simParse(SimEraseOk, payload);
    return m && { type: 'erase', ...m };
  }
  return undefined;
}
