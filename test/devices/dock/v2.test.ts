import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, MAX_CHUNK, NakCode, V2_MAX_CHUNK, V2_MAX_WINDOW } from '../../../devices/dock/constants';
import { encodeFrame, type Frame } from '../../../devices/dock/frame';
import { encodeData, encodeJson } from '../../../devices/dock/messages';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../../devices/dock/parser';
import { DockSession } from '../../../devices/dock/session';
import type { OfferKey, OffloadSink } from '../../../devices/dock/sink';
import type { Gateway } from '../../../gateway/app';
import { fileSha256 } from '../../../simulators/dock/dock-sim';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { Rig, ScriptedDock, startDockGateway, until } from './harness';

/**
 * Protocol version 2 (PROTOCOL.md section 12): negotiated in HELLO, larger DATA and window, one
 * fdatasync per window. Real socat pseudo-terminals throughout; the docks are the independent
 * simulator or frames written by hand.
 */

describe('version negotiation against the whole gateway (journal included)', () => {
  let gw: Gateway;
  let pty: PtyPair;
  let port: SerialPort;
  let dock: ScriptedDock;

  beforeAll(async () => {
    ({ gw, pty } = await startDockGateway());
    port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
    await new Promise((resolve) => port.once('open', resolve));
    dock = new ScriptedDock(port, 2);
  }, 30_000);

  afterAll(async () => {
    dock?.close();
    if (port?.isOpen) await new Promise((resolve) => port.close(resolve));
    await gw?.stop();
    await pty?.close();
  });

  const journal = () => [...gw.journal.replay()];
  const linksUp = () =>
    journal()
      .filter((e) => e.type === 'dock.link' && (e.payload as { state: string }).state === 'up')
      .map((e) => e.payload as { version?: number; window?: number });
  const hello = (nonce: number, versions?: number[]) =>
    dock.send(FrameType.HELLO, 0, { dockId: 'dock-1', fw: 'vendor/3', bays: 6, nonce, ...(versions ? { versions } : {}) });
  const ackFor = async (nonce: number) => {
    await until(() => dock.frames(FrameType.HELLO_ACK).some((a) => a.body.nonce === nonce), 5000, `HELLO_ACK for ${nonce}`);
    return dock.frames(FrameType.HELLO_ACK).find((a) => a.body.nonce === nonce)!.body;
  };

  // First, while the gateway has never linked: a refused HELLO leaves it unlinked.
  it('G22 refuses a HELLO with no version in common with NAK 13, stays unlinked and journals it once however often it is retried', async () => {
    const before = dock.frames(FrameType.HELLO_ACK).length;
    const nakCount = dock.frames(FrameType.NAK).length;
    for (let i = 0; i < 5; i++) {
      hello(200, [3, 4]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const naks = (await dock.waitFor(FrameType.NAK, nakCount + 5)).slice(nakCount);
    for (const n of naks) expect(n.body).toEqual({ seq: 0, reason: NakCode.version });
    expect(dock.frames(FrameType.HELLO_ACK)).toHaveLength(before);
    const refused = () =>
      journal().filter(
        (e) =>
          e.type === 'quarantine.message' && e.source === 'dock:dock-1' && /versions \[3,4\], none of which/.test((e.payload as { reason: string }).reason),
      );
    await until(() => refused().length > 0, 5000, 'the refusal in the journal');
    await new Promise((r) => setTimeout(r, 300));
    expect(refused()).toHaveLength(1);
    // Unlinked: a seq frame is answered with HEARTBEAT {linked:false}, not applied.
    const beats = dock.frames(FrameType.HEARTBEAT).length;
    dock.send(FrameType.DOCK_EVENT, 0, { e: 'docked', bay: 1, cam: 'BWC8', batt: 50, files: 0 });
    await until(
      () =>
        dock
          .frames(FrameType.HEARTBEAT)
          .slice(beats)
          .some((h) => h.body.linked === false),
      5000,
      'HEARTBEAT linked:false',
    );
    expect(journal().some((e) => e.type === 'dock.event' && (e.payload as { cam: string }).cam === 'BWC8')).toBe(false);
  });
  it('G21 answers a HELLO without versions as version 1 always was, and one listing versions with the highest both speak', async () => {
    // A version 1 dock: the HELLO_ACK it always got, nothing more (a strict v1 parser sees no new field).
    hello(101);
    expect(await ackFor(101)).toEqual({ nonce: 101, window: 4 });
    // A version 2 dock: version 2 and its window.
    hello(102, [1, 2]);
    expect(await ackFor(102)).toEqual({ nonce: 102, window: V2_MAX_WINDOW, version: 2 });
    // A newer dock that also speaks 1: the highest in common is 1.
    hello(103, [1, 7]);
    expect(await ackFor(103)).toEqual({ nonce: 103, window: 4, version: 1 });
    await until(() => linksUp().length >= 3, 5000, 'three links journaled');
    expect(linksUp().map((l) => [l.version, l.window])).toEqual([
      [1, 4],
      [2, V2_MAX_WINDOW],
      [1, 4],
    ]);
    // On a version 2 link the gateway's frames are version 2 frames: a version 1 reader cannot take them.
    hello(104, [2]);
    expect(await ackFor(104)).toEqual({ nonce: 104, window: V2_MAX_WINDOW, version: 2 });
    dock.send(FrameType.DOCK_EVENT, 0, { e: 'docked', bay: 1, cam: 'BWC9', batt: 50, files: 0 }, 2);
    const acks = await dock.waitFor(FrameType.ACK);
    expect(acks.at(-1)?.body).toEqual({ seq: 0 });
    const ackFrame = dock.got.filter((i): i is Frame => !isFrameError(i) && i.type === FrameType.ACK).at(-1);
    expect(ackFrame?.ver).toBe(2);
  });
});

/** Records what would have been one write + fdatasync each. */
class CountingSink implements OffloadSink {
  writes: Array<{ offset: number; length: number }> = [];
  durableOffset(): Promise<number> {
    return Promise.resolve(0);
  }
  write(_key: OfferKey, offset: number, bytes: Buffer): Promise<void> {
    this.writes.push({ offset, length: bytes.length });
    return Promise.resolve();
  }
  finish(): Promise<{ sha256: string; size: number }> {
    return Promise.resolve({ sha256: 'ab'.repeat(32), size: 0 });
  }
  commitVerified(): Promise<void> {
    return Promise.resolve();
  }
  quarantine(): Promise<void> {
    return Promise.resolve();
  }
}

/** SLIP by hand: all of a window in one write, so the gateway reads it together whatever the machine's load. */
const slip = (...frames: Buffer[]): Buffer =>
  Buffer.concat(frames.map((f) => Buffer.from([0xc0, ...[...f].flatMap((b) => (b === 0xc0 ? [0xdb, 0xdc] : b === 0xdb ? [0xdb, 0xdd] : [b])), 0xc0])));

describe('a version 2 window over a socat PTY', () => {
  let pty: PtyPair;
  let session: DockSession;
  let port: SerialPort;

  afterEach(async () => {
    if (port?.isOpen) await new Promise((resolve) => port.close(resolve));
    await session?.stop();
    await pty?.close();
  });

  it('G23 makes each half window durable with one fdatasync and one cumulative ACK carrying the durable offset, without waiting for the rest', async () => {
    pty = await openPtyPair();
    const sink = new CountingSink();
    // A long gather time: a half window is taken because it is all there is, not by luck of timing.
    session = new DockSession({ path: pty.gatewayPath, dockId: 'dock-1', sink, retransmitMs: 100, heartbeatMs: 500, gatherMsV2: 200 });
    await session.start();
    port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
    await new Promise((resolve) => port.once('open', resolve));
    const got: Frame[] = [];
    pipeDockParser(port, undefined, 2).on('data', (i: ParsedItem) => {
      if (!isFrameError(i)) got.push(i);
    });
    const of = (type: number) => got.filter((f) => f.type === type).map((f) => JSON.parse(f.payload.toString()) as Record<string, number>);
    const send = (...frames: Buffer[]) => port.write(slip(...frames));
    const size = 3 * V2_MAX_WINDOW * V2_MAX_CHUNK;
    const offer = {
      fileNo: 5,
      cam: 'BWC5',
      bay: 1,
      name: 'BWC5_0005.mp4',
      size,
      sha256: 'ab'.repeat(32),
      recStart: '2025-06-01T08:00:00Z',
      recEnd: '2025-06-01T08:10:00Z',
      chunk: V2_MAX_CHUNK,
    };
    send(encodeFrame(FrameType.HELLO, 0, encodeJson({ dockId: 'dock-1', fw: 'v2', bays: 6, nonce: 9, versions: [1, 2] })));
    await until(() => of(FrameType.HELLO_ACK).length > 0, 5000, 'HELLO_ACK');
    expect(of(FrameType.HELLO_ACK)[0]).toEqual({ nonce: 9, window: V2_MAX_WINDOW, version: 2 });
    send(encodeFrame(FrameType.FILE_OFFER, 0, encodeJson(offer), 2));
    await until(() => of(FrameType.FILE_REQ).length > 0, 5000, 'FILE_REQ');
    expect(of(FrameType.FILE_REQ)[0]).toEqual({ fileNo: 5, offset: 0 });

    const data = (seq: number, chunkNo: number) =>
      encodeFrame(FrameType.DATA, seq, encodeData(5, chunkNo * V2_MAX_CHUNK, Buffer.alloc(V2_MAX_CHUNK, chunkNo), V2_MAX_CHUNK), 2);
    const HALF = V2_MAX_WINDOW / 2;
    const frames = (from: number, n: number) => Array.from({ length: n }, (_, i) => data(1 + from + i, from + i));
    // The first half of a window alone: synced and acknowledged while the dock still has room for the second.
    send(...frames(0, HALF));
    await until(() => of(FrameType.ACK).some((a) => a.seq === HALF), 5000, 'ACK for the first half');
    expect(session.stats.gatherTimeouts).toBe(0); // not by waiting out the gather for the rest
    send(...frames(HALF, HALF));
    await until(() => of(FrameType.ACK).some((a) => a.seq === V2_MAX_WINDOW), 5000, 'ACK for the second half');
    expect(sink.writes).toEqual([
      { offset: 0, length: HALF * V2_MAX_CHUNK },
      { offset: HALF * V2_MAX_CHUNK, length: HALF * V2_MAX_CHUNK },
    ]);
    // A whole window in one write: at most two syncs, each of half a window or more.
    send(...frames(V2_MAX_WINDOW, V2_MAX_WINDOW));
    await until(() => of(FrameType.ACK).some((a) => a.seq === 2 * V2_MAX_WINDOW), 5000, 'ACK for the second window');
    const second = sink.writes.slice(2);
    expect(second.length).toBeLessThanOrEqual(2);
    expect(second.every((w) => w.length >= HALF * V2_MAX_CHUNK)).toBe(true);
    expect(second.reduce((n, w) => n + w.length, 0)).toBe(V2_MAX_WINDOW * V2_MAX_CHUNK);
    // One ACK per write, carrying the offset that write made durable.
    const dataAcks = of(FrameType.ACK).filter((a) => a.fileNo === 5);
    expect(dataAcks.map((a) => a.offset)).toEqual(sink.writes.map((w) => w.offset + w.length));
    expect(dataAcks.at(-1)).toEqual({ seq: 2 * V2_MAX_WINDOW, fileNo: 5, offset: 2 * V2_MAX_WINDOW * V2_MAX_CHUNK });
    // Every frame the gateway sent on this link after HELLO_ACK is a version 2 frame.
    expect(got.filter((f) => f.type !== FrameType.HELLO_ACK && f.type !== FrameType.HEARTBEAT).every((f) => f.ver === 2)).toBe(true);
  });
});

describe('version 1 and version 2 simulated docks offloading through the gateway', () => {
  let rig: Rig;
  afterEach(async () => {
    await rig.close();
  });

  const SEED = 4242;
  const files = [{ name: 'BWC7_0001.mp4', size: 3 * 1024 * 1024 + 17 }];

  async function offload(versions: number[] | undefined): Promise<{ chunks: number; writes: number[] }> {
    rig = new Rig();
    await rig.open({ dockId: 'dock-1', bays: 4, seed: SEED, cameras: [{ serial: 'BWC7', bay: 1, files }], ...(versions ? { versions } : {}) });
    const writes: number[] = [];
    const write = rig.store.write.bind(rig.store);
    rig.store.write = (key, offset, bytes) => {
      writes.push(bytes.length);
      return write(key, offset, bytes);
    };
    await rig.sim.whenSettled();
    expect([...rig.sim.erased]).toEqual(['BWC7/BWC7_0001.mp4']);
    const want = await fileSha256(SEED, 'BWC7', files[0]!.name, files[0]!.size);
    expect(rig.journal.committed.map((c) => c.info.sha256)).toEqual([want]);
    const log = rig.journal.log;
    expect(log.indexOf('commit BWC7/BWC7_0001.mp4')).toBeLessThan(log.indexOf('erase BWC7/BWC7_0001.mp4'));
    const offer = rig.of('dock.offer')[0]!;
    expect(offer.size).toBe(files[0]!.size);
    return { chunks: rig.journal.committed[0]!.info.offer.chunk, writes };
  }

  it('a dock that predates version 2 links as version 1 and offloads in chunks of 1024', async () => {
    const { chunks } = await offload(undefined);
    expect(rig.sim.linkVersion).toBe(1);
    expect(rig.of('dock.link').find((e) => e.state === 'up')).toMatchObject({ version: 1, window: 4 });
    expect(chunks).toBe(MAX_CHUNK);
  });

  it('a version 2 dock links as version 2 and offloads in chunks of 4064, many per fdatasync', async () => {
    const { chunks, writes } = await offload([1, 2]);
    expect(rig.sim.linkVersion).toBe(2);
    expect(rig.of('dock.link').find((e) => e.state === 'up')).toMatchObject({ version: 2, window: V2_MAX_WINDOW });
    expect(chunks).toBe(V2_MAX_CHUNK);
    // Version 1's best is 4 KiB per fdatasync; version 2 must do far better than that on average.
    const mean = writes.reduce((a, b) => a + b, 0) / writes.length;
    expect(mean).toBeGreaterThan(4 * 4 * 1024);
  });
});
