import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { SerialPort } from 'serialport';
import { SimFrameWriter, SimSlipDecoder } from './wire';

export interface SimLineOptions {
  path: string;
  baudRate: number;
  /** Wait before reopening a port that closed or would not open. */
  reopenMs: number;
  /** How often to check that the device node is still the one opened (a pulled PTY cable). */
  presenceMs: number;
  /** Per connection, between the encoder and the port (SLIP packets out) and after the SLIP decoder (packets in). */
  tapOut?: () => Transform;
  tapIn?: () => Transform;
}

async function nodeId(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.rdev}`;
  } catch {
    return undefined;
  }
}

/**
 * The dock's serial port, its own (not the gateway's devices/dock/line.ts): it reopens whenever
 * the port closes or the device node behind the path goes away or changes (a hung-up PTY does
 * not always close the port), and hands out SLIP packets.
 */
export class SimLine extends EventEmitter<{ packet: [Buffer]; down: [string] }> {
  private port: SerialPort | undefined;
  private writer: SimFrameWriter | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly opts: SimLineOptions) {
    super();
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

  /** Dropped while the port is closed: the link layer retransmits. */
  writeFrame(type: number, seq: number, payload: Buffer, ver = 1): void {
    this.writer?.writeFrame(type, seq, payload, ver);
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const { path, baudRate } = this.opts;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.emit('down', `cannot open ${path}: ${(err as Error).message}`);
      return this.later();
    }
    const id = await nodeId(path);
    if (this.stopped) return new Promise((resolve) => port.close(() => resolve()));
    this.port = port;
    const presence = setInterval(() => {
      void nodeId(path).then((now) => {
        if (now !== id && port.isOpen) port.close();
      });
    }, this.opts.presenceMs);
    const writer = new SimFrameWriter();
    (this.opts.tapOut ? writer.pipe(this.opts.tapOut()) : writer).pipe(port);
    this.writer = writer;
    const slip = port.pipe(new SimSlipDecoder());
    const packets = this.opts.tapIn ? slip.pipe(this.opts.tapIn()) : slip;
    packets.on('data', (p: Buffer) => {
      if (this.port === port) this.emit('packet', p);
    });
    port.on('error', () => undefined);
    port.once('close', () => {
      clearInterval(presence);
      if (this.port !== port) return;
      this.port = undefined;
      this.writer = undefined;
      writer.unpipe();
      this.emit('down', 'port closed');
      this.later();
    });
  }

  private later(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.open(), this.opts.reopenMs);
  }
}
