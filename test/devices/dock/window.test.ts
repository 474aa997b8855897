import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType } from '../../../devices/dock/constants';
import type { Frame } from '../../../devices/dock/frame';
import { encodeData, encodeJson } from '../../../devices/dock/messages';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../../devices/dock/parser';
import { DockSession } from '../../../devices/dock/session';
import type { OffloadSink } from '../../../devices/dock/sink';
import { FrameWriter } from '../../../devices/dock/writer';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { until } from './harness';

const CHUNKS = 24;
const sink: OffloadSink = {
  durableOffset: () => Promise.resolve(0),
  write: () => Promise.resolve(),
  finish: () => Promise.resolve({ sha256: 'ab'.repeat(32), size: CHUNKS * 1024 }),
  commitVerified: () => Promise.resolve(),
  quarantine: () => Promise.resolve(),
};

let pty: PtyPair;
let session: DockSession;
let port: SerialPort;
const writer = new FrameWriter();
const got: Frame[] = [];

beforeAll(async () => {
  pty = await openPtyPair();
  // A long gather time makes each wasted wait countable; the default is 2 ms.
  session = new DockSession({ path: pty.gatewayPath, dockId: 'dock-w', sink, retransmitMs: 2000, heartbeatMs: 1000, gatherMs: 150 });
  await session.start();
  port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
  await new Promise((resolve) => port.once('open', resolve));
  writer.pipe(port);
  pipeDockParser(port).on('data', (i: ParsedItem) => !isFrameError(i) && got.push(i));
});

afterAll(async () => {
  await session.stop();
  await new Promise((resolve) => port.close(resolve));
  await pty.close();
});

const send = (type: number, seq: number, payload: unknown) => writer.writeFrame(type, seq, Buffer.isBuffer(payload) ? payload : encodeJson(payload));
const acked = (seq: number) => got.some((f) => f.type === FrameType.ACK && (JSON.parse(f.payload.toString()) as { seq: number }).seq === seq);

describe('the gateway learns a dock window that shrinks, over a socat PTY', () => {
  it('G20 after a window of 4, a dock that drops to stop-and-wait is not made to wait out the gather time on every frame', async () => {
    send(FrameType.HELLO, 0, { dockId: 'dock-w', fw: '1', bays: 1, nonce: 9 });
    await until(() => got.some((f) => f.type === FrameType.HELLO_ACK), 5000, 'HELLO_ACK');
    send(FrameType.FILE_OFFER, 0, {
      fileNo: 1,
      cam: 'C1',
      bay: 0,
      name: 'a.mp4',
      size: CHUNKS * 1024,
      sha256: 'ab'.repeat(32),
      recStart: '2026-01-01T00:00:00Z',
      recEnd: '2026-01-01T00:01:00Z',
      chunk: 1024,
    });
    await until(() => got.some((f) => f.type === FrameType.FILE_REQ), 5000, 'FILE_REQ');
    const req = got.find((f) => f.type === FrameType.FILE_REQ)!;
    send(FrameType.ACK, 0, { seq: req.seq });
    const data = (i: number) => encodeData(1, i * 1024, Buffer.alloc(1024, i));
    // Window 4: four frames at a time.
    for (let base = 0; base < 8; base += 4) {
      for (let i = base; i < base + 4; i++) send(FrameType.DATA, i + 1, data(i));
      await until(() => acked(base + 4), 5000, `ACK ${base + 4}`);
    }
    const before = session.stats.gatherTimeouts;
    // Then stop-and-wait: one frame, its ACK, the next.
    for (let i = 8; i < CHUNKS; i++) {
      send(FrameType.DATA, i + 1, data(i));
      await until(() => acked(i + 1), 5000, `ACK ${i + 1}`);
    }
    // One wasted wait teaches the gateway; a sticky estimate would wait on all 16.
    expect(session.stats.gatherTimeouts - before).toBeLessThanOrEqual(1);
  });
});
