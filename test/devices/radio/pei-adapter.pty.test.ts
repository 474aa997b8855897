// The adapter against the simulator over a real socat PTY pair and the real serialport
// binding: the same bytes and the same failure modes (EIO on unplug) as a USB radio.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeiAdapter } from '../../../devices/radio/pei-adapter';
import type { RadioEvent } from '../../../devices/radio/types';
import { PeiSimulator } from '../../../simulators/radio/pei-sim';
import { next, OWN, TALKGROUP, TIMINGS } from './pei-harness';

describe('PeiAdapter over a socat PTY pair', () => {
  let dir: string;
  let sim: PeiSimulator;
  let adapter: PeiAdapter;
  const events: RadioEvent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'townwatch-pei-'));
    const path = join(dir, 'radio');
    sim = new PeiSimulator({
      path,
      units: [
        { issi: 2001, lat: 52.953, lon: -1.15 },
        { issi: 2002, lat: 52.9541, lon: -1.1462 },
      ],
      talkgroup: TALKGROUP,
      ownIssi: OWN,
    });
    await sim.start();
    adapter = new PeiAdapter({ path, ...TIMINGS });
    adapter.on('event', (e) => events.push(e));
    await adapter.start();
  });

  afterAll(async () => {
    await adapter?.stop();
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the start-up sequence and reports the link up', () => {
    expect(adapter.linkUp).toBe(true);
    expect(sim.received.slice(0, 11)).toEqual([
      'AT',
      'ATE0',
      'AT+CTSDS=12,0,0,0,1',
      'AT+CTOM?',
      'AT+CTSP=1,3,10',
      'AT+CTSP=1,3,2',
      'AT+CTSP=1,3,130',
      'AT+CTSP=1,3,137',
      'AT+CTSP=1,3,138',
      'AT+CTSP=1,2,20',
      'AT+CNUMF?',
    ]);
    expect(adapter.ownIssi).toBe(OWN);
    expect(events[0]).toEqual({ type: 'radio.link', state: 'up', reason: 'start-up complete' });
  });

  it('turns a LIP report into radio.position', async () => {
    const got = next(adapter, 'radio.position', (e) => e.issi === 2001);
    await sim.sendPosition(2001, { lat: 52.953, lon: -1.15, speedKmh: 5, headingDeg: 90, reason: 3 });
    const e = await got;
    expect(e).toMatchObject({ issi: 2001, accuracyM: 20, speedKmh: 5, headingDeg: 90, reason: 'ptt' });
    expect(e.lat).toBeCloseTo(52.953, 5);
    expect(e.lon).toBeCloseTo(-1.15, 5);
    expect(e.raw).toEqual({ header: `+CTSDSR: 12,2001,0,${OWN},0,84`, pdu: '0A0FF2EA625A7CC90A8030' });
    expect(Date.now() - Date.parse(e.fixTime)).toBeLessThan(5000);
  });

  it('raises radio.emergency for LIP reason 2', async () => {
    const emergency = next(adapter, 'radio.emergency');
    const position = next(adapter, 'radio.position', (e) => e.reason === 'emergency');
    await sim.sendPosition(2002, { lat: 52.9541, lon: -1.1462, speedKmh: null, reason: 2 });
    expect(await emergency).toMatchObject({ issi: 2002, state: 'pressed' });
    expect(await position).toMatchObject({ issi: 2002, speedKmh: null });
  });

  it('reports a status value as a number', async () => {
    const got = next(adapter, 'radio.status');
    await sim.sendStatus(2001, 0x8003);
    expect(await got).toEqual({ type: 'radio.status', issi: 2001, value: 0x8003, raw: { header: `+CTSDSR: 13,2001,0,${OWN},0,16`, pdu: '8003' } });
  });

  it('reports PTT start and stop on the talkgroup', async () => {
    const start = next(adapter, 'radio.ptt', (e) => e.state === 'start');
    await sim.startPtt(2002, TALKGROUP);
    expect(await start).toMatchObject({ issi: 2002, talkgroup: TALKGROUP, state: 'start' });
    const stop = next(adapter, 'radio.ptt', (e) => e.state === 'stop');
    await sim.stopPtt(2002);
    expect(await stop).toMatchObject({ issi: 2002, talkgroup: TALKGROUP, state: 'stop' });
  });

  it('reports a text and acknowledges it with an SDS-TL report', async () => {
    const got = next(adapter, 'radio.text');
    const msgRef = await sim.sendText(2001, 'Male, red hoodie, heading to Clumber St');
    expect(await got).toMatchObject({ issi: 2001, to: OWN, text: 'Male, red hoodie, heading to Clumber St', msgRef });
    const ack = await sim.waitForCmgs((c) => c.decoded.kind === 'tl-report' && c.decoded.msgRef === msgRef);
    expect(ack).toMatchObject({ to: 2001, bits: 32, decoded: { deliveryStatus: 0 } });
  });

  it('sendText reaches the radio as CMGS and a delivered receipt comes back', async () => {
    const receipt = next(adapter, 'radio.receipt');
    const { msgRef } = await adapter.sendText(TALKGROUP, 'ALERT: CBO subject seen in Victoria Centre', { requestReport: true });
    const cmgs = await sim.waitForCmgs((c) => c.decoded.kind === 'tl-transfer' && c.decoded.msgRef === msgRef);
    expect(cmgs).toMatchObject({ to: TALKGROUP, decoded: { text: 'ALERT: CBO subject seen in Victoria Centre', reportRequest: 1 } });
    expect(sim.received).toContain(`AT+CMGS=${TALKGROUP},${cmgs.bits}`);
    expect(await receipt).toMatchObject({ msgRef, issi: TALKGROUP, status: 'delivered' });
  });

  it('a failed delivery report becomes a failed receipt', async () => {
    sim.cmgsReply = 'failed';
    const receipt = next(adapter, 'radio.receipt');
    const { msgRef } = await adapter.sendText(2002, 'Return to base');
    sim.cmgsReply = 'delivered';
    expect(await receipt).toMatchObject({ msgRef, issi: 2002, status: 'failed' });
  });

  it('a garbled line becomes radio.malformed and the link stays up', async () => {
    const bad = next(adapter, 'radio.malformed');
    sim.setFault('garble', true);
    await sim.sendStatus(2001, 0x8004);
    sim.setFault('garble', false);
    expect(await bad).toMatchObject({
      reason: 'PDU line contains non-hex characters',
      raw: { header: expect.stringContaining('+CTSDSR: 13,2001') as unknown },
    });
    const good = next(adapter, 'radio.status', (e) => e.value === 0x8005);
    await sim.sendStatus(2001, 0x8005);
    await good;
    expect(adapter.linkUp).toBe(true);
  });

  it('lines fragmented across reads still decode', async () => {
    sim.setFault('partial', true);
    const got = next(adapter, 'radio.ptt', (e) => e.state === 'start' && e.issi === 2001);
    await sim.startPtt(2001, TALKGROUP);
    await got;
    const stop = next(adapter, 'radio.ptt', (e) => e.state === 'stop');
    await sim.stopPtt(2001);
    sim.setFault('partial', false);
    await stop;
  });

  it('wrong bit counts are malformed with a reason', async () => {
    const wrongBits = next(adapter, 'radio.malformed');
    sim.setFault('wrong-bits', true);
    await sim.sendPosition(2001, { lat: 52.95, lon: -1.15 });
    sim.setFault('wrong-bits', false);
    expect((await wrongBits).reason).toBe('header says 92 bits but the PDU line has only 88');
  });

  it('a long LIP report with the emergency reason is a position dated by its time of position, and an emergency', async () => {
    const position = next(adapter, 'radio.position', (e) => e.issi === 2002);
    const emergency = next(adapter, 'radio.emergency', (e) => e.issi === 2002);
    const taken = new Date(Math.floor(Date.now() / 1000) * 1000 - 20_000);
    sim.setFault('long-lip', true);
    await sim.sendPosition(2002, { lat: 52.9541, lon: -1.1462, speedKmh: 9, headingDeg: 90, reason: 2, timeOfPosition: taken });
    sim.setFault('long-lip', false);
    const p = await position;
    expect(p.lat).toBeCloseTo(52.9541, 4);
    expect(p.lon).toBeCloseTo(-1.1462, 4);
    expect(p).toMatchObject({ speedKmh: 9, headingDeg: 90, reason: 'emergency', fixTime: taken.toISOString() });
    expect(p.raw.pdu?.slice(0, 3)).toBe('0A4'); // PI 0x0A, PDU type 01 (long report)
    await emergency;
  });

  it('a modem that stops answering is marked down, and comes back when it answers', async () => {
    const down = next(adapter, 'radio.link', (e) => e.state === 'down');
    const t0 = Date.now();
    sim.setFault('no-answer', true);
    expect(await down).toMatchObject({ reason: 'no answer to AT within 400 ms' });
    expect(Date.now() - t0).toBeLessThan(TIMINGS.keepaliveIdleMs + TIMINGS.keepaliveTimeoutMs + 500);
    expect(adapter.linkUp).toBe(false);
    await expect(adapter.sendText(2001, 'lost')).rejects.toThrow(/link is down/);
    const up = next(adapter, 'radio.link', (e) => e.state === 'up');
    sim.setFault('no-answer', false);
    await up;
  });

  it('survives the port vanishing and returning', async () => {
    const down = next(adapter, 'radio.link', (e) => e.state === 'down');
    await sim.vanish();
    expect((await down).reason).toMatch(/port disconnected/);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few failed reopen attempts
    const up = next(adapter, 'radio.link', (e) => e.state === 'up');
    await sim.restore();
    await up;
    const got = next(adapter, 'radio.status', (e) => e.value === 0x8006);
    await sim.sendStatus(2002, 0x8006);
    await got;
  });

  it('emitted only schema-valid events, each decode with its raw record', () => {
    for (const e of events) {
      if (e.type !== 'radio.link') expect(Object.keys(e.raw).length).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.type === 'radio.link').map((e) => e.type === 'radio.link' && e.state)).toEqual(['up', 'down', 'up', 'down', 'up']);
  });
});

describe('PeiAdapter with no radio plugged in', () => {
  it('start() does not throw, reports down, and comes up when the radio appears', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'townwatch-pei-'));
    const path = join(dir, 'radio');
    const adapter = new PeiAdapter({ path, ...TIMINGS });
    const sim = new PeiSimulator({ path, units: [], talkgroup: TALKGROUP, ownIssi: OWN });
    try {
      const down = next(adapter, 'radio.link', (e) => e.state === 'down');
      await adapter.start();
      expect(adapter.linkUp).toBe(false);
      expect((await down).reason).toMatch(/start-up failed/);
      const up = next(adapter, 'radio.link', (e) => e.state === 'up');
      await sim.start();
      await up;
      expect(adapter.ownIssi).toBe(OWN);
    } finally {
      await adapter.stop();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
