import { SerialPort, SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameType, NakCode } from '../../../devices/dock/constants';
import type { DockSessionEvent } from '../../../devices/dock/events';
import { encodeFrame } from '../../../devices/dock/frame';
import { encodeData, encodeJson } from '../../../devices/dock/messages';
import { DockSession } from '../../../devices/dock/session';
import type { OfferKey, OffloadSink, VerifiedInfo } from '../../../devices/dock/sink';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { ScriptedDock, until } from './harness';

const SHA = 'ab'.repeat(32);
const OFFER = {
  fileNo: 7,
  cam: 'BWC9',
  bay: 2,
  name: 'BWC9_0007.mp4',
  size: 6,
  sha256: SHA,
  recStart: '2025-06-01T08:00:00Z',
  recEnd: '2025-06-01T08:00:06Z',
  chunk: 1024,
};

/** Records every call; `finish` answers whatever the test sets, `commitVerified` can be held. */
class FakeSink implements OffloadSink {
  calls: string[] = [];
  durable = 2;
  received = { sha256: SHA, size: 6 };
  release: (() => void) | undefined;
  holdCommit = false;
  durableOffset(key: OfferKey): Promise<number> {
    this.calls.push(`durableOffset ${key.cam}/${key.fileNo}`);
    return Promise.resolve(this.durable);
  }
  write(_key: OfferKey, offset: number, bytes: Buffer): Promise<void> {
    this.calls.push(`write ${offset} ${bytes.toString('hex')}`);
    return Promise.resolve();
  }
  finish(): Promise<{ sha256: string; size: number }> {
    this.calls.push('finish');
    return Promise.resolve(this.received);
  }
  commitVerified(_key: OfferKey, info: VerifiedInfo): Promise<void> {
    this.calls.push(`commit ${info.sha256.slice(0, 4)}`);
    if (!this.holdCommit) return Promise.resolve();
    return new Promise((resolve) => (this.release = resolve));
  }
  quarantine(_key: OfferKey, reason: string): Promise<void> {
    this.calls.push(`quarantine ${reason}`);
    return Promise.resolve();
  }
}

describe('DockSession against a scripted dock', () => {
  let pty: PtyPair;
  let session: DockSession;
  let sink: FakeSink;
  let port: SerialPort;
  let dock: ScriptedDock;
  let events: DockSessionEvent[];

  beforeEach(async () => {
    pty = await openPtyPair();
    sink = new FakeSink();
    events = [];
    session = new DockSession({ path: pty.gatewayPath, dockId: 'dock-7', sink, retransmitMs: 100, heartbeatMs: 200 });
    session.on('event', (e) => events.push(e));
    await session.start();
    port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
    await new Promise((resolve) => port.once('open', resolve));
    dock = new ScriptedDock(port);
    dock.send(FrameType.HELLO, 0, { dockId: 'dock-7', fw: '1.0', bays: 4, nonce: 42 });
    const [ack] = await dock.waitFor(FrameType.HELLO_ACK);
    expect(ack?.body).toEqual({ nonce: 42, window: 4 });
  });

  afterEach(async () => {
    dock.close();
    await session.stop();
    await new Promise((resolve) => port.close(resolve));
    await pty.close();
  });

  it('G10 offers resume from the durable offset; a duplicate DATA is re-acknowledged, not re-applied', async () => {
    dock.send(FrameType.FILE_OFFER, 0, OFFER);
    const [req] = await dock.waitFor(FrameType.FILE_REQ);
    expect(req?.body).toEqual({ fileNo: 7, offset: 2 });
    expect(events.find((e) => e.type === 'dock.offer')).toMatchObject({ resumeFrom: 2, cam: 'BWC9' });

    // The gateway's FILE_REQ is sequenced too: acknowledge it, or it is sent again.
    dock.send(FrameType.ACK, 0, { seq: req?.seq });
    dock.send(FrameType.DATA, 1, encodeData(7, 2, Buffer.from('c0db', 'hex')));
    dock.send(FrameType.DATA, 1, encodeData(7, 2, Buffer.from('c0db', 'hex')));
    const acks = await dock.waitFor(FrameType.ACK, 3);
    expect(acks.slice(1)).toEqual([
      { seq: 0, body: { seq: 1, fileNo: 7, offset: 4 } },
      { seq: 0, body: { seq: 1, fileNo: 7, offset: 4 } },
    ]);
    expect(sink.calls.filter((c) => c.startsWith('write'))).toEqual(['write 2 c0db']);
  });

  it('G9 NAKs a damaged frame with reason 1 and a gap with reason 4', async () => {
    const frame = encodeFrame(FrameType.DOCK_EVENT, 0, encodeJson({ e: 'docked', bay: 1, cam: 'BWC9', batt: 90, files: 3 }));
    frame[9] = (frame[9] ?? 0) ^ 0xff;
    dock.raw(Buffer.concat([Buffer.from([0xc0]), frame, Buffer.from([0xc0])]));
    dock.send(FrameType.DOCK_EVENT, 3, { e: 'docked', bay: 1, cam: 'BWC9', batt: 90, files: 3 });
    const naks = await dock.waitFor(FrameType.NAK, 2);
    expect(naks.map((n) => n.body)).toEqual([
      { seq: 0, reason: 1 },
      { seq: 3, reason: 4, expect: 0 },
    ]);
    expect(events.some((e) => e.type === 'dock.malformed')).toBe(true);
    dock.send(FrameType.DOCK_EVENT, 0, { e: 'docked', bay: 1, cam: 'BWC9', batt: 90, files: 3 });
    await until(() => events.some((e) => e.type === 'dock.event'));
    expect(events.find((e) => e.type === 'dock.event')).toEqual({ type: 'dock.event', dockId: 'dock-7', e: 'docked', bay: 1, cam: 'BWC9', batt: 90, files: 3 });
  });

  it('G11 sends ERASE_OK only after commitVerified resolves', async () => {
    sink.durable = 6;
    sink.holdCommit = true;
    dock.send(FrameType.FILE_OFFER, 0, OFFER);
    const [req] = await dock.waitFor(FrameType.FILE_REQ);
    dock.send(FrameType.ACK, 0, { seq: req?.seq });
    dock.send(FrameType.FILE_END, 1, { fileNo: 7 });
    await until(() => sink.release !== undefined);
    await new Promise((r) => setTimeout(r, 150));
    expect(dock.frames(FrameType.FILE_DONE)).toHaveLength(0);
    expect(dock.frames(FrameType.ERASE_OK)).toHaveLength(0);
    sink.release?.();
    const [done] = await dock.waitFor(FrameType.FILE_DONE);
    expect(done?.body).toEqual({ fileNo: 7, ok: true, sha256: SHA });
    const [erase] = await dock.waitFor(FrameType.ERASE_OK);
    expect(erase?.body).toEqual({ fileNo: 7 });
    expect(sink.calls).toEqual(['durableOffset BWC9/7', 'finish', 'commit abab']);
  });

  it('G12 quarantines a mismatch and never sends ERASE_OK', async () => {
    sink.durable = 6;
    sink.received = { sha256: 'cd'.repeat(32), size: 6 };
    dock.send(FrameType.FILE_OFFER, 0, OFFER);
    const [req] = await dock.waitFor(FrameType.FILE_REQ);
    dock.send(FrameType.ACK, 0, { seq: req?.seq });
    dock.send(FrameType.FILE_END, 1, { fileNo: 7 });
    const [done] = await dock.waitFor(FrameType.FILE_DONE);
    expect(done?.body).toMatchObject({ fileNo: 7, ok: false, sha256: 'cd'.repeat(32) });
    await new Promise((r) => setTimeout(r, 200));
    expect(dock.frames(FrameType.ERASE_OK)).toHaveLength(0);
    expect(sink.calls.some((c) => c.startsWith('quarantine received sha256 cdcd'))).toBe(true);
    expect(sink.calls.some((c) => c.startsWith('commit'))).toBe(false);
    expect(events.find((e) => e.type === 'dock.mismatch')).toMatchObject({ offered: SHA, received: 'cd'.repeat(32) });
  });

  it('G13 a file quarantined in this docking is not pulled again when re-offered; the next docking may offer it again', async () => {
    sink.durable = 6;
    sink.received = { sha256: 'cd'.repeat(32), size: 6 };
    let seq = 0;
    const ackAll = async (type: number, n: number) => {
      const got = await dock.waitFor(type, n);
      dock.send(FrameType.ACK, 0, { seq: got[n - 1]?.seq });
      return got;
    };
    dock.send(FrameType.FILE_OFFER, seq++, OFFER);
    await ackAll(FrameType.FILE_REQ, 1);
    dock.send(FrameType.FILE_END, seq++, { fileNo: 7 });
    await ackAll(FrameType.FILE_DONE, 1);
    // The same docking: offered again at once.
    dock.send(FrameType.FILE_OFFER, seq++, OFFER);
    const done = await ackAll(FrameType.FILE_DONE, 2);
    expect(done[1]?.body).toMatchObject({ fileNo: 7, ok: false, reason: expect.stringMatching(/next docking/) as unknown });
    expect(dock.frames(FrameType.FILE_REQ)).toHaveLength(1);
    expect(sink.calls.filter((c) => c === 'finish' || c.startsWith('quarantine') || c.startsWith('durableOffset'))).toHaveLength(3);
    // Taken out and put back: a new docking, so the file is pulled again.
    dock.send(FrameType.DOCK_EVENT, seq++, { e: 'undocked', bay: 2, cam: 'BWC9' });
    dock.send(FrameType.DOCK_EVENT, seq++, { e: 'docked', bay: 2, cam: 'BWC9', batt: 50, files: 1 });
    dock.send(FrameType.FILE_OFFER, seq++, OFFER);
    await dock.waitFor(FrameType.FILE_REQ, 2);
    expect(sink.calls.filter((c) => c.startsWith('durableOffset'))).toHaveLength(2);
  });

  it('G1 answers HELLO with HELLO_ACK, and a repeated HELLO of the same link with HELLO_ACK again without resetting it', async () => {
    dock.send(FrameType.DOCK_EVENT, 0, { e: 'docked', bay: 1, cam: 'BWC9' });
    await dock.waitFor(FrameType.ACK);
    dock.send(FrameType.HELLO, 0, { dockId: 'dock-7', fw: '1.0', bays: 4, nonce: 42 });
    const acks = await dock.waitFor(FrameType.HELLO_ACK, 2);
    expect(acks[1]?.body).toEqual({ nonce: 42, window: 4 });
    // Still the same link: seq 1 is the next one, not a gap after a reset.
    dock.send(FrameType.DOCK_EVENT, 1, { e: 'battery', bay: 1, cam: 'BWC9', batt: 40 });
    const all = await dock.waitFor(FrameType.ACK, 2);
    expect(all.map((a) => a.body)).toEqual([{ seq: 0 }, { seq: 1 }]);
    expect(dock.frames(FrameType.NAK)).toEqual([]);
    expect(events.filter((e) => e.type === 'dock.link')).toHaveLength(1);
  });

  it("G4 refuses DATA longer than the offer's chunk with NAK 8, storing none of it", async () => {
    dock.send(FrameType.FILE_OFFER, 0, { ...OFFER, chunk: 2 });
    const [req] = await dock.waitFor(FrameType.FILE_REQ);
    dock.send(FrameType.ACK, 0, { seq: req?.seq });
    dock.send(FrameType.DATA, 1, encodeData(7, 2, Buffer.from('010203', 'hex')));
    const [nak] = await dock.waitFor(FrameType.NAK);
    expect(nak?.body).toEqual({ seq: 1, reason: NakCode.chunk, expect: 2 });
    expect(sink.calls.filter((c) => c.startsWith('write'))).toEqual([]);
    // Consumed, not a gap: the next seq with a chunk that fits is taken.
    dock.send(FrameType.DATA, 2, encodeData(7, 2, Buffer.from('0102', 'hex')));
    const acks = await dock.waitFor(FrameType.ACK, 2);
    expect(acks[1]?.body).toEqual({ seq: 2, fileNo: 7, offset: 4 });
    expect(sink.calls.filter((c) => c.startsWith('write'))).toEqual(['write 2 0102']);
    expect(events.some((e) => e.type === 'dock.malformed' && /longer than the offer's chunk of 2/.test(e.reason))).toBe(true);
  });

  it('G6 refuses an offer of another recording during a transfer with NAK 10, and serves it after the FILE_DONE', async () => {
    dock.send(FrameType.FILE_OFFER, 0, OFFER);
    const [req] = await dock.waitFor(FrameType.FILE_REQ);
    dock.send(FrameType.ACK, 0, { seq: req?.seq });
    const other = { ...OFFER, fileNo: 8, name: 'BWC9_0008.mp4' };
    dock.send(FrameType.FILE_OFFER, 1, other);
    const [nak] = await dock.waitFor(FrameType.NAK);
    expect(nak?.body).toEqual({ seq: 1, reason: NakCode.oneAtATime, expect: 2 });
    // The first recording goes on and ends.
    dock.send(FrameType.DATA, 2, encodeData(7, 2, Buffer.from('01020304', 'hex')));
    dock.send(FrameType.FILE_END, 3, { fileNo: 7 });
    const [done] = await dock.waitFor(FrameType.FILE_DONE);
    expect(done?.body).toEqual({ fileNo: 7, ok: true, sha256: SHA });
    const [erase] = await dock.waitFor(FrameType.ERASE_OK);
    dock.send(FrameType.ACK, 0, { seq: erase?.seq });
    expect(dock.frames(FrameType.FILE_REQ)).toHaveLength(1);
    dock.send(FrameType.FILE_OFFER, 4, other);
    const reqs = await dock.waitFor(FrameType.FILE_REQ, 2);
    expect(reqs[1]?.body).toEqual({ fileNo: 8, offset: 2 });
    expect(dock.frames(FrameType.NAK)).toHaveLength(1);
  });

  it('G7 refuses a seq frame whose payload does not match its schema with NAK 7 and applies nothing', async () => {
    dock.send(FrameType.DOCK_EVENT, 0, { e: 'docked', bay: 1, cam: 'BWC9', batt: 'full' });
    const [nak] = await dock.waitFor(FrameType.NAK);
    expect(nak?.body).toEqual({ seq: 0, reason: NakCode.payload, expect: 1 });
    dock.send(FrameType.DOCK_EVENT, 1, { e: 'docked', bay: 1, cam: 'BWC9', batt: 90 });
    const [ack] = await dock.waitFor(FrameType.ACK);
    expect(ack?.body).toEqual({ seq: 1 });
    expect(events.filter((e) => e.type === 'dock.event')).toMatchObject([{ batt: 90 }]);
  });

  it('G8 refuses DATA for a file that is not being received with NAK 12, storing nothing', async () => {
    dock.send(FrameType.DATA, 0, encodeData(9, 0, Buffer.from('0102', 'hex')));
    const [nak] = await dock.waitFor(FrameType.NAK);
    expect(nak?.body).toEqual({ seq: 0, reason: NakCode.noTransfer, expect: 1 });
    expect(sink.calls).toEqual([]);
    // A retransmission of it (the NAK lost) gets the same answer, not an ACK.
    dock.send(FrameType.DATA, 0, encodeData(9, 0, Buffer.from('0102', 'hex')));
    const naks = await dock.waitFor(FrameType.NAK, 2);
    expect(naks[1]?.body).toEqual(nak?.body);
    expect(dock.frames(FrameType.ACK)).toEqual([]);
  });
});

describe('DockSession timing, unlinked and silent', () => {
  let pty: PtyPair;
  let session: DockSession;
  let port: SerialPort;
  let dock: ScriptedDock;
  let events: DockSessionEvent[];

  async function open(opts: { retransmitMs: number; heartbeatMs: number }): Promise<void> {
    pty = await openPtyPair();
    events = [];
    session = new DockSession({ path: pty.gatewayPath, dockId: 'dock-7', sink: new FakeSink(), ...opts });
    session.on('event', (e) => events.push(e));
    await session.start();
    port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
    await new Promise((resolve) => port.once('open', resolve));
    dock = new ScriptedDock(port);
  }

  afterEach(async () => {
    dock.close();
    await session.stop();
    await new Promise((resolve) => port.close(resolve));
    await pty.close();
  });

  it('G14 declares the link down three heartbeat periods after the last frame, at most a tenth of a period late', { timeout: 15_000 }, async () => {
    await open({ retransmitMs: 100, heartbeatMs: 1000 });
    dock.send(FrameType.HELLO, 0, { dockId: 'dock-7', fw: '1.0', bays: 4, nonce: 42 });
    await dock.waitFor(FrameType.HELLO_ACK);
    // The last frame goes right after one of the gateway's heartbeats: a gateway that checks only
    // at its heartbeats would then see 3 periods minus a moment at its third, and wait a fourth.
    const beats = dock.frames(FrameType.HEARTBEAT).length;
    await dock.waitFor(FrameType.HEARTBEAT, beats + 1);
    dock.silent = true;
    dock.send(FrameType.HEARTBEAT, 0, { linked: true });
    const last = Date.now();
    await until(() => events.some((e) => e.type === 'dock.link' && e.state === 'down'), 10_000, 'link down');
    const after = Date.now() - last;
    expect(after).toBeGreaterThanOrEqual(3000 - 50);
    expect(after).toBeLessThan(3000 + 500);
    expect(events.filter((e) => e.type === 'dock.link').map((e) => (e.type === 'dock.link' ? [e.state, e.reason] : []))).toEqual([
      ['up', 'hello'],
      ['down', 'heartbeat timeout'],
    ]);
  });

  it('G15 answers seq frames while unlinked with HEARTBEAT linked:false at most once per retransmit interval, applying none', async () => {
    // Heartbeats far apart, so every HEARTBEAT seen here is an answer to a seq frame.
    await open({ retransmitMs: 400, heartbeatMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    const before = dock.frames(FrameType.HEARTBEAT).length;
    for (let seq = 0; seq < 3; seq++) dock.send(FrameType.DOCK_EVENT, seq, { e: 'docked', bay: 1, cam: 'BWC9' });
    const beats = await dock.waitFor(FrameType.HEARTBEAT, before + 1);
    expect(beats[before]?.body).toEqual({ linked: false });
    await new Promise((r) => setTimeout(r, 150));
    expect(dock.frames(FrameType.HEARTBEAT)).toHaveLength(before + 1);
    await new Promise((r) => setTimeout(r, 400));
    dock.send(FrameType.DOCK_EVENT, 3, { e: 'docked', bay: 1, cam: 'BWC9' });
    await dock.waitFor(FrameType.HEARTBEAT, before + 2);
    expect(dock.frames(FrameType.ACK)).toEqual([]);
    expect(events.filter((e) => e.type === 'dock.event')).toEqual([]);
  });
});

describe('DockSession bindings option', () => {
  it('opens through the given binding (and reports a port that is not there)', async () => {
    const events: DockSessionEvent[] = [];
    const session = new DockSession({ path: '/dev/nope', dockId: 'd', sink: new FakeSink(), bindings: SerialPortMock.binding as object, reopenMinMs: 10_000 });
    session.on('event', (e) => events.push(e));
    await session.start();
    await session.stop();
    expect(events[0]).toMatchObject({ type: 'dock.link', state: 'down', reason: expect.stringMatching(/Port does not exist/) as unknown });
  });
});
