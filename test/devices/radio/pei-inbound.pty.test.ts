// Issue 21 findings 7 and 8 (inbound half) over a real socat PTY: immediate text, LIP time
// elapsed, echo left on, URCs between a command's echo and its OK, and unknown lines counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitsToHex, field } from '../../../simulators/radio/sim-encode';
import { next, rig, type Rig } from './pei-harness';

describe('inbound PEI traffic as real terminals send it', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ profile: 'motorola' }, { optionalCommands: ['AT+CTOM?'] });
    if (!r.adapter.linkUp) await next(r.adapter, 'radio.link', (e) => e.state === 'up');
  });
  afterAll(async () => {
    await r?.close();
  });

  it('an immediate text (PI 0x89) is a text, and its requested report is sent', async () => {
    const got = next(r.adapter, 'radio.text');
    const msgRef = await r.sim.sendText(2001, 'Flash: man with knife', { immediate: true });
    expect(await got).toMatchObject({ issi: 2001, text: 'Flash: man with knife', msgRef });
    await r.sim.waitForCmgs((c) => c.to === 2001 && c.decoded.kind === 'tl-report' && c.decoded.msgRef === msgRef);
  });

  it('a LIP fix reported as up to 5 minutes old is not shown as fresh', async () => {
    const got = next(r.adapter, 'radio.position', (e) => e.issi === 2002);
    await r.sim.sendPosition(2002, { lat: 52.954, lon: -1.146, timeElapsed: 1 });
    const e = await got;
    expect(Date.now() - Date.parse(e.fixTime)).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
  });

  it('with echo stuck on, echoed CMGS user data is not quarantined and the send succeeds', async () => {
    r.sim.setFault('echo-stuck', true);
    const bad = r.events.filter((e) => e.type === 'radio.malformed').length;
    const { msgRef } = await r.adapter.sendText(2001, 'Echo test');
    await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-transfer' && c.decoded.msgRef === msgRef);
    expect(r.events.filter((e) => e.type === 'radio.malformed').length).toBe(bad);
    r.sim.setFault('echo-stuck', false);
  });

  it("a URC written between a command's echo and its OK is still decoded, and an unknown line is counted", async () => {
    const before = r.adapter.stats.unknownLines;
    // The next answer (the keepalive AT, after 300 ms of quiet) carries a status SDS and an unknown URC.
    r.sim.interleaveNext(['+CTSDSR: 13,2001,0,1000001,0,16', '8004', '+CREG: 1']);
    const status = await next(r.adapter, 'radio.status', (e) => e.value === 0x8004);
    expect(status.issi).toBe(2001);
    expect(r.adapter.linkUp).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.adapter.stats.unknownLines).toBeGreaterThan(before);
    const { msgRef } = await r.adapter.sendText(2002, 'After');
    await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-transfer' && c.decoded.msgRef === msgRef);
    expect(r.adapter.stats.sdsOut).toBeGreaterThan(0);
    expect(r.adapter.stats.lastHeard).not.toBeNull();
  });

  // A Sepura short report as captured from the radio ("Sepura SDS LIP",
  // forums.radioreference.com/threads/sepura-sds-lip.345360: the AVL server read it as 52.37570,
  // 16.23886), with the calling party given as a TSI (MCC 0234, MNC 00001, SSI 2001) as such
  // terminals report it, written on the line byte for byte as a control station does.
  it('a LIP short report captured from a Sepura terminal is a position with its accuracy, speed and heading', async () => {
    const got = next(r.adapter, 'radio.position', (e) => e.issi === 2001 && e.reason === 'immediate-location-request');
    await r.sim.inject('\r\n+CTSDSR: 12,02340000100002001,1,1000001,0,84\r\n0A00B8C31A53EB496D6200\r\n');
    const e = await got;
    expect(e.lat).toBeCloseTo(52.3757, 4);
    expect(e.lon).toBeCloseTo(16.23886, 4);
    expect(e).toMatchObject({ accuracyM: 20, headingDeg: 247.5 });
    expect(e.speedKmh).toBeCloseTo(73.83, 2);
  });

  // A long report as a terminal with a GNSS receiver sends it: time of position, location shape 5
  // (circle with altitude: uncertainty code 5 = 8.4 m, altitude 251 = 50 m), velocity type 6
  // (15 km/h with uncertainty, direction 160 × 360/256 = 225° with uncertainty), reason 3 (PTT).
  function longReport(taken: Date): string {
    return (
      '00001010' +
      '01' +
      '0011' +
      '10' +
      field(taken.getUTCDate(), 5) +
      field(taken.getUTCHours(), 5) +
      field(taken.getUTCMinutes(), 6) +
      field(taken.getUTCSeconds(), 6) +
      '0101' +
      field(Math.round((-1.1497 * 2 ** 25) / 360), 25) +
      field(Math.round((52.9533 * 2 ** 24) / 180), 24) +
      field(5, 6) +
      '0' +
      field(251, 11) +
      '110' +
      field(15, 7) +
      '010' +
      field(160, 8) +
      '001' +
      '0' +
      '0' +
      field(3, 8)
    );
  }

  it('a long report with time of position, altitude and an uncertainty circle is a position with all of them', async () => {
    const got = next(r.adapter, 'radio.position', (e) => e.issi === 2002 && e.reason === 'ptt');
    const taken = new Date(Math.floor(Date.now() / 1000) * 1000 - 12_000);
    await r.sim.sendSdsBits(2002, longReport(taken));
    const e = await got;
    expect(e.lat).toBeCloseTo(52.9533, 4);
    expect(e.lon).toBeCloseTo(-1.1497, 4);
    expect(e).toMatchObject({ accuracyM: 8.4, speedKmh: 15, headingDeg: 225, fixTime: taken.toISOString() });
    expect(e.raw.pdu).toBe(bitsToHex(longReport(taken)));
  });

  it('a long report cut short is quarantined with its reason and raw PDU, and the next report still decodes', async () => {
    const bad = next(r.adapter, 'radio.malformed', (e) => e.raw.header?.includes(',2002,') === true);
    const cut = longReport(new Date()).slice(0, 80);
    await r.sim.sendSdsBits(2002, cut);
    const m = await bad;
    expect(m.reason).toMatch(/^LIP long location report: PDU ends early/);
    expect(m.raw).toMatchObject({ header: `+CTSDSR: 12,2002,0,1000001,0,80`, pdu: bitsToHex(cut) });
    const good = next(r.adapter, 'radio.position', (e) => e.issi === 2002 && e.reason === 'ptt');
    await r.sim.sendSdsBits(2002, longReport(new Date(Math.floor(Date.now() / 1000) * 1000)));
    expect((await good).accuracyM).toBe(8.4);
    expect(r.adapter.linkUp).toBe(true);
  });
});
