import { EventEmitter } from 'node:events';
import type { Transform } from 'node:stream';
import type { SerialPortStream } from '@serialport/stream';
import type { Logger } from 'pino';
import { serialPort } from '../serial/direct-read';
import { pipeDockParser, type ParsedItem } from './parser';
import { deviceId, watchDevice } from './presence';
import { FrameWriter } from './writer';

export interface SerialLineOptions {
  path: string;
  baudRate: number;
  /** A serialport binding for tests (e.g. `SerialPortMock.binding`); loosely typed because its interface package ships no ESM types. */
  bindings?: object | undefined;
  reopenMinMs: number;
  reopenMaxMs: number;
  presenceMs: number;
  logger?: Logger | undefined;
  /** Inserted per connection: after the writer (SLIP packets out) and after the SLIP decoder (packets in). */
  tapOut?: () => Transform;
  tapIn?: () => Transform;
  /** Frames to SLIP bytes; the gateway's FrameWriter unless a simulator brings its own encoder. */
  makeWriter?: () => LineWriter;
  /** The newest frame version to decode (1 by default); see PROTOCOL.md section 12. */
  maxVersion?: number;
}

/** What the line needs of a frame writer: frames in, one SLIP packet per chunk out. */
export interface LineWriter extends Transform {
  writeFrame(type: number, seq: number, payload?: Buffer, ver?: number): boolean;
}

/**
 * A serial line that stays open: it reopens with exponential backoff whenever the port closes or
 * its device node goes away (cable pulled, USB adapter unplugged, PTY pair replaced), and hands
 * out frames. Everything above it (link state, sequence numbers) is the owner's business.
 */
export class SerialLine extends EventEmitter<{ open: []; down: [reason: string]; item: [ParsedItem] }> {
  private port: SerialPortStream | undefined;
  private writer: LineWriter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private failures = 0;
  private stopped = true;

  constructor(private readonly opts: SerialLineOptions) {
    super();
    this.delay = opts.reopenMinMs;
  }

  get isOpen(): boolean {
    return this.writer !== undefined;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const port = this.port;
    this.port = undefined;
    this.writer = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** Dropped silently while the line is down: the protocol above retransmits. */
  writeFrame(type: number, seq: number, payload: Buffer, ver?: number): boolean {
    return this.writer?.writeFrame(type, seq, payload, ver) !== undefined;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const { path, baudRate, bindings, logger } = this.opts;
    const port = serialPort({ path, baudRate }, bindings);
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      if (this.failures++ === 0) logger?.warn({ err, path }, 'cannot open serial port; retrying');
      this.emit('down', `cannot open ${path}: ${(err as Error).message}`);
      return this.retry();
    }
    const id = await deviceId(path);
    if (this.stopped) return new Promise((resolve) => port.close(() => resolve()));
    this.failures = 0;
    this.delay = this.opts.reopenMinMs;
    this.port = port;
    const unwatch = watchDevice(path, id, this.opts.presenceMs, () => {
      logger?.warn({ path }, 'serial device went away; closing the port');
      if (port.isOpen) port.close();
    });
    const writer = this.opts.makeWriter?.() ?? new FrameWriter();
    (this.opts.tapOut ? writer.pipe(this.opts.tapOut()) : writer).pipe(port);
    this.writer = writer;
    pipeDockParser(port, this.opts.tapIn?.(), this.opts.maxVersion).on('data', (item: ParsedItem) => {
      if (this.port === port) this.emit('item', item);
    });
    port.on('error', (err) => logger?.warn({ err, path }, 'serial port error'));
    port.once('close', () => {
      unwatch();
      if (this.port !== port) return;
      this.port = undefined;
      this.writer = undefined;
      writer.unpipe();
      this.emit('down', 'port closed');
      this.retry();
    });
    logger?.info({ path }, 'serial port open');
    this.emit('open');
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.open().catch((err: unknown) => {
        this.opts.logger?.error({ err }, 'reopening the serial port failed');
        this.retry();
      });
    }, this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.reopenMaxMs);
  }
}
