// LIP long location reports (TS 100 392-18-1 PDU type 1, extension 3). The vectors are built
// bit by bit here and by the simulator's own encoder (simulators/radio/sim-encode.ts), never by
// the gateway's code, so an error in the decoder cannot be mirrored and cancel itself out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { altitudeToMetres, decodeLipLong, longFixTime, uncertaintyToMetres, type LipLongReport } from '../../../devices/radio/lip-long';
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

  it('a location shape that is not a terminal position, or reserved, named', () => {
    const arc = decodeBits(base.slice(0, SHAPE) + '1001' + base.slice(SHAPE + 4));
    expect(!arc.ok && arc.reason).toBe('LIP long location report: location shape 9 (location arc) is not a terminal position: not decoded');
    const reserved = decodeBits(base.slice(0, SHAPE) + '1011' + base.slice(SHAPE + 4));
    expect(!reserved.ok && reserved.reason).toBe('LIP long location report: location shape 11 (reserved) is not decoded');
    const extension = decodeBits(base.slice(0, SHAPE) + '1111' + base.slice(SHAPE + 4));
    expect(!extension.ok && extension.reason).toBe('LIP long location report: location shape 15 (location shape extension) is not decoded');
  });

  it('a velocity type whose fields run past the end is cut short, not misread', () => {
    // Velocity type 3 carries 8 bits of vertical velocity the PDU does not have.
    const r = decodeBits(base.slice(0, VELOCITY) + '011' + base.slice(VELOCITY + 3));
    expect(!r.ok && r.reason).toMatch(/^LIP long location report: PDU ends early/);
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

// Every location shape and velocity type of TS 100 392-18-1 (location shape table 6.79, velocity
// type table 6.123/6.124), built field by field from the element sizes that three public decoders
// agree on (sq5bpf's telive/osmo-tetra decode_lip, sswroom's TETRALIP.cpp, a Python LIP decoder's
// bit-length tables). Each vector ends with a reason or user-defined octet: reading it back right
// proves every field before it had the right size.
const PI_LONG = '00001010' + '01' + '0011';
const timeOfPosition = (day: number, h: number, m: number, sec: number): string => '10' + field(day, 5) + field(h, 5) + field(m, 6) + field(sec, 6);
// Nottingham Council House, 52.9533 N 1.1497 W.
const LON = Math.round((-1.1497 * 2 ** 25) / 360);
const LAT = Math.round((52.9533 * 2 ** 24) / 180);
const POINT = field(LON, 25) + field(LAT, 24);
const reasonTail = (reason: number, ack = '0'): string => ack + '0' + field(reason, 8);

describe('LIP long location report: every shape and velocity type', () => {
  // Shape 5, circle with altitude: uncertainty 000101 (code 5: 2 × 1.2^10 − 4 = 8.4 m), altitude
  // type 0 (WGS84) + 00011111011 (251: 251 − 201 = 50 m). Velocity type 6: 12 km/h, uncertainty
  // 010, direction 01000000 (64 × 360/256 = 90°), its uncertainty 001. Time of position 7th 05:59:58.
  const CIRCLE_ALT =
    PI_LONG +
    timeOfPosition(7, 5, 59, 58) +
    '0101' +
    POINT +
    '000101' +
    '0' +
    field(251, 11) +
    '110' +
    field(12, 7) +
    '010' +
    field(64, 8) +
    '001' +
    reasonTail(129);

  it('circle with altitude, velocity with direction and uncertainty', () => {
    const r = ok(CIRCLE_ALT);
    expect(r.latitude).toBeCloseTo(52.9533, 4);
    expect(r.longitude).toBeCloseTo(-1.1497, 4);
    expect(r).toMatchObject({
      shape: 5,
      uncertaintyCode: 5,
      accuracyM: 8.4,
      altitudeM: 50,
      altitudeReference: 'wgs84',
      speedKmh: 12,
      headingDeg: 90,
      time: { type: 'position', day: 7, hour: 5, minute: 59, second: 58 },
      reasonCode: 129,
      fix: true,
    });
  });

  it('becomes a radio.position with accuracy, speed, heading and the time of position', () => {
    const out = interpretSds(`+CTSDSR: 12,2001,0,1000001,0,${CIRCLE_ALT.length}`, bitsToHex(CIRCLE_ALT), new Date('2026-12-07T06:00:03Z'));
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      type: 'radio.position',
      issi: 2001,
      accuracyM: 8.4,
      speedKmh: 12,
      headingDeg: 90,
      reason: 'max-reporting-interval',
      fixTime: '2026-12-07T05:59:58.000Z',
    });
  });

  it('point with altitude (user-defined reference), velocity type 7, acknowledgement requested, user data', () => {
    // Altitude 1 + 11110000111 (1927: first 75 m step, 2525 m). Velocity type 7: 40 (16 × 1.038^27),
    // uncertainty, vertical 10000101 + uncertainty, direction 11000000 (192 → 270°) + uncertainty.
    const bits =
      PI_LONG +
      '01' +
      '01' +
      '0100' +
      POINT +
      '1' +
      field(1927, 11) +
      '111' +
      field(40, 7) +
      '011' +
      '10000101' +
      '100' +
      field(192, 8) +
      '010' +
      '1' +
      '1' +
      field(0x5a, 8);
    expect(ok(bits)).toMatchObject({
      shape: 4,
      accuracyM: null,
      altitudeM: 2525,
      altitudeReference: 'user-defined',
      headingDeg: 270,
      time: { type: 'elapsed', code: 1 },
      ackRequested: true,
      reasonCode: null,
      userDefinedData: 0x5a,
    });
    expect(ok(bits).speedKmh).toBeCloseTo(16 * 1.038 ** 27, 2);
  });

  it('ellipse: the half major axis bounds the error; velocity type 3 (horizontal and vertical)', () => {
    // Half major 010100 (20: 186.8 m), half minor 001010, angle 00101101, confidence 011.
    const bits = PI_LONG + '00' + '0011' + POINT + field(20, 6) + field(10, 6) + field(45, 8) + '011' + '011' + field(5, 7) + '00000011' + reasonTail(3);
    expect(ok(bits)).toMatchObject({ shape: 3, accuracyM: 186.8, altitudeM: null, speedKmh: 5, headingDeg: null, time: { type: 'none' }, reason: 'ptt' });
  });

  it('ellipse with altitude; velocity type 4 (horizontal and vertical with uncertainty)', () => {
    // Half major 0 (< 1 m), altitude 10010110001 (1201: 1000 m), confidence; velocity 7+3+8+3 bits.
    const bits =
      PI_LONG +
      '01' +
      '00' +
      '0110' +
      POINT +
      field(0, 6) +
      field(0, 6) +
      field(0, 8) +
      '0' +
      field(1201, 11) +
      '101' +
      '100' +
      field(9, 7) +
      '001' +
      field(1, 8) +
      '001' +
      reasonTail(12);
    expect(ok(bits)).toMatchObject({ shape: 6, accuracyM: 1, altitudeM: 1000, speedKmh: 9, headingDeg: null, reason: 'low-battery' });
  });

  it('circle with altitude and altitude uncertainty: "best effort" has no bound; velocity type 2', () => {
    // Uncertainty 111111 (63: best effort), altitude 00000000001 (1: −200 m), altitude accuracy 100.
    const bits = PI_LONG + '01' + '00' + '0111' + POINT + '111111' + '0' + field(1, 11) + '100' + '010' + field(30, 7) + '011' + reasonTail(0);
    const r = ok(bits);
    expect(r).toMatchObject({ shape: 7, uncertaintyCode: 63, accuracyM: null, altitudeM: -200, reason: 'power-on' });
    expect(r.speedKmh).toBeCloseTo(16 * 1.038 ** 17, 2);
  });

  it('ellipse with altitude and altitude uncertainty; velocity type 5', () => {
    // Half major 62 (403 802.7 m per table 6.49), altitude 2047 (11 525 m), altitude accuracy, confidence.
    const bits =
      PI_LONG +
      '01' +
      '10' +
      '1000' +
      POINT +
      field(62, 6) +
      field(1, 6) +
      field(200, 8) +
      '0' +
      field(2047, 11) +
      '001' +
      '110' +
      '101' +
      field(20, 7) +
      field(32, 8) +
      reasonTail(130);
    expect(ok(bits)).toMatchObject({
      shape: 8,
      accuracyM: 403802.7,
      altitudeM: 11525,
      speedKmh: 20,
      headingDeg: 45,
      reasonCode: 130,
      time: { type: 'elapsed', code: 2 },
    });
  });

  it('point and position error (shape 10), no velocity', () => {
    const bits = PI_LONG + '01' + '00' + '1010' + POINT + '010' + '000' + reasonTail(32);
    expect(ok(bits)).toMatchObject({ shape: 10, accuracyM: 200, speedKmh: null, headingDeg: null, reasonCode: 32 });
  });

  it('optional elements or fill after the reason are ignored', () => {
    const withTail = CIRCLE_ALT + '1' + field(6, 5) + field(1, 6) + field(0x21, 8) + '000';
    expect(ok(withTail)).toMatchObject({ accuracyM: 8.4, altitudeM: 50, headingDeg: 90, reasonCode: 129 });
  });

  it('no shape: the emergency is raised, nothing is put on the map', () => {
    const bits = PI_LONG + '01' + '11' + '0000' + '000' + reasonTail(2);
    expect(ok(bits)).toMatchObject({ shape: 0, fix: false, reason: 'emergency' });
    const out = interpretSds(`+CTSDSR: 12,2002,0,1000001,0,${bits.length}`, bitsToHex(bits), new Date('2026-12-07T06:00:00Z'));
    expect(out.events.map((e) => e.type)).toEqual(['radio.emergency']);
  });

  it('every cut of a report is refused with a reason, never a throw', () => {
    for (let n = 1; n < CIRCLE_ALT.length; n++) {
      const r = decodeLipLong(hex(bitsToHex(CIRCLE_ALT)), n);
      expect(r.ok, `cut at ${n} bits`).toBe(false);
      expect(!r.ok && r.reason).toMatch(/^LIP /);
    }
  });

  it('random bits after a long-report header never throw, and what decodes is on the globe', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 0, maxLength: 260 }), (tail) => {
        const bits = PI_LONG + tail.map((b) => (b ? '1' : '0')).join('');
        const r = decodeBits(bits);
        if (r.ok) {
          expect(Math.abs(r.value.latitude)).toBeLessThanOrEqual(90);
          expect(Math.abs(r.value.longitude)).toBeLessThanOrEqual(180);
          if (r.value.headingDeg !== null) expect(r.value.headingDeg).toBeLessThan(360);
        } else expect(r.reason).toMatch(/^LIP /);
      }),
    );
  });
});

describe('long report codings against the spec tables', () => {
  it('horizontal position uncertainty matches table 6.49', () => {
    // Values of table 6.49 as transcribed in a public Java LIP model: code → "less than" metres.
    const table: Array<[number, number]> = [
      [0, 1],
      [1, 2],
      [2, 3.2],
      [3, 4.6],
      [5, 8.4],
      [10, 26.8],
      [30, 1177.3],
      [40, 7310.5],
      [62, 403802.7],
    ];
    for (const [code, m] of table) expect(uncertaintyToMetres(code)).toBe(m);
    expect(uncertaintyToMetres(63)).toBeNull();
  });

  it('altitude: 1 m steps to 1000 m, 2 m to 2450 m, 75 m above; 0 is no altitude', () => {
    expect([1, 201, 1201, 1202, 1926, 1927, 2047].map(altitudeToMetres)).toEqual([-200, 0, 1000, 1002, 2450, 2525, 11525]);
    expect(altitudeToMetres(0)).toBeNull();
  });
});
