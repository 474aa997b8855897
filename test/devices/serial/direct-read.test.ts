import { createHash, randomBytes } from 'node:crypto';
import type { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { directReadStats, serialPort, type DirectReadStats } from '../../../devices/serial/direct-read';
import { openPtyPair, type PtyPair } from '../../../simulators/serial/pty';
import { eventually } from '../../helpers/gateway';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pair: PtyPair | null = null;
const ports: SerialPortStream[] = [];
afterEach(async () => {
  for (const p of ports.splice(0)) if (p.isOpen) await new Promise((r) => p.close(r));
  await pair?.close();
  pair = null;
});

function open<T extends SerialPortStream>(port: T): Promise<T> {
  ports.push(port);
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

/** The reading end as the dock line opens it (devices/dock/line.ts): serialport's binding, reading without the thread pool. */
async function reader(path: string): Promise<{ port: SerialPortStream; stats: () => DirectReadStats | undefined }> {
  const port = await open(serialPort({ path, baudRate: 115200 }));
  return { port, stats: () => directReadStats((port as unknown as { port: unknown }).port) };
}

/**
 * Reads made on the event loop (devices/serial/direct-read.ts) over a real PTY pair: every byte
 * arrives once and in order, whether it was waiting or came later, and a line that drops still
 * closes the port as serialport's own reads would.
 */
describe('serial reads without the thread pool', () => {
  it('delivers every byte in order, in bursts and after pauses, and reads them itself', async () => {
    pair = await openPtyPair();
    const { port, stats } = await reader(pair.b);
    const received: Buffer[] = [];
    port.on('data', (d: Buffer) => received.push(Buffer.from(d)));
    const writer = await open(new SerialPort({ path: pair.a, baudRate: 115200, autoOpen: false }));
    const sent = randomBytes(1024 * 1024);
    for (let at = 0; at < sent.length; at += 16 * 1024) {
      writer.write(sent.subarray(at, at + 16 * 1024));
      // Now and then the line goes quiet, so the reader finds nothing and waits for the poller.
      if (at % (128 * 1024) === 0) await sleep(20);
    }
    await eventually(() => received.reduce((n, b) => n + b.length, 0) >= sent.length || undefined, 20_000, 'every byte to arrive');
    const got = Buffer.concat(received);
    expect(got.length).toBe(sent.length);
    expect(sha(got)).toBe(sha(sent));
    const s = stats();
    expect(s, 'the port was taken over: its descriptor is non-blocking').toBeDefined();
    expect(s!.direct).toBeGreaterThan(0);
    // Only the unusual goes to the thread pool: here, at most a read that found nothing after a wake-up.
    expect(s!.pooled).toBeLessThan(s!.direct / 10);
  });

  it('closes cleanly while a read waits, and a dropped line still closes the port', async () => {
    pair = await openPtyPair();
    const first = await reader(pair.b);
    first.port.on('data', () => undefined);
    const errors: Error[] = [];
    first.port.on('error', (err) => errors.push(err));
    await sleep(50); // a read is now waiting for the poller
    await new Promise<void>((resolve, reject) => first.port.close((err) => (err ? reject(err) : resolve())));
    expect(errors).toEqual([]);

    const second = await reader(pair.b);
    second.port.on('data', () => undefined);
    second.port.on('error', () => undefined);
    let closed = false;
    second.port.once('close', () => (closed = true));
    await sleep(50);
    await pair.close(); // socat goes: the line hangs up under the reader
    pair = null;
    await eventually(() => closed || undefined, 10_000, 'the port to close when the line drops');
  });
});
