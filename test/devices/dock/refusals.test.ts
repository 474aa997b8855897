import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, NakCode } from '../../../devices/dock/constants';
import type { Gateway } from '../../../gateway/app';
import type { PtyPair } from '../../../simulators/dock/pty';
import { ScriptedDock, startDockGateway, until } from './harness';

/**
 * Refusals a vendor's dock meets first, against the whole gateway (its journal included) over a
 * socat PTY: another dock's HELLO on this line, and bays the dock never announced.
 */
let gw: Gateway;
let pty: PtyPair;
let port: SerialPort;
let dock: ScriptedDock;

beforeAll(async () => {
  ({ gw, pty } = await startDockGateway());
  port = new SerialPort({ path: pty.dockPath, baudRate: 115200 });
  await new Promise((resolve) => port.once('open', resolve));
  dock = new ScriptedDock(port);
}, 30_000);

afterAll(async () => {
  dock?.close();
  if (port?.isOpen) await new Promise((resolve) => port.close(resolve));
  await gw?.stop();
  await pty?.close();
});

const journal = () => [...gw.journal.replay()];
const quarantined = (re: RegExp) =>
  journal().filter((e) => e.type === 'quarantine.message' && e.source === 'dock:dock-1' && re.test((e.payload as { reason: string }).reason));

describe('a dock refused for what it says, over a socat PTY', () => {
  it('G3 refuses a HELLO naming another dock id with NAK 11, stays unlinked and journals it once however often it is retried', async () => {
    for (let i = 0; i < 5; i++) {
      dock.send(FrameType.HELLO, 0, { dockId: 'dock-9', fw: '2.1', bays: 6, nonce: 77 });
      await new Promise((r) => setTimeout(r, 50));
    }
    const naks = await dock.waitFor(FrameType.NAK, 5);
    for (const n of naks) expect(n.body).toEqual({ seq: 0, reason: NakCode.dockId });
    expect(dock.frames(FrameType.HELLO_ACK)).toEqual([]);
    await until(() => quarantined(/dock-9/).length > 0, 5000, 'the refusal in the journal');
    await new Promise((r) => setTimeout(r, 300));
    const records = quarantined(/dock-9/);
    expect(records).toHaveLength(1);
    expect((records[0]!.payload as { reason: string }).reason).toMatch(/dock id dock-9, but this line is configured for dock-1/);
    expect(journal().filter((e) => e.type === 'dock.link' && (e.payload as { state: string }).state === 'up')).toEqual([]);
    // The right dock on the same line is linked at once.
    dock.send(FrameType.HELLO, 0, { dockId: 'dock-1', fw: '2.1', bays: 6, nonce: 78 });
    const [ack] = await dock.waitFor(FrameType.HELLO_ACK);
    expect(ack?.body).toMatchObject({ nonce: 78 });
  });

  it('G5 refuses a DOCK_EVENT and a FILE_OFFER for bay 9 of a 6-bay dock with NAK 9, acts on neither and journals each refusal', async () => {
    if (dock.frames(FrameType.HELLO_ACK).length === 0) {
      dock.send(FrameType.HELLO, 0, { dockId: 'dock-1', fw: '2.1', bays: 6, nonce: 79 });
      await dock.waitFor(FrameType.HELLO_ACK);
    }
    const offer = {
      fileNo: 3,
      cam: 'BWC-0001',
      bay: 9,
      name: 'BWC-0001_0003.mp4',
      size: 1000,
      sha256: 'ab'.repeat(32),
      recStart: '2025-06-01T08:00:00Z',
      recEnd: '2025-06-01T08:01:00Z',
      chunk: 1024,
    };
    dock.send(FrameType.DOCK_EVENT, 0, { e: 'docked', bay: 9, cam: 'BWC-0001', batt: 80, files: 1 });
    dock.send(FrameType.FILE_OFFER, 1, offer);
    const bayNaks = () => dock.frames(FrameType.NAK).filter((n) => n.body.reason === NakCode.bay);
    await until(() => bayNaks().length >= 2, 5000, 'two NAK 9');
    expect(bayNaks().map((n) => n.body)).toEqual([
      { seq: 0, reason: NakCode.bay, expect: 1 },
      { seq: 1, reason: NakCode.bay, expect: 2 },
    ]);
    await until(() => quarantined(/bay 9/).length >= 2, 5000, 'both refusals in the journal');
    const reasons = quarantined(/bay 9/).map((e) => (e.payload as { reason: string }).reason);
    expect(reasons).toEqual([expect.stringMatching(/^DOCK_EVENT: bay 9 is above the 6 bays/), expect.stringMatching(/^FILE_OFFER: bay 9 is above the 6 bays/)]);
    expect(dock.frames(FrameType.FILE_REQ)).toEqual([]);
    const counted = (await gw.metrics.dockMalformed.get()).values.filter((v) => v.labels.kind === 'DOCK_EVENT' || v.labels.kind === 'FILE_OFFER');
    expect(counted.map((v) => [v.labels.kind, v.value]).sort()).toEqual([
      ['DOCK_EVENT', 1],
      ['FILE_OFFER', 1],
    ]);
    expect(journal().filter((e) => e.type === 'dock.event' || e.type === 'evidence.offered')).toEqual([]);
    // Bay 6 is one of the six: taken.
    dock.send(FrameType.DOCK_EVENT, 2, { e: 'docked', bay: 6, cam: 'BWC-0001', batt: 80, files: 1 });
    await until(() => dock.frames(FrameType.ACK).some((a) => a.body.seq === 2), 5000, 'ACK of bay 6');
  });
});
