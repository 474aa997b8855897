/**
 * The far ends of test/bench/dock.ts, each run as its own process so that what is measured
 * shares the two cores the way a gateway and a dock would:
 *
 *   dock-peer.ts raw-read  <path> <bytes>          count bytes arriving; report first → last byte
 *   dock-peer.ts raw-write <path> <bytes> <write>  push bytes in writes of <write> bytes
 *   dock-peer.ts echo      <path>                 send back whatever arrives
 *   dock-peer.ts ping      <path> <count>         time <count> round trips of a 16-byte message
 *   dock-peer.ts sim       <path> <json>           a simulated dock offering the files in <json>
 *
 * Each reports one JSON object per line on stdout; times are CLOCK_MONOTONIC (stats.nowMs), so
 * they can be compared with the orchestrator's.
 */
import { randomBytes } from 'node:crypto';
import type { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { DEFAULT_BAUD } from '../../devices/dock/constants';
import { serialPort } from '../../devices/serial/direct-read';
import { DockSimulator, type SimCamera } from '../../simulators/dock/dock-sim';
import { nowMs, summarize } from './stats';

export interface SimSpec {
  dockId: string;
  seed: number;
  cameras: SimCamera[];
  /** The versions the dock lists in HELLO; absent: a version 1 dock. */
  versions?: number[];
}

export type PeerReport =
  | { ev: 'ready'; t: number }
  | { ev: 'read'; bytes: number; firstMs: number; lastMs: number }
  | { ev: 'written'; bytes: number; t: number }
  | { ev: 'rtt'; p50Ms: number; p99Ms: number }
  | { ev: 'hashes'; files: Array<{ serial: string; name: string; size: number; sha256: string }> }
  | { ev: 'link'; up: boolean; t: number }
  | { ev: 'erased'; key: string; t: number; bytesSent: number }
  | { ev: 'rejected'; key: string; reason: string; t: number }
  | { ev: 'done'; t: number; bytesSent: number; framesOut: number; naksIn: number; linkResets: number; version: number };

const say = (r: PeerReport): void => void process.stdout.write(`${JSON.stringify(r)}\n`);

/**
 * A port opened with the settings SerialLine uses. The gateway's end reads as the gateway does,
 * on the event loop (devices/serial/direct-read.ts), so the raw rate is the line's, not that of
 * a slower reader; the dock's end is serialport as the simulated dock uses it.
 */
function openPort(path: string, end: 'gateway' | 'dock'): Promise<SerialPortStream> {
  return new Promise((resolve, reject) => {
    const port = end === 'gateway' ? serialPort({ path, baudRate: DEFAULT_BAUD }) : new SerialPort({ path, baudRate: DEFAULT_BAUD, autoOpen: false });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

async function rawRead(path: string, want: number): Promise<void> {
  const port = await openPort(path, 'gateway');
  let got = 0;
  let firstMs = 0;
  await new Promise<void>((resolve) => {
    port.on('data', (d: Buffer) => {
      if (got === 0) firstMs = nowMs();
      got += d.length;
      if (got >= want) resolve();
    });
    say({ ev: 'ready', t: nowMs() });
  });
  say({ ev: 'read', bytes: got, firstMs, lastMs: nowMs() });
  port.close();
}

async function rawWrite(path: string, total: number, writeSize: number): Promise<void> {
  const port = await openPort(path, 'dock');
  // One buffer of random bytes, cut into writes: the line sees what compressed video looks like.
  const pool = randomBytes(Math.max(writeSize, 1 << 20));
  for (let sent = 0, at = 0; sent < total;) {
    const n = Math.min(writeSize, total - sent);
    if (at + n > pool.length) at = 0;
    const ok = port.write(pool.subarray(at, at + n));
    sent += n;
    at += n;
    if (!ok) await new Promise((r) => port.once('drain', r));
  }
  await new Promise<void>((resolve, reject) => port.drain((err) => (err ? reject(err) : resolve())));
  say({ ev: 'written', bytes: total, t: nowMs() });
  // The reader says when it has everything; closing first could drop what the PTY still holds.
  await new Promise(() => undefined);
}

async function echo(path: string): Promise<void> {
  const port = await openPort(path, 'gateway');
  port.on('data', (d: Buffer) => port.write(d));
  say({ ev: 'ready', t: nowMs() });
  await new Promise(() => undefined);
}

/** One message at a time, each sent when the last came back: the line's turnaround, as an ACK sees it. */
async function ping(path: string, count: number): Promise<void> {
  const port = await openPort(path, 'dock');
  const msg = Buffer.alloc(16, 0x55);
  const times: number[] = [];
  await new Promise<void>((resolve) => {
    let got = 0;
    let sentAt = nowMs();
    port.on('data', (d: Buffer) => {
      got += d.length;
      if (got < msg.length) return;
      got = 0;
      times.push(nowMs() - sentAt);
      if (times.length === count) return resolve();
      sentAt = nowMs();
      port.write(msg);
    });
    port.write(msg);
  });
  const s = summarize(times);
  say({ ev: 'rtt', p50Ms: s.p50, p99Ms: s.p99 });
  port.close();
}

async function sim(path: string, spec: SimSpec): Promise<void> {
  const sim = new DockSimulator({
    path,
    dockId: spec.dockId,
    bays: 6,
    seed: spec.seed,
    cameras: spec.cameras,
    ...(spec.versions ? { versions: spec.versions } : {}),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const hashes = await sim.prepare();
  const files = spec.cameras.flatMap((c) =>
    c.files.map((f) => ({ serial: c.serial, name: f.name, size: f.size, sha256: hashes.get(`${c.serial}/${f.name}`) ?? '' })),
  );
  say({ ev: 'hashes', files });
  sim.on('link', (up) => say({ ev: 'link', up, t: nowMs() }));
  sim.on('erased', (serial, name) => say({ ev: 'erased', key: `${serial}/${name}`, t: nowMs(), bytesSent: sim.bytesSent }));
  sim.on('rejected', (serial, name, reason) => say({ ev: 'rejected', key: `${serial}/${name}`, reason, t: nowMs() }));
  await sim.start();
  await sim.whenSettled();
  say({ ev: 'done', t: nowMs(), bytesSent: sim.bytesSent, ...sim.stats, version: sim.linkVersion });
  await sim.stop();
}

const [role, path, arg, extra] = process.argv.slice(2);
if (!path) throw new Error('usage: dock-peer.ts raw-read|raw-write|echo|ping|sim <path> [<arg> [write size]]');
if (role === 'echo') await echo(path);
else if (role === 'ping') await ping(path, Number(arg ?? 1000));
else if (!arg) throw new Error(`${role} needs an argument`);
else if (role === 'raw-read') await rawRead(path, Number(arg));
else if (role === 'raw-write') await rawWrite(path, Number(arg), Number(extra ?? 65536));
else if (role === 'sim') await sim(path, JSON.parse(arg) as SimSpec);
else throw new Error(`unknown role ${role}`);
process.exit(0);
