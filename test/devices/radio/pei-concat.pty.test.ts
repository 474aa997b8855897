// Concatenated SDS (SDS-TL PI 0x8A with a concatenation UDH) over a real socat PTY: inbound
// parts reassembled into one text whatever their order, repeats ignored, a missing part
// quarantined with its reason after the timeout; outbound texts longer than one SDS sent as
// parts, refused only above the documented maximum. The terminal's parts are built by the
// simulator's own encoder (simulators/radio/sim-encode.ts), never by the gateway's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError } from '../../../devices/radio/pei-adapter';
import type { RadioEvent } from '../../../devices/radio/types';
import { sdsTlConcatPartBits } from '../../../simulators/radio/sim-encode';
import { next, rig, type Rig } from './pei-harness';

const CONCAT_TIMEOUT_MS = 600;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('concatenated SDS texts', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({}, { concatTimeoutMs: CONCAT_TIMEOUT_MS });
    if (!r.adapter.linkUp) await next(r.adapter, 'radio.link', (e) => e.state === 'up');
  });
  afterAll(async () => {
    await r?.close();
  });

  const texts = (from: number) => r.events.filter((e): e is Extract<RadioEvent, { type: 'radio.text' }> => e.type === 'radio.text' && e.issi === from);

  it('parts arriving out of order and repeated become ONE text, each part acknowledged', async () => {
    const words = ['Suspect left Boots by the side door, ', 'heading north on Long Row, ', 'grey hoodie and white trainers.'];
    const part = (seq: number, msgRef: number) => sdsTlConcatPartBits({ msgRef, concatRef: 40, total: 3, seq, text: words[seq - 1]! });
    const got = next(r.adapter, 'radio.text', (e) => e.issi === 2001);
    await r.sim.sendSdsBits(2001, part(3, 42));
    await r.sim.sendSdsBits(2001, part(1, 40));
    await r.sim.sendSdsBits(2001, part(1, 40)); // the SwMI repeats a part whose report it missed
    await r.sim.sendSdsBits(2001, part(2, 41));
    const text = await got;
    expect(text).toMatchObject({ issi: 2001, to: 1000001, text: words.join(''), msgRef: 40 });
    expect(text.raw.parts?.map((p) => p.pdu.slice(0, 2))).toEqual(['8A', '8A', '8A']);
    for (const ref of [40, 41, 42]) await r.sim.waitForCmgs((c) => c.to === 2001 && c.decoded.kind === 'tl-report' && c.decoded.msgRef === ref);
    await pause(CONCAT_TIMEOUT_MS + 200);
    expect(texts(2001)).toHaveLength(1);
    expect(r.events.filter((e) => e.type === 'radio.malformed')).toEqual([]);
  });

  it("the simulator's concatenated text (last part first) arrives whole", async () => {
    const text = 'Two males on bikes, one in a red cap, riding towards the Broadmarsh car park.';
    const got = next(r.adapter, 'radio.text', (e) => e.text === text);
    await r.sim.sendConcatText(2001, text, { partChars: 30, order: [3, 2, 1] });
    expect((await got).raw.parts).toHaveLength(3);
  });

  it('a text missing a part is quarantined after the timeout, with the parts that came and the reason', async () => {
    const bad = next(r.adapter, 'radio.malformed', () => true, CONCAT_TIMEOUT_MS + 3000);
    await r.sim.sendSdsBits(2002, sdsTlConcatPartBits({ msgRef: 60, concatRef: 60, total: 3, seq: 1, text: 'Van, reg ' }));
    await r.sim.sendSdsBits(2002, sdsTlConcatPartBits({ msgRef: 62, concatRef: 60, total: 3, seq: 3, text: ' towards the canal' }));
    const q = await bad;
    expect(q.reason).toBe('concatenated text from 2002 (reference 60): part 2 of 3 not received within 0.6 s; received 1, 3');
    expect(q.raw.parts).toHaveLength(2);
    expect(texts(2002)).toEqual([]);
  });

  it('"consumed" is reported for each part only once the whole text is in', async () => {
    const both = 3;
    await r.sim.sendSdsBits(2001, sdsTlConcatPartBits({ msgRef: 80, concatRef: 80, total: 2, seq: 1, text: 'First half, ', requestReport: both }));
    await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-report' && c.decoded.msgRef === 80 && c.decoded.deliveryStatus === 0x00);
    await pause(200);
    const consumed = (ref: number) =>
      r.sim.submissions.filter((c) => c.decoded.kind === 'tl-report' && c.decoded.msgRef === ref && c.decoded.deliveryStatus === 0x02);
    expect(consumed(80)).toEqual([]);
    await r.sim.sendSdsBits(2001, sdsTlConcatPartBits({ msgRef: 81, concatRef: 80, total: 2, seq: 2, text: 'second half.', requestReport: both }));
    for (const ref of [80, 81]) await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-report' && c.decoded.msgRef === ref && c.decoded.deliveryStatus === 0x02);
    expect(texts(2001).at(-1)?.text).toBe('First half, second half.');
  });

  it('an outbound text longer than one SDS goes as concatenated parts the terminal can put back together', async () => {
    const long = Array.from({ length: 14 }, (_, i) => `Line ${i + 1}: all units hold positions.`).join(' ');
    expect(long.length).toBeGreaterThan(251); // more than one SDS-TL transfer holds in Latin-1
    const before = r.sim.submissions.length;
    const { msgRef, parts } = await r.adapter.sendText(2002, long);
    expect(parts.length).toBe(Math.ceil(long.length / 245));
    const sent = r.sim.submissions.slice(before).filter((c) => c.to === 2002 && c.decoded.kind === 'tl-transfer');
    const decoded = sent.map((c) => (c.decoded.kind === 'tl-transfer' ? c.decoded : null)!);
    expect(decoded.map((d) => d.part)).toEqual(parts.map((_, i) => ({ ref: msgRef, total: parts.length, seq: i + 1 })));
    expect(decoded.map((d) => d.msgRef)).toEqual(parts);
    expect(decoded.map((d) => d.text).join('')).toBe(long);
    expect(sent.every((c) => c.bits <= 2047)).toBe(true);
  });

  it('a text needing more than the maximum number of parts is refused before anything is sent', async () => {
    const before = r.sim.submissions.length;
    const err = await r.adapter.sendText(2002, 'ŵ'.repeat(500)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).reason).toBe(
      'text: 500 characters need 5 TETRA SDS parts; at most 4 parts are sent (488 characters when it has characters outside Latin-1)',
    );
    expect(r.sim.submissions.length).toBe(before);
  });
});

describe('traffic from ISSIs outside the station range', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({}, { issiRanges: [[2001, 2099]] });
    if (!r.adapter.linkUp) await next(r.adapter, 'radio.link', (e) => e.state === 'up');
  });
  afterAll(async () => {
    await r?.close();
  });

  it('is quarantined with the reason, not put on the map, and a text from it is not answered', async () => {
    const bad = next(r.adapter, 'radio.malformed', (e) => /3001/.test(e.reason));
    await r.sim.sendPosition(3001, { lat: 52.953, lon: -1.15 });
    expect((await bad).reason).toBe("SDS not accepted: ISSI 3001 is outside this station's ISSI ranges (2001-2099)");

    const badText = next(r.adapter, 'radio.malformed', (e) => /3001/.test(e.reason));
    const msgRef = await r.sim.sendText(3001, 'Let me in');
    await badText;
    // An in-range radio still gets through, and is answered; the foreign one never was.
    const ok = next(r.adapter, 'radio.text', (e) => e.issi === 2001);
    await r.sim.sendText(2001, 'In range', { requestReport: false });
    await ok;
    expect(r.sim.submissions.filter((c) => c.to === 3001 && c.decoded.kind === 'tl-report' && c.decoded.msgRef === msgRef)).toEqual([]);
    expect(r.events.filter((e) => e.type !== 'radio.malformed' && e.type !== 'radio.link' && 'issi' in e && e.issi === 3001)).toEqual([]);
  });

  it('a radio the gateway sent to is heard on its report even from outside the ranges', async () => {
    const receipt = next(r.adapter, 'radio.receipt', (e) => e.issi === 3005);
    const { msgRef } = await r.adapter.sendText(3005, 'To a unit misfiled outside the range');
    expect(await receipt).toMatchObject({ msgRef, status: 'delivered' });
  });

  it('talk from it is quarantined too; talk from the station range is not', async () => {
    const bad = next(r.adapter, 'radio.malformed', (e) => /push-to-talk start/.test(e.reason));
    await r.sim.startPtt(3002);
    expect((await bad).reason).toBe("push-to-talk start: ISSI 3002 is outside this station's ISSI ranges (2001-2099)");
    await r.sim.stopPtt(3002);
    const ptt = next(r.adapter, 'radio.ptt', (e) => e.issi === 2002 && e.state === 'start');
    await r.sim.startPtt(2002);
    expect((await ptt).talkgroup).toBe(9001);
    await r.sim.stopPtt(2002);
  });
});
