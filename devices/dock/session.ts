import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ArqReceiver, ArqSender, type Answer } from './arq';
import { DEFAULT_BAUD, FrameType, HEADER_LEN, HEARTBEAT_MS, MAX_TRIES, MAX_WINDOW, MISSED_HEARTBEATS, NakCode, RETRANSMIT_MS, SEQ_MOD } from './constants';
import { typeName } from './frame-types';
import { capHex, type DockSessionEvent } from './events';
import type { Frame } from './frame';
import { Ack, Hello, Nak, decodeJson, encodeJson } from './messages';
import { SerialLine } from './line';
import { OffloadHandler } from './offload';
import { isFrameError, type ParsedItem } from './parser';
import { OfferRefused, type OffloadSink } from './sink';

export interface DockSessionOptions {
  path: string;
  dockId: string;
  sink: OffloadSink;
  logger?: Logger;
  baudRate?: number;
  /**
   * A serialport binding for tests, e.g. `SerialPortMock.binding`; the platform's by default.
   * Typed loosely because @serialport/bindings-interface ships no types for ESM importers.
   */
  bindings?: object;
  retransmitMs?: number;
  maxTries?: number;
  heartbeatMs?: number;
  window?: number;
  reopenMinMs?: number;
  reopenMaxMs?: number;
  progressMs?: number;
  /** How often to check that the device node is still there (see presence.ts). */
  presenceMs?: number;
  /** How long a DATA frame may wait for the rest of the dock's window before it is written and synced. */
  gatherMs?: number;
}

/** Frames the dock sends that must be handled in order, one at a time. */
const INBOUND = new Set<number>([FrameType.HELLO, FrameType.DOCK_EVENT, FrameType.FILE_OFFER, FrameType.DATA, FrameType.FILE_END]);
/** Liveness checks per heartbeat period: the link is declared down at most a tenth of a period late. */
export const LIVENESS_CHECKS = 10;
/** Consecutive DATA frames written with one fdatasync; the dock's window bounds it anyway. */
const MAX_BATCH = 16;

/**
 * The gateway side of one dock on one serial line. It answers the dock's HELLO, keeps the link
 * alive, and turns offers and chunks into calls on the sink, acknowledging nothing until the
 * sink says it is durable. See PROTOCOL.md.
 */
export class DockSession extends EventEmitter<{ event: [DockSessionEvent] }> {
  private readonly sender: ArqSender;
  private readonly receiver = new ArqReceiver();
  private readonly offload: OffloadHandler;
  private readonly line: SerialLine;
  private inbox: Frame[] = [];
  private draining: Promise<void> | undefined;
  private linked = false;
  /** Last state reported, so an outage is reported once however many reopen attempts it takes. */
  private reported: 'up' | 'down' | undefined;
  private nonce: number | undefined;
  /** The `bays` of the current link's HELLO. */
  private bays = 0;
  private epoch = 0;
  private lastRx = 0;
  private lastNudge = 0;
  /** The defect of the last malformed HELLO since the last good one: a dock retrying it is told once in the journal. */
  private badHello: string | undefined;
  /**
   * The most seq frames the dock has been seen to have unacknowledged: its window in practice
   * (1 for stop-and-wait). Learnt, because a dock may use less than the window it was granted.
   */
  private dockWindow = 1;
  /** Gathers that ran out of time: the dock had fewer frames in flight than estimated (tests read it). */
  readonly stats = { gatherTimeouts: 0 };
  private more: (() => void) | undefined;
  private stopped = true;
  private heartbeat: NodeJS.Timeout | undefined;
  private liveness: NodeJS.Timeout | undefined;
  private readonly cfg: Required<Omit<DockSessionOptions, 'logger' | 'bindings'>>;

  constructor(private readonly opts: DockSessionOptions) {
    super();
    this.cfg = {
      baudRate: DEFAULT_BAUD,
      retransmitMs: RETRANSMIT_MS,
      maxTries: MAX_TRIES,
      heartbeatMs: HEARTBEAT_MS,
      window: MAX_WINDOW,
      reopenMinMs: 250,
      reopenMaxMs: 10_000,
      progressMs: 250,
      presenceMs: 1000,
      gatherMs: 2,
      ...opts,
    };
    const { path, baudRate, reopenMinMs, reopenMaxMs, presenceMs } = this.cfg;
    this.line = new SerialLine({ path, baudRate, bindings: opts.bindings, reopenMinMs, reopenMaxMs, presenceMs, logger: opts.logger });
    this.line.on('item', (item) => this.onItem(item));
    this.line.on('down', (reason) => {
      this.linkDown(reason, true);
      this.emitLink('down', reason);
    });
    // A dock that still thinks it is linked to a previous gateway process re-sends HELLO on this.
    this.line.on('open', () => this.writeLink(FrameType.HEARTBEAT, { linked: false }));
    this.sender = new ArqSender({
      window: Math.min(this.cfg.window, MAX_WINDOW),
      retransmitMs: this.cfg.retransmitMs,
      maxTries: this.cfg.maxTries,
      write: (type, seq, payload) => this.writeFrame(type, seq, payload),
      onFail: (reason) => this.linkDown(`retries exhausted: ${reason}`, true),
    });
    this.offload = new OffloadHandler({
      dockId: opts.dockId,
      sink: opts.sink,
      emit: (ev) => this.emit('event', ev),
      send: (type, payload) => this.sender.enqueue(type, encodeJson(payload)),
      epoch: () => this.epoch,
      bays: () => this.bays,
      progressMs: this.cfg.progressMs,
      logger: opts.logger,
    });
  }

  get isLinked(): boolean {
    return this.linked;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.heartbeat = setInterval(() => this.tick(), this.cfg.heartbeatMs);
    // Checked at a tenth of the heartbeat, not at each heartbeat: a vendor reading "15 s" found
    // the link declared down anywhere from 15 to 20 s after the last frame.
    this.liveness = setInterval(() => this.checkLive(), Math.max(1, this.cfg.heartbeatMs / LIVENESS_CHECKS));
    await this.line.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.liveness);
    this.linkDown('stopped', true);
    await this.draining;
    await this.offload.idle();
    await this.line.stop();
  }

  private writeFrame(type: number, seq: number, payload: Buffer): void {
    this.line.writeFrame(type, seq, payload);
  }

  private writeLink(type: number, payload: unknown): void {
    this.writeFrame(type, 0, encodeJson(payload));
  }

  /** ACK, or for a refused frame NAK with its reason and `expect` past it (it is consumed, not applied). */
  private answer(a: Answer): void {
    const { refuse, ...ack } = a;
    if (refuse === undefined) this.writeLink(FrameType.ACK, ack);
    else this.writeLink(FrameType.NAK, { seq: a.seq, reason: refuse, expect: (a.seq + 1) % SEQ_MOD });
  }

  private tick(): void {
    this.writeLink(FrameType.HEARTBEAT, { linked: this.linked });
  }

  private checkLive(): void {
    if (this.linked && Date.now() - this.lastRx >= MISSED_HEARTBEATS * this.cfg.heartbeatMs) this.linkDown('heartbeat timeout', true);
  }

  private emitLink(state: 'up' | 'down', reason: string, extra: { fw?: string; bays?: number } = {}): void {
    if (state === 'down' && this.reported === 'down') return;
    this.reported = state;
    this.opts.logger?.info({ dockId: this.opts.dockId, state, reason }, 'dock link');
    this.emit('event', { type: 'dock.link', dockId: this.opts.dockId, state, reason, ...extra });
  }

  /** Forget the link: sequence numbers, window, half-done answers. Partial files stay in the sink. */
  private linkDown(reason: string, dropQueued: boolean): void {
    const wasLinked = this.linked;
    this.linked = false;
    this.nonce = undefined;
    this.epoch++;
    this.sender.reset(reason);
    this.receiver.reset();
    this.offload.reset();
    this.dockWindow = 1;
    if (dropQueued) this.inbox = [];
    if (wasLinked || reason === 'stopped') this.emitLink('down', reason);
  }

  private onItem(item: ParsedItem): void {
    if (isFrameError(item)) {
      this.emit('event', { type: 'dock.malformed', dockId: this.opts.dockId, reason: `${item.reason}: ${item.error}`, rawHex: capHex(item.raw) });
      // Pure line noise has no sender to tell; a damaged frame does.
      if (this.linked && item.raw.length >= HEADER_LEN) this.writeLink(FrameType.NAK, { seq: item.seq ?? 0, reason: NakCode[item.reason] });
      return;
    }
    this.lastRx = Date.now();
    if (item.type === FrameType.ACK || item.type === FrameType.NAK) {
      if (!this.linked) return;
      if (item.type === FrameType.ACK) {
        const m = decodeJson(Ack, item.payload);
        if (m.ok) this.sender.onAck(m.value.seq);
      } else {
        const m = decodeJson(Nak, item.payload);
        if (m.ok) this.sender.onNak(m.value.seq, m.value.reason, m.value.expect);
      }
      return;
    }
    if (item.type === FrameType.HEARTBEAT) return;
    if (!INBOUND.has(item.type)) {
      this.emit('event', {
        type: 'dock.malformed',
        dockId: this.opts.dockId,
        reason: `${typeName(item.type)} is not sent by a dock`,
        rawHex: capHex(item.payload),
      });
      return;
    }
    if (this.linked && item.type !== FrameType.HELLO) {
      const unacked = ((item.seq - this.receiver.expected + SEQ_MOD) % SEQ_MOD) + 1;
      if (unacked <= MAX_WINDOW && unacked > this.dockWindow) this.dockWindow = unacked;
    }
    this.inbox.push(item);
    this.more?.();
    this.kick();
  }

  /**
   * Waits, at most gatherMs, until `frames` more are queued. Without it the receiver settles into
   * syncing alternate partial windows (one frame, then the three that came during its sync, ...),
   * since its ACK frees only part of the dock's window: twice the fdatasyncs for the same bytes.
   */
  private gather(frames: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (timedOut = false): void => {
        clearTimeout(timer);
        this.more = undefined;
        resolve(timedOut);
      };
      const timer = setTimeout(() => done(true), this.cfg.gatherMs);
      this.more = () => {
        if (this.inbox.length >= frames) done();
      };
      this.more();
    });
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain()
      .catch((err: unknown) => this.opts.logger?.error({ err }, 'dock inbound processing failed'))
      .finally(() => {
        this.draining = undefined;
        if (this.inbox.length > 0 && !this.stopped) this.kick();
      });
  }

  private async drain(): Promise<void> {
    for (let f = this.inbox.shift(); f; f = this.inbox.shift()) await this.process(f);
  }

  private async process(f: Frame): Promise<void> {
    if (f.type === FrameType.HELLO) return this.onHello(f);
    if (!this.linked) {
      if (Date.now() - this.lastNudge >= this.cfg.retransmitMs) {
        this.lastNudge = Date.now();
        this.writeLink(FrameType.HEARTBEAT, { linked: false });
      }
      return;
    }
    const kind = this.receiver.classify(f.seq);
    if (kind === 'dup') return this.answer(this.receiver.ackFor(f.seq));
    if (kind === 'ahead') {
      if (this.receiver.shouldNakGap()) this.writeLink(FrameType.NAK, { seq: f.seq, reason: NakCode.order, expect: this.receiver.expected });
      return;
    }
    const epoch = this.epoch;
    if (f.type === FrameType.DATA && this.inbox.length + 1 < this.dockWindow) {
      if (await this.gather(this.dockWindow - 1)) {
        // The dock keeps fewer frames in flight than it did (its window shrank, or it is pacing
        // itself): believe what arrived, or every frame waits out the gather time from now on.
        this.stats.gatherTimeouts++;
        this.dockWindow = Math.max(1, this.inbox.length + 1);
      }
      if (epoch !== this.epoch) return;
    }
    const batch = [f];
    for (let last = f; f.type === FrameType.DATA && batch.length < MAX_BATCH;) {
      const next = this.inbox[0];
      if (next?.type !== FrameType.DATA || next.seq !== (last.seq + 1) % SEQ_MOD) break;
      batch.push((last = this.inbox.shift() as Frame));
    }
    let acks;
    try {
      acks = await this.offload.handle(batch);
    } catch (err) {
      const full = err instanceof OfferRefused;
      if (full) this.opts.logger?.warn({ err: err.message, seq: f.seq }, 'offer refused: no space for it');
      else this.opts.logger?.error({ err, type: typeName(f.type), seq: f.seq }, 'could not apply a dock frame; asking the dock to wait');
      if (epoch === this.epoch) this.writeLink(FrameType.NAK, { seq: f.seq, reason: full ? NakCode.noSpace : NakCode.busy });
      // Unapplied frames behind this one are resent by the dock after the NAK.
      return;
    }
    if (epoch !== this.epoch) return;
    for (const a of acks) this.receiver.accept(a);
    // Each refusal is told (its `expect` acknowledges everything before it); the last ACK covers the rest.
    for (const a of acks) if (a.refuse !== undefined) this.answer(a);
    const last = acks[acks.length - 1];
    if (last && last.refuse === undefined) this.answer(last);
  }

  private onHello(f: Frame): void {
    const m = decodeJson(Hello, f.payload);
    if (!m.ok) {
      const reason = `HELLO: ${m.error}`;
      const repeat = reason === this.badHello;
      this.badHello = reason;
      this.emit('event', { type: 'dock.malformed', dockId: this.opts.dockId, reason, rawHex: capHex(f.payload), ...(repeat ? { repeat } : {}) });
      // Silence would leave the dock retrying HELLO forever without knowing why.
      this.writeLink(FrameType.NAK, { seq: f.seq, reason: NakCode.payload });
      return;
    }
    const hello = m.value;
    if (hello.dockId !== this.opts.dockId) {
      // Another dock on this line (cables swapped, a dock misconfigured): its recordings would be
      // filed under the wrong dock, so it is refused until the configuration or the cable is fixed.
      const reason = `HELLO: dock id ${hello.dockId}, but this line is configured for ${this.opts.dockId}`;
      const repeat = reason === this.badHello;
      this.badHello = reason;
      this.emit('event', { type: 'dock.malformed', dockId: this.opts.dockId, reason, rawHex: capHex(f.payload), ...(repeat ? { repeat } : {}) });
      this.writeLink(FrameType.NAK, { seq: f.seq, reason: NakCode.dockId });
      return;
    }
    this.badHello = undefined;
    const window = Math.min(this.cfg.window, MAX_WINDOW);
    // A repeated HELLO of the current link means our HELLO_ACK was lost: answer, do not reset.
    if (this.linked && hello.nonce === this.nonce) return this.writeLink(FrameType.HELLO_ACK, { nonce: hello.nonce, window });
    this.linkDown('dock restarted the link', false);
    this.linked = true;
    this.nonce = hello.nonce;
    this.bays = hello.bays;
    this.lastRx = Date.now();
    this.writeLink(FrameType.HELLO_ACK, { nonce: hello.nonce, window });
    this.emitLink('up', 'hello', { fw: hello.fw, bays: hello.bays });
  }
}
