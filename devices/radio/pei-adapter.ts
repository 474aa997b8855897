// A TETRA control station on a serial line, as a stream of normalised radio events.
// The link is expected to fail: USB adapters vanish, radios reboot, modems stop answering.
// So everything hangs off a "generation": each (re)connection gets a fresh port, parser
// and command queue, and any callback from an older generation is ignored.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { SerialPortStream } from '@serialport/stream';
import { serialPort } from '../serial/direct-read';
import { CommandError, CommandQueue, type CommandResult, type CommandSpec } from './pei/command-queue';
import { CMGS_STATUS } from './pei/constants';
import { encodeSdsTlAck, encodeSdsTlConcatPart, encodeSdsTlReport, encodeSdsTlTransfer, sdsTextProblem, splitText, type EncodedSds } from './pei/encode';
import { PeiLineParser, type LineItem } from './pei/line-parser';
import { runStartup } from './pei/startup';
import { parseLine } from './pei/urc';
import { cmgsCommand, formatCmgs, formatCmgsBody, formatCmgsHead } from './pei/writer';
import { PeiInbound } from './pei-inbound';
import type { ReportReply } from './sds-events';
import { validateEvent, type RadioEvent } from './types';

/**
 * A serialport binding, e.g. MockBinding from @serialport/binding-mock in tests. Typed
 * loosely because @serialport/bindings-interface publishes no types for ESM resolution.
 */
export type PortBinding = object;

export interface PeiAdapterOptions {
  path: string;
  baudRate?: number;
  logger?: Logger;
  /** Probe with `AT` after this much silence from the radio. */
  keepaliveIdleMs?: number;
  /** No answer to the probe within this marks the link down. */
  keepaliveTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Deadline for commands other than the keepalive probe. */
  commandTimeoutMs?: number;
  /** How long CMGS waits for the `> ` prompt before sending the data anyway. */
  cmgsPromptWaitMs?: number;
  /** Answer SDS-TL texts that ask for a delivery report (the gateway is the consumer). */
  acknowledgeTexts?: boolean;
  /** Start-up commands this radio may refuse, as sent (e.g. "AT+CTOM?"); all others are required. */
  optionalCommands?: readonly string[];
  /** Talkgroups (GSSI) selected with AT+CTGS at start-up. */
  talkgroups?: readonly number[];
  /** How long the first part of an inbound concatenated text waits for the rest. Default 60 s. */
  concatTimeoutMs?: number;
  /** ISSI ranges this station serves, [from, to] inclusive; traffic from others is quarantined. Empty: any. */
  issiRanges?: ReadonlyArray<readonly [number, number]>;
  bindings?: PortBinding;
  now?: () => Date;
}

export interface SendTextOptions {
  /** Ask the destination for an SDS-REPORT (arrives as a radio.receipt event). Default true. */
  requestReport?: boolean;
}

/**
 * A send the radio refused or could not make, with the reason a controller should see:
 * `+CME ERROR: 37`, `+CMGS status 5 (failed)`, `radio link is down`, or the size limit.
 */
export class SendError extends Error {
  constructor(
    readonly reason: string,
    /** True when nothing reached the radio because the link was down: worth queueing. */
    readonly linkDown = false,
  ) {
    super(reason);
    this.name = 'SendError';
  }
}

type Settings = Required<Omit<PeiAdapterOptions, 'logger' | 'bindings'>> & { bindings: PortBinding | undefined };

/** Counters for monitoring: what the station said and what we sent, since start. */
export interface PeiStats {
  /** When the radio last sent anything (ms since epoch), or null. */
  lastHeard: number | null;
  sdsIn: number;
  sdsOut: number;
  sendFailures: number;
  /** Lines no handler knows (a URC we do not use, a stray OK): counted, logged at debug. */
  unknownLines: number;
}

export class PeiAdapter extends EventEmitter<{ event: [RadioEvent] }> {
  /** Own ISSI from AT+CNUMF?, once the link has come up. */
  ownIssi: number | null = null;
  readonly stats: PeiStats = { lastHeard: null, sdsIn: 0, sdsOut: 0, sendFailures: 0, unknownLines: 0 };
  private readonly settings: Settings;
  private readonly log: Logger | undefined;
  private readonly inbound: PeiInbound;
  private port: SerialPortStream | null = null;
  private parser: PeiLineParser | null = null;
  private queue: CommandQueue | null = null;
  private generation = 0;
  private running = false;
  private link: 'up' | 'down' | null = null;
  private attempt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastMsgRef = 0;
  /** SDS instance (from +CMGS) → what we sent, so an unsolicited +CMGS failure names its message. */
  private readonly sent = new Map<number, { to: number; msgRef: number }>();
  /** ISSIs sent to lately, whose reports are accepted even from outside the station's ranges. */
  private readonly destinations = new Set<number>();
  /**
   * Pacing learnt from the radio: null until a CMGS shows whether this MT prompts with `> `.
   * One that does is waited for; one that does not gets the user data with the command, so no
   * send pays the prompt wait (500 ms each caps an alert at ~110 radios in 60 s).
   */
  private mtPrompts: boolean | null = null;

  constructor(options: PeiAdapterOptions) {
    super();
    this.settings = {
      baudRate: 115200,
      keepaliveIdleMs: 10_000,
      keepaliveTimeoutMs: 2_000,
      reconnectMinMs: 500,
      reconnectMaxMs: 10_000,
      commandTimeoutMs: 5_000,
      cmgsPromptWaitMs: 500,
      acknowledgeTexts: true,
      optionalCommands: [],
      talkgroups: [],
      concatTimeoutMs: 60_000,
      issiRanges: [],
      now: () => new Date(),
      ...options,
      bindings: options.bindings,
    };
    this.log = options.logger?.child({ component: 'pei', path: options.path });
    this.inbound = new PeiInbound({
      queue: () => this.queue,
      ownIssi: () => this.ownIssi,
      emit: (ev) => this.emitEvent(ev),
      acknowledge: (reply) => this.acknowledge(reply),
      cmgsStatus: (line) => this.onCmgsStatus(line),
      unknown: () => void this.stats.unknownLines++,
      now: () => this.settings.now(),
      log: this.log,
      concatTimeoutMs: this.settings.concatTimeoutMs,
      issiRanges: this.settings.issiRanges,
      sentTo: (issi) => this.destinations.has(issi),
    });
  }

  get linkUp(): boolean {
    return this.link === 'up';
  }

  /**
   * Opens the port and runs the start-up sequence. Resolves after the first attempt
   * whatever its outcome: a missing port is retried in the background, never thrown.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.connect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.teardown('adapter stopped');
    this.inbound.close();
    if (this.link === 'up') this.setLink('down', 'adapter stopped');
  }

  /**
   * Send an SDS-TL text to an ISSI or a talkgroup GSSI; resolves once the MT accepted it. A text
   * longer than one SDS goes as concatenated parts (PI 0x8A), one AT+CMGS each: `parts` lists
   * their message references in order (each part has its own delivery report), `msgRef` is the
   * first. Above MAX_CONCAT_PARTS parts it is refused before anything is sent.
   */
  async sendText(to: number, text: string, options: SendTextOptions = {}): Promise<{ msgRef: number; parts: number[] }> {
    if (!Number.isInteger(to) || to < 0 || to > 0xffffff) throw new RangeError(`not an ISSI/GSSI: ${to}`);
    const report = options.requestReport === false ? 'none' : 'received';
    const problem = sdsTextProblem(text);
    if (problem) throw new SendError(problem);
    const { codingScheme, chunks } = splitText(text);
    if (chunks.length === 1) {
      const msgRef = this.allocMsgRef();
      let sds: EncodedSds;
      try {
        sds = encodeSdsTlTransfer({ msgRef, text, report });
      } catch (err) {
        throw new SendError(message(err));
      }
      await this.submitText(to, sds, msgRef);
      return { msgRef, parts: [msgRef] };
    }
    const refs = chunks.map(() => this.allocMsgRef());
    const concatRef = refs[0]!;
    for (const [i, bytes] of chunks.entries()) {
      const sds = encodeSdsTlConcatPart({ msgRef: refs[i]!, concatRef, total: chunks.length, seq: i + 1, codingScheme, bytes, report });
      try {
        await this.submitText(to, sds, refs[i]!);
      } catch (err) {
        if (!(err instanceof SendError)) throw err;
        // Only a first part that never left is worth holding for the link: later ones would be resent in full.
        throw new SendError(`part ${i + 1} of ${chunks.length}: ${err.reason}`, i === 0 && err.linkDown);
      }
    }
    return { msgRef: concatRef, parts: refs };
  }

  /** One AT+CMGS; a failure the MT reports at once (+CME ERROR, +CMGS status 5) is thrown. */
  private async submitText(to: number, sds: EncodedSds, msgRef: number): Promise<void> {
    this.destinations.delete(to);
    this.destinations.add(to);
    if (this.destinations.size > 4096) this.destinations.delete(this.destinations.values().next().value!);
    let info: string[];
    try {
      ({ info } = await this.submit(to, sds));
    } catch (err) {
      this.stats.sendFailures++;
      throw err;
    }
    this.stats.sdsOut++;
    for (const line of info) {
      const item = parseLine(line);
      if (item.kind !== 'cmgs') continue;
      // A late +CMGS for an earlier SDS can land inside this command's answer.
      if (this.sent.has(item.sdsInstance)) {
        this.onCmgsStatus(line);
        continue;
      }
      if (item.sdsStatus === CMGS_STATUS.FAILED) {
        this.stats.sendFailures++;
        throw new SendError(`+CMGS status ${item.sdsStatus} (failed)`);
      }
      this.sent.set(item.sdsInstance, { to, msgRef });
      // Instances recycle in the MT; keep only the recent ones.
      if (this.sent.size > 512) this.sent.delete(this.sent.keys().next().value!);
    }
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    try {
      await this.open(gen);
      await this.initialise(gen);
    } catch (err) {
      // A newer generation means the failure was already handled (timeout, close, stop).
      if (gen === this.generation && this.running) this.fail(`start-up failed: ${message(err)}`);
      return;
    }
    if (gen !== this.generation || !this.running) return;
    this.attempt = 0;
    this.setLink('up', 'start-up complete');
    this.armKeepalive();
  }

  private open(gen: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { path, baudRate, bindings } = this.settings;
      const port = serialPort({ path, baudRate }, bindings);
      port.on('error', (err) => this.onPortError(gen, port, err));
      port.open((err) => {
        if (err) return reject(err);
        if (gen !== this.generation || !this.running) {
          port.close(() => undefined);
          return reject(new Error('superseded'));
        }
        this.attach(gen, port);
        resolve();
      });
    });
  }

  private attach(gen: number, port: SerialPortStream): void {
    const parser = new PeiLineParser();
    this.port = port;
    this.parser = parser;
    this.queue = new CommandQueue({
      write: (bytes) => port.write(bytes),
      onTimeout: (err) => {
        if (gen === this.generation) this.fail(err.message);
      },
      promptWaitMs: this.settings.cmgsPromptWaitMs,
    });
    port.on('data', () => {
      if (gen !== this.generation) return;
      this.stats.lastHeard = this.settings.now().getTime();
      if (this.link === 'up') this.armKeepalive();
    });
    port.on('close', (err?: Error | null) => {
      if (gen === this.generation && this.running) this.fail(err ? `port disconnected: ${err.message}` : 'port closed');
    });
    parser.on('data', (item: LineItem) => {
      if (gen !== this.generation) return;
      if (item.kind === 'sds') this.stats.sdsIn++;
      this.inbound.handle(item);
    });
    port.pipe(parser);
  }

  private async initialise(gen: number): Promise<void> {
    const { keepaliveTimeoutMs: probeMs, commandTimeoutMs: commandMs } = this.settings;
    const { optionalCommands, talkgroups } = this.settings;
    const result = await runStartup((spec) => this.command(spec, gen), { probeMs, commandMs }, this.log, { optionalCommands, talkgroups });
    this.ownIssi = result.ownIssi;
    this.log?.info(result, 'control station initialised');
  }

  private command(spec: CommandSpec, gen = this.generation): Promise<CommandResult> {
    const q = this.queue;
    if (!q || gen !== this.generation) return Promise.reject(new Error('radio link is down'));
    return q.run(spec);
  }

  private async submit(to: number, sds: EncodedSds): Promise<CommandResult> {
    if (this.link !== 'up') throw new SendError('radio link is down', true);
    try {
      const oneWrite = this.mtPrompts === false;
      const result = await this.command({
        line: cmgsCommand(to, sds.bits),
        head: oneWrite ? formatCmgs(to, sds.pdu, sds.bits) : formatCmgsHead(to, sds.bits),
        ...(oneWrite ? {} : { body: formatCmgsBody(sds.pdu, sds.bits) }),
        expect: '+CMGS:',
        timeoutMs: this.settings.commandTimeoutMs,
      });
      if (result.prompted !== undefined) this.mtPrompts = result.prompted;
      return result;
    } catch (err) {
      // The MT's own words are the reason: "+CME ERROR: 37" is what an engineer looks up.
      if (err instanceof CommandError) throw new SendError(err.code === null ? 'ERROR' : `+CME ERROR: ${err.code}`);
      throw new SendError(message(err), this.link !== 'up');
    }
  }

  /** A +CMGS no command was waiting for: the final fate of an SDS already accepted. */
  private onCmgsStatus(line: string): void {
    const item = parseLine(line);
    if (item.kind !== 'cmgs') return;
    const sent = this.sent.get(item.sdsInstance);
    if (!sent) {
      this.log?.info({ line }, 'unsolicited +CMGS for an SDS we did not send');
      return;
    }
    if (item.sdsStatus !== CMGS_STATUS.FAILED) return;
    this.sent.delete(item.sdsInstance);
    this.stats.sendFailures++;
    this.emitEvent({
      type: 'radio.receipt',
      msgRef: sent.msgRef,
      issi: sent.to,
      status: 'failed',
      reason: `+CMGS status ${item.sdsStatus} (failed)`,
      raw: { line },
    });
  }

  private acknowledge(reply: ReportReply): void {
    if (!this.settings.acknowledgeTexts) return;
    const fields = { msgRef: reply.msgRef, deliveryStatus: reply.deliveryStatus };
    const sds = reply.form === 'ack' ? encodeSdsTlAck(fields) : encodeSdsTlReport(fields);
    this.submit(reply.to, sds).catch((err: unknown) => {
      this.log?.warn({ err: message(err), to: reply.to, msgRef: reply.msgRef, form: reply.form }, 'could not send SDS-TL reply');
    });
  }

  private armKeepalive(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.probe(), this.settings.keepaliveIdleMs);
  }

  private probe(): void {
    const q = this.queue;
    if (!q || this.link !== 'up') return;
    if (q.busy) return this.armKeepalive();
    // An answer re-arms the timer through the data handler; silence fails the link via onTimeout.
    q.run({ line: 'AT', timeoutMs: this.settings.keepaliveTimeoutMs }).catch(() => undefined);
  }

  private onPortError(gen: number, port: SerialPortStream, err: Error): void {
    this.log?.warn({ err: err.message }, 'serial port error');
    if (gen === this.generation && this.port === port && !port.isOpen) this.fail(`port error: ${err.message}`);
  }

  /** Link lost: drop this generation, tell the gateway, try again later. */
  private fail(reason: string): void {
    if (!this.running) return;
    this.generation++;
    this.setLink('down', reason);
    void this.teardown(reason);
    this.scheduleReconnect();
  }

  private async teardown(reason: string): Promise<void> {
    clearTimeout(this.idleTimer);
    this.queue?.close(new Error(`radio link down: ${reason}`));
    this.queue = null;
    this.mtPrompts = null; // a different radio may be plugged in next
    // Nobody can be shown as still talking once we can no longer hear the radio.
    this.inbound.reset();
    const { port, parser } = this;
    this.port = null;
    this.parser = null;
    if (parser) {
      port?.unpipe(parser);
      parser.destroy();
    }
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const { reconnectMinMs, reconnectMaxMs } = this.settings;
    const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(this.attempt, 20));
    // Said once per outage: a demo whose PEI port never appears must not log it every 10 s forever.
    if (this.attempt === 0) this.log?.warn({ path: this.settings.path, delay, maxDelay: reconnectMaxMs }, 'radio link down; retrying in the background');
    else this.log?.debug({ delay, attempt: this.attempt }, 'reconnecting');
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private setLink(state: 'up' | 'down', reason: string): void {
    if (this.link === state) return;
    this.link = state;
    this.log?.info({ state, reason }, 'radio link');
    this.emitEvent({ type: 'radio.link', state, reason });
  }

  private emitEvent(ev: RadioEvent): void {
    try {
      this.emit('event', validateEvent(ev));
    } catch (err) {
      this.log?.error({ err }, 'radio event listener threw');
    }
  }

  private allocMsgRef(): number {
    // 1-255: some MTs treat reference 0 as "none".
    this.lastMsgRef = (this.lastMsgRef % 255) + 1;
    return this.lastMsgRef;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
