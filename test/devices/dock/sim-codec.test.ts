import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as constants from '../../../devices/dock/constants';
import { FrameType } from '../../../devices/dock/constants';
import { decodeFrame, encodeFrame } from '../../../devices/dock/frame';
import { encodeJson } from '../../../devices/dock/messages';
import { mulberry32 } from '../../../simulators/random';
import { SimLinkReset, SimReceiver, SimSender } from '../../../simulators/dock/sim-arq';
import { isBadPacket, simCrc16, simDecodePacket, simEncodeFrame, simSlip, SimSlipDecoder } from '../../../simulators/dock/wire';

const docBytes = (): string => readFileSync(new URL('../../../devices/dock/PROTOCOL.md', import.meta.url), 'utf8');

/** The hex at the start of each line of the document's byte-level examples (before the comment). */
function examples(): Buffer[] {
  const section = docBytes().slice(docBytes().indexOf('### Byte-level example'));
  return [...section.matchAll(/```\n([\s\S]*?)```/g)].slice(0, 2).map((m) =>
    Buffer.from(
      m[1]!
        .split('\n')
        .map((l) => (/^((?:[0-9a-f]{2} ?)+)/.exec(l)?.[1] ?? '').replace(/ /g, ''))
        .join(''),
      'hex',
    ),
  );
}

function unslip(bytes: Buffer): Promise<Buffer[]> {
  const d = new SimSlipDecoder();
  const out: Buffer[] = [];
  d.on('data', (p: Buffer) => out.push(p));
  return new Promise((resolve) => {
    d.end(bytes, () => setImmediate(() => resolve(out)));
  });
}

describe("the simulator's own decoder (simulators/dock/wire.ts) against PROTOCOL.md", () => {
  it("reads the document's byte-level examples", async () => {
    const [fileEnd, dataOnWire] = examples();
    expect(simDecodePacket(fileEnd!)).toEqual({ type: FrameType.FILE_END, seq: 0x0102, payload: Buffer.from('{"fileNo":7}') });
    const packets = await unslip(dataOnWire!);
    expect(packets).toHaveLength(1); // the opening END's empty packet is skipped
    expect(simDecodePacket(packets[0]!)).toEqual({ type: FrameType.DATA, seq: 5, payload: Buffer.from('0000000100000000c0db00', 'hex') });
  });

  it('gives the reasons of section 1 in its order: size, CRC, len, version/type', () => {
    const good = simEncodeFrame(FrameType.FILE_END, 9, Buffer.from('{"fileNo":1}'));
    expect(simDecodePacket(good.subarray(0, 7))).toMatchObject({ bad: 'length', size: 7 });
    const flipped = Buffer.from(good);
    flipped[8] = flipped[8]! ^ 1;
    expect(simDecodePacket(flipped)).toEqual({ bad: 'crc', seq: 9, size: good.length });
    // A len field that disagrees, under a CRC that is right for the bytes: "length".
    const lying = Buffer.from(good.subarray(0, good.length - 2));
    lying.writeUInt16BE(3, 4);
    expect(simDecodePacket(withCrc(lying))).toMatchObject({ bad: 'length' });
    const v2 = Buffer.from(good.subarray(0, good.length - 2));
    v2[0] = 2;
    expect(simDecodePacket(withCrc(v2))).toMatchObject({ bad: 'unknown' });
    const t = Buffer.from(good.subarray(0, good.length - 2));
    t[1] = 0x7f;
    expect(simDecodePacket(withCrc(t))).toMatchObject({ bad: 'unknown' });
  });

  it('finds a frame with noise glued to its front, as section 1 asks of receivers', () => {
    const frame = simEncodeFrame(FrameType.ERASE_OK, 3, Buffer.from('{"fileNo":2}'));
    expect(simDecodePacket(Buffer.concat([Buffer.from([0x01, 0x55, 0x00]), frame]))).toMatchObject({ type: FrameType.ERASE_OK, seq: 3 });
  });

  it('ends a packet at an invalid SLIP escape and starts the next with the byte after it', async () => {
    const frame = simEncodeFrame(FrameType.FILE_REQ, 1, Buffer.from('{"fileNo":1,"offset":0}'));
    const packets = await unslip(Buffer.concat([Buffer.from([0xc0, 0x11, 0xdb, 0x22, 0x33, 0xc0]), simSlip(frame)]));
    expect(packets).toEqual([Buffer.from([0x11]), Buffer.from([0x22, 0x33]), frame]);
  });

  it("agrees with the gateway's decoder on a thousand random and damaged frames", () => {
    const rng = mulberry32(18);
    for (let i = 0; i < 1000; i++) {
      const payload = encodeJson({ fileNo: i, pad: 'x'.repeat(Math.floor(rng() * 200)) });
      const bytes = Buffer.from(encodeFrame(FrameType.FILE_REQ, i, payload));
      if (i % 3 === 1) bytes[Math.floor(rng() * bytes.length)]! ^= 1 + Math.floor(rng() * 255);
      if (i % 3 === 2) bytes.writeUInt8(rng() < 0.5 ? 2 : 0x7e, rng() < 0.5 ? 0 : 1);
      const ours = simDecodePacket(bytes);
      const theirs = decodeFrame(bytes);
      expect(isBadPacket(ours)).toBe(!theirs.ok);
      if (isBadPacket(ours) && !theirs.ok) expect(ours.bad).toBe(theirs.reason);
      if (!isBadPacket(ours) && theirs.ok) expect(ours).toEqual(theirs.frame);
    }
  });
});

/** Header and payload with a CRC that is right for them, so only the field under test is wrong. */
function withCrc(body: Buffer): Buffer {
  const out = Buffer.concat([body, Buffer.alloc(2)]);
  out.writeUInt16BE(simCrc16(body), body.length);
  return out;
}

describe("the simulator's own ARQ (simulators/dock/sim-arq.ts) against section 3", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function rig(window = 4) {
    const sent: number[] = [];
    const gaveUp: string[] = [];
    const sender = new SimSender({ window, retransmitMs: 500, maxTries: 3, write: (_t, seq) => sent.push(seq), onGiveUp: (r) => gaveUp.push(r) });
    return { sender, sent, gaveUp };
  }

  it('keeps at most the granted window unacknowledged and slides on a cumulative ACK', () => {
    const { sender, sent } = rig();
    sender.grant(2);
    for (let i = 0; i < 5; i++) sender.send(FrameType.DATA, Buffer.alloc(9));
    expect(sent).toEqual([0, 1]);
    sender.ack(1);
    expect(sent).toEqual([0, 1, 2, 3]);
    sender.ack(0); // stale: already covered
    expect(sent).toEqual([0, 1, 2, 3]);
  });

  it('resends the oldest with everything after it 500 ms after it was sent, and gives up after the budget', () => {
    const { sender, sent, gaveUp } = rig();
    sender.send(FrameType.DATA, Buffer.alloc(9));
    sender.send(FrameType.DATA, Buffer.alloc(9));
    vi.advanceTimersByTime(499);
    expect(sent).toEqual([0, 1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([0, 1, 0, 1]);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([0, 1, 0, 1, 0, 1]);
    expect(gaveUp).toHaveLength(1);
  });

  it('goes back at once on NAK 1–4 (once per 100 ms), takes `expect` as an ACK, and only waits on NAK 5/6', () => {
    const { sender, sent } = rig();
    for (let i = 0; i < 4; i++) sender.send(FrameType.DATA, Buffer.alloc(9));
    sender.nak(4, 2); // 0 and 1 arrived
    expect(sent).toEqual([0, 1, 2, 3, 2, 3]);
    sender.nak(4, 2);
    expect(sent).toHaveLength(6);
    vi.advanceTimersByTime(100);
    sender.nak(5, undefined);
    vi.advanceTimersByTime(499);
    expect(sent).toHaveLength(6);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([0, 1, 2, 3, 2, 3, 2, 3]);
  });

  it('fails waiters and restarts numbering at 0 on a new link', async () => {
    const { sender, sent } = rig(1);
    sender.send(FrameType.FILE_OFFER, Buffer.alloc(2));
    const waiting = sender.room();
    sender.clear('test');
    await expect(waiting).rejects.toBeInstanceOf(SimLinkReset);
    sender.send(FrameType.FILE_OFFER, Buffer.alloc(2));
    expect(sent).toEqual([0, 0]);
  });

  it('receives in order: next, again (within half the space behind), or a gap NAKed once', () => {
    const r = new SimReceiver();
    expect(r.classify(0)).toBe('next');
    r.took(0);
    expect(r.classify(0)).toBe('again');
    expect(r.classify(3)).toBe('gap');
    expect(r.firstOfGap()).toBe(true);
    expect(r.firstOfGap()).toBe(false);
    expect(r.classify(65535)).toBe('again');
  });
});

describe('the simulator shares no protocol code with the gateway', () => {
  it('imports nothing from devices/dock but its numeric constants', () => {
    const dir = new URL('../../../simulators/dock/', import.meta.url);
    const imports = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(new URL(f, dir), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => `${f}: ${m[1]}`));
    expect(imports.filter((i) => i.includes('devices/') && !i.endsWith(': ../../devices/dock/constants'))).toEqual([]);
    expect(imports.some((i) => i.includes('devices/dock/constants'))).toBe(true);
  });

  it('and that constants module holds numbers, no logic', () => {
    const values = Object.values(constants).flatMap((v): unknown[] => (typeof v === 'object' ? Object.values(v as Record<string, unknown>) : [v]));
    expect(values.filter((v) => typeof v !== 'number')).toEqual([]);
  });
});
