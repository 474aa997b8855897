// LIP long location reports (TS 100 392-18-1 PDU type 1, extension 3). The vectors are built
// bit by bit here and by the simulator's own encoder (simulators/radio/sim-encode.ts), never by
// the gateway's code, so an error in the decoder cannot be mirrored and cancel itself out.
import { describe, expect, it } from 'vitest';
import { decodeLipLong, longFixTime, type LipLongReport } from '../../../devices/radio/lip-long';
import { interpretSds } from '../../../devices/radio/sds-events';
import { bitsToHex, field, lipLongBits } from '../../../simulators/radio/sim-encode';
import { hex } from './fixtures';

function decodeBits(bits: string): ReturnType<typeof decodeLipLong> {
  return decodeLipLong(hex(bitsToHex(bits)), bits.length);
}

function ok(bits: string): LipLongReport {
  const r = decodeBits(bits);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('LIP long location report: a hand-built vector', () => {
  // A unit on Long Row presses the emergency button while running north-east; the radio dates
  // the fix 6 December 23:59:30 UTC and draws a circle of uncertainty code 5 round it.
  //   PI               00001010                  0x0A = LIP
  //   PDU type         01                        with extension
  //   extension        0011                      long location report
  //   time type        10                        time of position
  //   day/hour/min/sec 00110 10111 111011 011110 6, 23, 59, 30
  //   shape            0010                      point with uncertainty circle
  //   longitude        -1.1492° → round(-1.1492 × 2^25 / 360) = -107113 in 25 bits
  //   latitude         52.9537° → round(52.9537 × 2^24 / 180) = 4935643 in 24 bits
  //   uncertainty      000101                    code 5
  //   velocity type    101                       horizontal, direction of travel extended
  //   speed            0001100                   12 km/h
  //   direction        00100000                  32 × 360/256 = 45°
  //   ack / add. data  0 0                       no ack; a reason for sending follows
  //   reason           00000010                  2 = emergency
  const bits =
    '00001010' +
    '01' +
    '0011' +
    '10' +
    '00110' +
    '10111' +
    '111011' +
    '011110' +
    '0010' +
    field(-107113, 25) +
    field(4935643, 24) +
    '000101' +
    '101' +
    '0001100' +
    '00100000' +
    '0' +
    '0' +
    '00000010';

  it('decodes every field', () => {
    const r = ok(bits);
    expect(r.longitude).toBeCloseTo(-1.1492, 4);
    expect(r.latitude).toBeCloseTo(52.9537, 4);
    expect(r).toMatchObject({
      shape: 2,
      uncertaintyCode: 5,
      speedKmh: 12,
      headingDeg: 45,
      time: { type: 'position', day: 6, hour: 23, minute: 59, second: 30 },
      ackRequested: false,
      reasonCode: 2,
      reason: 'emergency',
      userDefinedData: null,
    });
  });

  it('becomes a position dated by its time of position, and an emergency, as a short report would', () => {
    const now = new Date('2026-12-07T00:00:10Z');
    const out = interpretSds(`+CTSDSR: 12,2003,0,1000001,0,${bits.length}`, bitsToHex(bits), now);
    expect(out.events.map((e) => e.type)).toEqual(['radio.position', 'radio.emergency']);
    expect(out.events[0]).toMatchObject({ issi: 2003, speedKmh: 12, headingDeg: 45, reason: 'emergency', fixTime: '2026-12-06T23:59:30.000Z' });
  });
});

describe('LIP long location report: simulator-encoded fixes', () => {
  it('a point with speed and time elapsed', () => {
    const r = ok(lipLongBits({ lat: 52.953, lon: -1.15, speedKmh: 5, timeElapsed: 1, reason: 3 }));
    expect(r.latitude).toBeCloseTo(52.953, 4);
    expect(r.longitude).toBeCloseTo(-1.15, 4);
    expect(r).toMatchObject({ shape: 1, uncertaintyCode: null, speedKmh: 5, headingDeg: null, time: { type: 'elapsed', code: 1 }, reason: 'ptt' });
  });

  it('southern and eastern hemispheres, fast on the logarithmic speed scale, heading 200°', () => {
    const r = ok(lipLongBits({ lat: -33.8688, lon: 151.2093, speedKmh: 92, headingDeg: 200 }));
    expect(r.latitude).toBeCloseTo(-33.8688, 4);
    expect(r.longitude).toBeCloseTo(151.2093, 4);
    expect(r.speedKmh).toBeGreaterThan(88);
    expect(r.speedKmh).toBeLessThan(96);
    expect(r.headingDeg).toBeCloseTo(199.69, 2); // 142 × 360/256: the nearest of 256 steps
  });

  it('no velocity information and no time: position only, dated on receipt', () => {
    const bits = lipLongBits({ lat: 51.5, lon: -0.12, noVelocity: true }).replace(/^(.{14})01(..)/, '$100'); // time type 0, no elapsed field
    const r = ok(bits);
    expect(r).toMatchObject({ speedKmh: null, headingDeg: null, time: { type: 'none' } });
    const now = new Date('2026-12-07T00:00:00Z');
    expect(interpretSds(`+CTSDSR: 12,2001,0,1000001,0,${bits.length}`, bitsToHex(bits), now).events[0]).toMatchObject({ fixTime: now.toISOString() });
  });
});

describe('LIP long location report: refused with a reason', () => {
  const base = lipLongBits({ lat: 52.953, lon: -1.15, speedKmh: 5 });
  // Offsets in the default (time elapsed, point, horizontal velocity) layout.
  const TIME_TYPE = 14;
  const SHAPE = 18;
  const VELOCITY = 22 + 49;

  it('a reserved time type', () => {
    const r = decodeBits(base.slice(0, TIME_TYPE) + '11' + base.slice(TIME_TYPE + 2));
    expect(r).toEqual({ ok: false, reason: 'LIP long location report: time type 3 is reserved' });
  });

  it('a location shape it does not decode, named', () => {
    const r = decodeBits(base.slice(0, SHAPE) + '0011' + base.slice(SHAPE + 4));
    expect(!r.ok && r.reason).toBe(
      'LIP long location report: location shape 3 (location ellipse) is not decoded: only a point, with or without an uncertainty circle',
    );
  });

  it('a velocity type it does not decode, named', () => {
    const r = decodeBits(base.slice(0, VELOCITY) + '011' + base.slice(VELOCITY + 3));
    expect(!r.ok && r.reason).toBe('LIP long location report: velocity type 3 (horizontal and vertical velocity) is not decoded');
  });

  it('a report cut short, and an impossible time of position', () => {
    const cut = decodeBits(base.slice(0, 60));
    expect(!cut.ok && cut.reason).toMatch(/^LIP long location report: PDU ends early: need 24 bits/);
    const t = lipLongBits({ lat: 52.953, lon: -1.15, timeOfPosition: new Date('2026-12-06T23:59:30Z') });
    const bad = t.slice(0, 21) + '11111' + t.slice(26); // hour 31
    expect(decodeBits(bad)).toEqual({ ok: false, reason: 'LIP long location report: impossible time of position: day 6, 31:59:30' });
  });

  it('another PDU type 1 extension is not taken for a location', () => {
    const r = decodeBits(base.slice(0, 10) + '0101' + base.slice(14));
    expect(r).toEqual({ ok: false, reason: 'LIP PDU type 1 extension 5 is not a location report: not decoded' });
  });
});

describe('time of position', () => {
  it('is the latest such moment not after now, across a month end', () => {
    const now = new Date('2026-12-01T00:00:05Z');
    expect(longFixTime(now, { type: 'position', day: 30, hour: 23, minute: 59, second: 50 })?.toISOString()).toBe('2026-11-30T23:59:50.000Z');
    // 31 November does not exist: the 31st before 1 December is in October.
    expect(longFixTime(now, { type: 'position', day: 31, hour: 12, minute: 0, second: 0 })?.toISOString()).toBe('2026-10-31T12:00:00.000Z');
  });
});
