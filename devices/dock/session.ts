import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ArqReceiver, ArqSender, type Answer } from './arq';
import {
  DEFAULT_BAUD,
  FrameType,
  HEADER_LEN,
  HEARTBEAT_MS,
  MAX_CHUNK,
  MAX_PROTOCOL_VERSION,
  MAX_TRIES,
  MAX_WINDOW,
  MISSED_HEARTBEATS,
  NakCode,
  PROTOCOL_VERSION,
  PROTOCOL_VERSIONS,
  RETRANSMIT_MS,
  SEQ_MOD,
  V2_MAX_CHUNK,
  V2_MAX_WINDOW,
} from './constants';
import { isSequenced, typeName } from './frame-types';
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
  /** The window granted to a version 1 dock (at most MAX_WINDOW). */
  window?: number;
  /** The window granted to a version 2 dock (at most V2_MAX_WINDOW). */
  windowV2?: number;
  /** The protocol versions offered to docks (default: all this gateway speaks); tests narrow it. */
  versions?: readonly number[];
  reopenMinMs?: number;
  reopenMaxMs?: number;
  progressMs?: number;
  /** How often to check that the device node is still there (see presence.ts). */
  presenceMs?: number;
  /** How long a DATA frame may wait for the rest of the dock's window before it is written and synced. */
  gatherMs?: number;
  /** Version 2: how long after the last DATA frame that arrived a gather still waits for the rest of the window. */
  gatherMsV2?: number;
}

/** Frames the dock sends that must be handled in order, one at a time. */
const INBOUND = new Set<number>([FrameType.HELLO, FrameType.DOCK_EVENT, FrameType.FILE_OFFER, FrameType.DATA, FrameType.FILE_END]);
/** Liveness checks per heartbeat period: the link is declared down at most a tenth of a period late. */
export const LIVENESS_CHECKS = 10;
/** Consecutive DATA frames written with one fdatasync on a version 1 link; the dock's window bounds it anyway. Version 2: what has arrived of the window (syncBatch). */
const MAX_BATCH = 16;

/** The highest version both sides speak, or undefined; a HELLO without `versions` is a version 1 dock. */
export function negotiateVersion(offered: readonly number[] | undefined, ours: readonly number[]): number | undefined {
  const theirs = offered ?? [PROTOCOL_VERSION];
  const common = theirs.filter((v) => ours.includes(v));
  return common.length ? Math.max(...common) : undefined;
}

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
  /** The protocol version of the current link (1 while unlinked: HELLO and HELLO_ACK are version 1 frames). */
  private version: number = PROTOCOL_VERSION;
  /** The window granted in the current link's HELLO_ACK. */
  private granted = 1;
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
      windowV2: V2_MAX_WINDOW,
      versions: PROTOCOL_VERSIONS,
      reopenMinMs: 250,
      reopenMaxMs: 10_000,
      progressMs: 250,
      presenceMs: 1000,
      gatherMs: 2,
      // Measured: at 2 ms a third of version 2's gathers ran out while the window was still coming
      // (an event loop that was busy for 2 ms runs the expired timer before it reads the frames
      // waiting in the PTY), and each cost a partial fdatasync. A real stall is rarer than that:
      // 10 ms is a few hundred frame times on a fast line, waited once before the estimate drops.
      gatherMsV2: 10,
      ...opts,
    };
    const { path, baudRate, reopenMinMs, reopenMaxMs, presenceMs } = this.cfg;
    this.line = new SerialLine({
      path,
      baudRate,
      bindings: opts.bindings,
      reopenMinMs,
      reopenMaxMs,
      presenceMs,
      logger: opts.logger,
      maxVersion: Math.max(...this.cfg.versions.filter((v) => v <= MAX_PROTOCOL_VERSION)),
    });
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
      maxChunk: () => (this.version >= 2 ? V2_MAX_CHUNK : MAX_CHUNK),
      progressMs: this.cfg.progressMs,
      logger: opts.logger,
    });
  }

  get isLinked(): boolean {
    return this.linked;
  }

  /** The protocol version of the current link (1 while unlinked). */
  get linkVersion(): number {
    return this.version;
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

  /** Every frame travels in the link's version; HELLO_ACK and anything sent while unlinked as version 1. */
  private writeFrame(type: number, seq: number, payload: Buffer, ver = this.version): void {
    this.line.writeFrame(type, seq, payload, ver);
  }

  private writeLink(type: number, payload: unknown, ver = this.version): void {
    this.writeFrame(type, 0, encodeJson(payload), ver);
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

  private emitLink(state: 'up' | 'down', reason: string, extra: { fw?: string; bays?: number; version?: number; window?: number } = {}): void {
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
    this.version = PROTOCOL_VERSION;
    this.granted = 1;
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
    const ver = item.ver ?? PROTOCOL_VERSION;
    if (ver !== PROTOCOL_VERSION && ver !== this.version) {
      // A frame of a version this link did not negotiate: what version 1 always called an unknown
      // version, journaled as noise. Linked, it gets NAK 3. Unlinked, it may be a dock still on a
      // link an earlier gateway process agreed (a restart): its seq frames also get the not-linked
      // nudge below, so it starts a new link at once.
      this.emit('event', {
        type: 'dock.malformed',
        dockId: this.opts.dockId,
        reason: `unknown: version ${ver} ${this.linked ? `on a version ${this.version} link` : 'while not linked'}`,
        rawHex: capHex(item.payload),
      });
      if (this.linked) {
        this.writeLink(FrameType.NAK, { seq: item.seq, reason: NakCode.unknown });
        return;
      }
      if (!isSequenced(item.type) || item.type === FrameType.HELLO) return;
    }
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
      if (unacked <= (this.version >= 2 ? this.granted : MAX_WINDOW) && unacked > this.dockWindow) this.dockWindow = unacked;
    }
    this.inbox.push(item);
    this.more?.();
    this.kick();
  }

  /**
   * How many DATA frames to gather before one write and fdatasync. Version 1: the dock's window.
   * Version 2: half of it. The dock sends nothing past its window until an ACK frees room, so
   * syncing whole windows kept the line, the dock and the gateway idle in turns: the dock
   * encoding a window while the gateway waited for it, then the gateway syncing it while the dock
   * waited for the ACK. Acknowledging each half as it becomes durable lets the dock send the
   * second half, and then the next window's first, while the gateway syncs (quick dock bench,
   * same machine and hour: 12.1 → 16.2 MB/s; quarters, 15.6). A half window is 127 KiB, still
   * enough bytes per fdatasync for the cost of the sync to stay small (PROTOCOL.md section 12).
   */
  private syncBatch(): number {
    return this.version >= 2 ? Math.ceil(this.dockWindow / 2) : this.dockWindow;
  }

  /**
   * Waits, at most gatherMs, until `frames` more are queued. Without it the receiver settles into
   * syncing alternate partial windows (one frame, then the three that came during its sync, ...),
   * since its ACK frees only part of the dock's window: twice the fdatasyncs for the same bytes.
   * Version 2's window takes longer than gatherMs to cross the line (254 KiB is ~10 ms at 24 MB/s),
   * so there the wait (gatherMsV2) counts from the last frame that arrived: a window still
   * streaming in is waited for, a dock that stopped sending is not.
   */
  private gather(frames: number): Promise<boolean> {
    const streaming = this.version >= 2;
    const ms = streaming ? this.cfg.gatherMsV2 : this.cfg.gatherMs;
    return new Promise((resolve) => {
      const done = (timedOut = false): void => {
        clearTimeout(timer);
        this.more = undefined;
        resolve(timedOut);
      };
      let timer = setTimeout(() => done(true), ms);
      this.more = () => {
        if (this.inbox.length >= frames) return done();
        if (streaming) {
          clearTimeout(timer);
          timer = setTimeout(() => done(true), ms);
        }
      };
      if (this.inbox.length >= frames) done();
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
    const want = this.syncBatch();
    if (f.type === FrameType.DATA && this.inbox.length + 1 < want) {
      if (await this.gather(want - 1)) {
        // The dock keeps fewer frames in flight than it did (its window shrank, or it is pacing
        // itself): believe what arrived, or every frame waits out the gather time from now on.
        this.stats.gatherTimeouts++;
        this.dockWindow = Math.max(1, this.inbox.length + 1);
      }
      if (epoch !== this.epoch) return;
    }
    const batch = [f];
    // Version 2: what has arrived of the window, half of it at least (syncBatch); version 1 as it always was.
    const maxBatch = this.version >= 2 ? this.granted : MAX_BATCH;
    for (let last = f; f.type === FrameType.DATA && batch.length < maxBatch;) {
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
    const version = negotiateVersion(hello.versions, this.cfg.versions);
    if (version === undefined) {
      // Nothing in common: linking would mean guessing at frame sizes and windows, so it is refused
      // until the dock (or this gateway) is upgraded. Like a wrong dock id, journaled once per fault.
      const reason = `HELLO: versions ${JSON.stringify(hello.versions)}, none of which this gateway speaks (${this.cfg.versions.join(', ')})`;
      const repeat = reason === this.badHello;
      this.badHello = reason;
      this.emit('event', { type: 'dock.malformed', dockId: this.opts.dockId, reason, rawHex: capHex(f.payload), ...(repeat ? { repeat } : {}) });
      this.writeLink(FrameType.NAK, { seq: f.seq, reason: NakCode.version }, PROTOCOL_VERSION);
      return;
    }
    this.badHello = undefined;
    const window = version >= 2 ? Math.min(this.cfg.windowV2, V2_MAX_WINDOW) : Math.min(this.cfg.window, MAX_WINDOW);
    // A version 1 dock gets exactly the HELLO_ACK it always got; a dock that listed versions learns the link's.
    const ack = hello.versions ? { nonce: hello.nonce, window, version } : { nonce: hello.nonce, window };
    // A repeated HELLO of the current link means our HELLO_ACK was lost: answer, do not reset.
    if (this.linked && hello.nonce === this.nonce && version === this.version) return this.writeLink(FrameType.HELLO_ACK, ack, PROTOCOL_VERSION);
    this.linkDown('dock restarted the link', false);
    this.linked = true;
    this.nonce = hello.nonce;
    this.bays = hello.bays;
    this.lastRx = Date.now();
    this.writeLink(FrameType.HELLO_ACK, ack, PROTOCOL_VERSION);
    this.version = version;
    this.granted = window;
    // Version 2 starts out trusting the grant: on a PTY or USB adapter a window arrives in reads of a
    // frame or two, and a window learnt from arrivals would never grow past what one read brings
    // (an fdatasync per 8 KiB). A dock that keeps fewer in flight shows it by a gather running out
    // of time, which lowers this to what arrived, as on version 1.
    if (version >= 2) this.dockWindow = window;
    this.emitLink('up', 'hello', { fw: hello.fw, bays: hello.bays, version, window });
  }
}
