import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameType } from '../../../devices/dock/constants';
import { encodeFrame, type Frame } from '../../../devices/dock/frame';
import { encodeData, encodeJson } from '../../../devices/dock/messages';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../../devices/dock/parser';
import { DockSession } from '../../../devices/dock/session';
import type { OffloadSink } from '../../../devices/dock/sink';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { until } from './harness';

const CHUNK = 1024;
const OFFER = {
  fileNo: 3,
  cam: 'BWC3',
  bay: 1,
  name: 'BWC3_0003.mp4',
  size: 16 * CHUNK,
  sha256: 'ab'.repeat(32),
  recStart: '2025-06-01T08:00:00Z',
  recEnd: '2025-06-01T08:00:16Z',
  chunk: CHUNK,
};
/** Long enough that a test can tell "held for the rest of the window" from "not held" by its clock. */
const GATHER_MS = 5000;

/** Records what would have been one write + fdatasync each. */
class CountingSink implements OffloadSink {
  writes: Array<{ offset: number; length: number }> = [];
  durableOffset(): Promise<number> {
    return Promise.resolve(0);
  }
  write(_key: unknown, offset: number, bytes: Buffer): Promise<void> {
    this.writes.push({ offset, length: bytes.length });
    return Promise.resolve();
  }
  finish(): Promise<{ sha256: string; size: number }> {
    return Promise.resolve({ sha256: OFFER.sha256, size: OFFER.size });
  }
  commitVerified(): Promise<void> {
    return Promise.resolve();
  }
  quarantine(): Promise<void> {
    return Promise.resolve();
  }
}

/** SLIP by hand, several frames in one write when asked: the gateway then reads them together. */
const slip = (...frames: Buffer[]): Buffer =>
  Buffer.concat(frames.map((f) => Buffer.from([0xc0, ...[...f].flatMap((b) => (b === 0xc0 ? [0xdb, 0xdc] : b === 0xdb ? [0xdb, 0xdd] : [b])), 0xc0])));
const data = (seq: number, chunkNo: number): Buffer =>
  encodeFrame(FrameType.DATA, seq, encodeData(OFFER.fileNo, chunkNo * CHUNK, Buffer.alloc(CHUNK, chunkNo)));

describe('DockSession syncs a window of DATA at once', () => {
  let pty: PtyPair;
  let session: DockSession;
  let sink: CountingSink;
  let port: SerialPort;
  let acks: Array<{ seq: number; offset?: number }>;

  beforeEach(async () => {
    pty = await openPtyPair();
    sink = new CountingSink();
    session = new DockSession({ path: pty.gatewayPath, dockId: 'dock-3', sink, gatherMs: GATHER_MS });
    await session.start();
    port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
    await new Promise((resolve) => port.once('open', resolve));
    const got: Frame[] = [];
    acks = [];
    pipeDockParser(port).on('data', (item: ParsedItem) => {
      if (isFrameError(item)) return;
      got.push(item);
      if (item.type === FrameType.ACK) acks.push(JSON.parse(item.payload.toString()) as { seq: number; offset?: number });
    });
    port.write(slip(encodeFrame(FrameType.HELLO, 0, encodeJson({ dockId: 'dock-3', fw: '1', bays: 1, nonce: 9 }))));
    await until(() => got.some((f) => f.type === FrameType.HELLO_ACK), 5000, 'HELLO_ACK');
    port.write(slip(encodeFrame(FrameType.FILE_OFFER, 0, encodeJson(OFFER))));
    await until(() => got.some((f) => f.type === FrameType.FILE_REQ), 5000, 'FILE_REQ');
    const req = got.find((f) => f.type === FrameType.FILE_REQ)!;
    port.write(slip(encodeFrame(FrameType.ACK, 0, encodeJson({ seq: req.seq }))));
  });

  afterEach(async () => {
    await session.stop();
    await new Promise((resolve) => port.close(resolve));
    await pty.close();
  });

  const ackedTo = (offset: number) => until(() => acks.some((a) => a.offset === offset), 10_000, `ACK at ${offset}`);

  it('waits for the rest of a window the dock has shown it uses, then writes it with one sync', async () => {
    // The first window arrives together: the gateway learns the dock keeps 4 frames unacknowledged.
    port.write(slip(data(1, 0), data(2, 1), data(3, 2), data(4, 3)));
    await ackedTo(4 * CHUNK);
    const before = sink.writes.length;
    // The next window straggles in: one frame, then the other three a moment later.
    port.write(slip(data(5, 4)));
    await new Promise((r) => setTimeout(r, 100));
    port.write(slip(data(6, 5), data(7, 6), data(8, 7)));
    await ackedTo(8 * CHUNK);
    expect(sink.writes.slice(before)).toEqual([{ offset: 4 * CHUNK, length: 4 * CHUNK }]);
  });

  it('does not hold a stop-and-wait dock: each frame is written and acknowledged at once', async () => {
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      port.write(slip(data(i + 1, i)));
      await ackedTo((i + 1) * CHUNK);
    }
    expect(Date.now() - started).toBeLessThan(GATHER_MS);
    expect(sink.writes.map((w) => w.length)).toEqual([CHUNK, CHUNK, CHUNK, CHUNK]);
  });
});
