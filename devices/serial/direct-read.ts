import { readFileSync, readSync } from 'node:fs';
import { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';

/**
 * Serial reads without libuv's thread pool, on Linux.
 *
 * serialport's binding reads each chunk with an asynchronous `fs.read`: a job for the thread
 * pool, a thread woken to run it, and its completion queued back to the event loop. A PTY or a
 * USB adapter hands over at most ~4 KiB per read, so a version 2 dock's offload is thousands of
 * such round trips a second; in a CPU profile of the gateway during one they were a fifth of its
 * main thread's busy time. The port's file descriptor is non-blocking (the binding opens it with
 * O_NONBLOCK, and this checks), so a read can be made right here instead: what has arrived comes
 * back at once, nothing at all is EAGAIN, and then the port's own poller says when to try again.
 *
 * Anything unusual (end of file on a hung-up line, an error, no data after the poller said
 * there was) goes to the binding's own read, so disconnects and cancellations behave exactly as
 * they always have. Elsewhere than Linux, or on a descriptor that would block, nothing changes.
 */

/** What this needs of serialport's Linux port binding (LinuxPortBinding). */
interface PollingPort {
  fd: number | null;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
}

/** How the reads of one port went: made here, or handed to the binding. */
export interface DirectReadStats {
  direct: number;
  pooled: number;
}

const O_NONBLOCK = 0o4000;
const statsOf = new WeakMap<object, DirectReadStats>();
const TRY_AGAIN = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/** Whether reading `fd` can never block: its open flags, as /proc shows them (false when unknown). */
function isNonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & O_NONBLOCK) !== 0;
  } catch {
    return false;
  }
}

function isPollingPort(port: unknown): port is PollingPort {
  const p = port as Partial<PollingPort> | null;
  return typeof p?.fd === 'number' && typeof p.poller?.once === 'function' && typeof p.read === 'function';
}

/** Replaces `port.read` with one that reads here, where the port allows it (directReadStats tells). */
function readDirectly(port: unknown): void {
  if (!isPollingPort(port) || port.fd === null || !isNonBlocking(port.fd)) return;
  const stats: DirectReadStats = { direct: 0, pooled: 0 };
  statsOf.set(port, stats);
  const pooled = port.read.bind(port);
  const readable = () => new Promise<void>((resolve, reject) => port.poller.once('readable', (err) => (err ? reject(err) : resolve())));
  port.read = async (buffer, offset, length) => {
    for (let waited = false; ; waited = true) {
      const fd = port.fd;
      if (fd === null) break;
      let n: number;
      try {
        n = readSync(fd, buffer, offset, length, null);
      } catch (err) {
        if (!TRY_AGAIN.has((err as NodeJS.ErrnoException).code ?? '')) break;
        n = -1;
      }
      if (n > 0) {
        stats.direct++;
        return { buffer, bytesRead: n };
      }
      if (n === 0 || waited) break;
      await readable();
    }
    stats.pooled++;
    return pooled(buffer, offset, length);
  };
}

/** The counts of a port binding `readDirectly` took over; undefined for one it left as it was. */
export function directReadStats(port: unknown): DirectReadStats | undefined {
  return typeof port === 'object' && port !== null ? statsOf.get(port) : undefined;
}

/** What this needs of a serialport binding (its BindingInterface, whose package ships no ESM types). */
interface SerialBinding {
  list(): Promise<unknown[]>;
  open(options: unknown): Promise<unknown>;
}

/** serialport's own binding, whose ports read directly where they can (`readDirectly`). */
function directReadBinding(base = SerialPort.binding as unknown as SerialBinding): SerialBinding {
  if (process.platform !== 'linux') return base;
  return {
    list: () => base.list(),
    open: async (options) => {
      const port = await base.open(options);
      readDirectly(port);
      return port;
    },
  };
}

/**
 * An unopened serial port as the gateway's lines open one: with a test's binding if given
 * (`SerialPortMock.binding`), otherwise serialport's own, reading without the thread pool.
 */
export function serialPort(options: { path: string; baudRate: number }, binding?: object): SerialPortStream {
  return new SerialPortStream({ ...options, autoOpen: false, binding: (binding ?? directReadBinding()) as never });
}
