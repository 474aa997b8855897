import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLip, encodeLipShort, kmhToVelocity, velocityToKmh, type LipShortReport } from '../../../devices/radio/lip';
import { interpretSds } from '../../../devices/radio/sds-events';
import { bitsToHex, field, lipShortBits } from '../../../simulators/radio/sim-encode';
import { LIP_FIXTURES, hex } from './fixtures';

function decodeOk(pduHex: string, bits = 84): LipShortReport {
  const r = decodeLip(hex(pduHex), bits);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('LIP short location report: hand-worked fixtures', () => {
  // Nottingham, Old Market Square (52.953 N, 1.15 W): a unit keys PTT walking east.
  //   PI            0000 1010                    0x0A = LIP
  //   PDU type      00                           short location report
  //   time elapsed  00                           < 5 s
  //   longitude     1111111100101110101001100    25 bits = 33447244; - 2^25 = -107188
  //                                              -107188 × 360 / 2^25 = -1.1500025°
  //   latitude      010010110100111110011001     24 bits = 4935577 × 180 / 2^24 = 52.9529965°
  //   pos. error    001                          1 = < 20 m
  //   velocity      0000101                      5 = 5 km/h
  //   direction     0100                         4 × 22.5° = 90° (east)
  //   add. data     0                            reason for sending follows
  //   reason        00000011                     3 = PTT
  //   nibbles: 0000 1010 | 0000 1111 1111 0010 1110 1010 0110 0010 0101 1010 0111 1100
  //            1100 1001 0000 1010 1000 0000 0011 (+ 0000 pad) = 0A 0F F2 EA 62 5A 7C C9 0A 80 30
  it('decodes Nottingham (west of Greenwich) with its fields', () => {
    const r = decodeOk(LIP_FIXTURES.nottingham);
    expect(r.longitude).toBeCloseTo(-1.15, 5);
    expect(r.latitude).toBeCloseTo(52.953, 5);
    expect(r).toMatchObject({
      timeElapsedCode: 0,
      positionErrorCode: 1,
      positionErrorM: 20,
      velocityCode: 5,
      speedKmh: 5,
      directionCode: 4,
      headingDeg: 90,
      reasonCode: 3,
      reason: 'ptt',
      userDefinedData: null,
    });
  });

  it('encodes Nottingham to the same octets', () => {
    const pdu = encodeLipShort({
      latitude: 52.953,
      longitude: -1.15,
      positionErrorCode: 1,
      speedKmh: 5,
      headingDeg: 90,
      timeElapsedCode: 0,
      reasonCode: 3,
    });
    expect(pdu.toString('hex').toUpperCase()).toBe(LIP_FIXTURES.nottingham);
  });

  // Cambridge (52.2053 N, 0.1218 E): emergency button, no speed or accuracy known.
  //   PI            0000 1010
  //   PDU type      00
  //   time elapsed  11                           3 = not known
  //   longitude     0000000000010110001011001    11353 × 360 / 2^25 = 0.1218045°
  //   latitude      010010100011111101011111     4865887 × 180 / 2^24 = 52.2053039°
  //   pos. error    111                          7 = unknown
  //   velocity      1111111                      127 = unknown
  //   direction     0000                         0° (north)
  //   add. data     0
  //   reason        00000010                     2 = emergency
  //   nibbles: 0000 1010 | 0011 0000 0000 0001 0110 0010 1100 1010 0101 0001 1111 1010
  //            1111 1111 1111 1110 0000 0000 0010 (+ 0000) = 0A 30 01 62 CA 51 FA FF FE 00 20
  it('decodes Cambridge: unknown speed and accuracy are null, reason is emergency', () => {
    const r = decodeOk(LIP_FIXTURES.cambridge);
    expect(r.longitude).toBeCloseTo(0.1218, 5);
    expect(r.latitude).toBeCloseTo(52.2053, 5);
    expect(r).toMatchObject({
      timeElapsedCode: 3,
      positionErrorCode: 7,
      positionErrorM: null,
      velocityCode: 127,
      speedKmh: null,
      headingDeg: 0,
      reasonCode: 2,
      reason: 'emergency',
    });
    const again = encodeLipShort({
      latitude: 52.2053,
      longitude: 0.1218,
      positionErrorCode: 7,
      speedKmh: null,
      headingDeg: 0,
      timeElapsedCode: 3,
      reasonCode: 2,
    });
    expect(again.toString('hex').toUpperCase()).toBe(LIP_FIXTURES.cambridge);
  });

  // Sydney (33.8688 S, 151.2093 E): negative latitude, speed on the logarithmic scale.
  //   time elapsed  01                           < 5 min
  //   longitude     0110101110000110110100000    14093728 × 360 / 2^25 = 151.2092972°
  //   latitude      110011111101010010111111     13620415 - 2^24 = -3156801 → -33.8688004°
  //   pos. error    011                          3 = < 2 km
  //   velocity      0111100                      60 → 16 × 1.038^(60-13) = 92.34 km/h
  //   direction     1010                         10 × 22.5° = 225° (south-west)
  //   add. data     0
  //   reason        10000001                     129 = maximum reporting interval
  //   nibbles: 0000 1010 | 0001 0110 1011 1000 0110 1101 0000 0110 0111 1110 1010 0101
  //            1111 1011 0111 1001 0100 1000 0001 (+ 0000) = 0A 16 B8 6D 06 7E A5 FB 79 48 10
  it('decodes Sydney: negative latitude and a speed above 28 km/h', () => {
    const r = decodeOk(LIP_FIXTURES.sydney);
    expect(r.latitude).toBeCloseTo(-33.8688, 5);
    expect(r.longitude).toBeCloseTo(151.2093, 5);
    expect(r).toMatchObject({ timeElapsedCode: 1, positionErrorM: 2000, velocityCode: 60, headingDeg: 225, reasonCode: 129 });
    expect(r.speedKmh).toBeCloseTo(92.34, 2);
    const again = encodeLipShort({
      latitude: -33.8688,
      longitude: 151.2093,
      positionErrorCode: 3,
      speedKmh: 92.34,
      headingDeg: 225,
      timeElapsedCode: 1,
      reasonCode: 129,
    });
    expect(again.toString('hex').toUpperCase()).toBe(LIP_FIXTURES.sydney);
  });

  // The extremes: longitude 1 followed by 24 zeros = -2^24 → -180°, latitude 1 + 23 zeros
  // = -2^23 → -90°; everything else zero (power on, < 2 m, stationary, north).
  //   0000 1010 | 00 00 1000000000000000000000000 100000000000000000000000 000 0000000 0000 0 00000000
  it('decodes the corners of the coordinate range', () => {
    const r = decodeOk('0A 08 00 00 04 00 00 00 00 00 00');
    expect(r.longitude).toBe(-180);
    expect(r.latitude).toBe(-90);
    expect(r.reason).toBe('power-on');
  });

  it('agrees with the simulator’s independent encoder', () => {
    const bits = lipShortBits({ lat: 52.953, lon: -1.15, speedKmh: 5, headingDeg: 90, reason: 3, positionError: 1 });
    expect(bits).toHaveLength(84);
    expect(bitsToHex(bits)).toBe(LIP_FIXTURES.nottingham);
  });
});

describe('LIP rejections', () => {
  it('rejects a bit count other than 84 for a short report', () => {
    const r = decodeLip(hex(LIP_FIXTURES.nottingham), 76);
    expect(r).toEqual({ ok: false, reason: 'LIP short report is 84 bits, header says 76' });
  });

  it('rejects a short-type PDU that is too long', () => {
    const r = decodeLip(hex(LIP_FIXTURES.nottingham, 'FF'), 92);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/84 bits, header says 92/);
  });

  // 0x0F = 00 00 1111 → 0x4F = 01 00 1111: PDU type 1 (long report / with extension).
  it('rejects PDU type 1 explicitly', () => {
    const r = decodeLip(hex('0A4FF2EA625A7CC90A8030'), 84);
    expect(!r.ok && r.reason).toMatch(/PDU type 1 .*not supported/);
  });

  it('rejects a header bit count beyond the PDU, and a non-LIP PI', () => {
    expect(decodeLip(hex('0A0FF2EA62'), 84)).toEqual({ ok: false, reason: 'PDU holds 40 bits but the header says 84' });
    expect(!decodeLip(hex('020FF2EA625A7CC90A8030'), 84).ok).toBe(true);
    expect(decodeLip(hex('0A'), 8)).toEqual({ ok: false, reason: '8 bits cannot hold a LIP PDU' });
  });

  it('refuses to encode coordinates out of range', () => {
    expect(() => encodeLipShort({ latitude: 91, longitude: 0 })).toThrow(RangeError);
    expect(() => encodeLipShort({ latitude: 0, longitude: -180.5 })).toThrow(RangeError);
    expect(() => encodeLipShort({ latitude: Number.NaN, longitude: 0 })).toThrow(RangeError);
  });
});

describe('LIP round trip (property)', () => {
  const codes = fc.record({
    te: fc.integer({ min: 0, max: 3 }),
    lon: fc.integer({ min: -(2 ** 24), max: 2 ** 24 - 1 }),
    lat: fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 }),
    perr: fc.integer({ min: 0, max: 7 }),
    vel: fc.integer({ min: 0, max: 127 }),
    dir: fc.integer({ min: 0, max: 15 }),
    reason: fc.integer({ min: 0, max: 255 }),
  });

  it('every field code survives encode → decode → encode', () => {
    fc.assert(
      fc.property(codes, (c) => {
        const pdu = encodeLipShort({
          longitude: (c.lon * 360) / 2 ** 25,
          latitude: (c.lat * 180) / 2 ** 24,
          timeElapsedCode: c.te,
          positionErrorCode: c.perr,
          speedKmh: velocityToKmh(c.vel),
          headingDeg: c.dir * 22.5,
          reasonCode: c.reason,
        });
        const r = decodeOk(pdu.toString('hex'));
        expect(r).toMatchObject({ timeElapsedCode: c.te, positionErrorCode: c.perr, velocityCode: c.vel, directionCode: c.dir, reasonCode: c.reason });
        expect(Math.round((r.longitude * 2 ** 25) / 360)).toBe(c.lon);
        expect(Math.round((r.latitude * 2 ** 24) / 180)).toBe(c.lat);
        const again = encodeLipShort({
          longitude: r.longitude,
          latitude: r.latitude,
          timeElapsedCode: r.timeElapsedCode,
          positionErrorCode: r.positionErrorCode,
          speedKmh: r.speedKmh,
          headingDeg: r.headingDeg,
          reasonCode: r.reasonCode ?? 0,
        });
        expect(again.equals(pdu)).toBe(true);
      }),
    );
  });

  it('decoded coordinates are within half a step of what was encoded', () => {
    const lonStep = 360 / 2 ** 25;
    const latStep = 180 / 2 ** 24;
    fc.assert(
      fc.property(fc.double({ min: -90, max: 90 - latStep, noNaN: true }), fc.double({ min: -180, max: 180 - lonStep, noNaN: true }), (lat, lon) => {
        const r = decodeOk(encodeLipShort({ latitude: lat, longitude: lon }).toString('hex'));
        expect(Math.abs(r.latitude - lat)).toBeLessThanOrEqual(latStep / 2 + 1e-12);
        expect(Math.abs(r.longitude - lon)).toBeLessThanOrEqual(lonStep / 2 + 1e-12);
      }),
    );
  });

  it('speed codes map both ways, 127 meaning unknown', () => {
    expect(kmhToVelocity(null)).toBe(127);
    expect(kmhToVelocity(28.4)).toBe(28);
    expect(kmhToVelocity(29)).toBe(29);
    fc.assert(fc.property(fc.integer({ min: 0, max: 126 }), (k) => kmhToVelocity(velocityToKmh(k)) === k));
  });
});

describe('LIP short location report: captures from real terminals', () => {
  // A Sepura terminal's report, posted with the AVL server's reading of it ("52.37570
  // 16.23886", Poznań) in "Sepura SDS LIP", forums.radioreference.com/threads/sepura-sds-lip.345360
  // (2016). The hex is 22 nibbles: 84 bits of PDU and 4 of fill.
  //   PI 00001010 | type 00 | elapsed 00 | lon 0000101110001100001100011 = 1513569 → 16.2388551°
  //   lat 010010100111110101101001 = 4881769 → 52.3756993° | error 001 (< 20 m)
  //   velocity 0110110 = 54 → 16 × 1.038^41 = 73.83 km/h (table 6.51 lists 54 as 74 km/h)
  //   direction 1011 = 11 → 247.5° | add. data 0 | reason 00100000 = 32 (response to a location request)
  const SEPURA = '0A00B8C31A53EB496D6200';

  it('decodes to the position the AVL server showed', () => {
    const r = decodeOk(SEPURA);
    expect(r.latitude).toBeCloseTo(52.3757, 4);
    expect(r.longitude).toBeCloseTo(16.23886, 4);
    expect(r).toMatchObject({ positionErrorM: 20, velocityCode: 54, directionCode: 11, headingDeg: 247.5, reasonCode: 32, timeElapsedCode: 0, fix: true });
    expect(r.speedKmh).toBeCloseTo(73.83, 2);
  });

  it('is accepted whether the MT counts 84 bits or the 88 of whole octets, and nothing longer', () => {
    expect(decodeOk(SEPURA, 88).latitude).toBeCloseTo(52.3757, 4);
    expect(decodeLip(hex(SEPURA, '00'), 91).ok).toBe(true);
    expect(decodeLip(hex(SEPURA, '00'), 92)).toEqual({ ok: false, reason: 'LIP short report is 84 bits, header says 92' });
  });

  // Field values quoted in tetra-kit's decoder (cmce_sds_lip.cc, "Latitude = 0x0CA1959 (-37.899131)",
  // "Longitude = 0x0CE6C98 (145.142012)", Melbourne), put in a short report bit by bit: a southern
  // latitude is two's complement, 0xCA1959 − 2^24 = −3532455 → −37.899131°.
  it('gives a southern latitude its sign as tetra-kit does', () => {
    const bits = '00001010' + '00' + '01' + field(0x0ce6c98, 25) + field(0xca1959, 24) + '010' + field(40, 7) + '0110' + '0' + field(3, 8);
    const r = decodeOk(bitsToHex(bits));
    expect(r.latitude).toBeCloseTo(-37.899131, 6);
    expect(r.longitude).toBeCloseTo(145.142012, 6);
    expect(r).toMatchObject({ timeElapsedCode: 1, positionErrorM: 200, headingDeg: 135, reason: 'ptt' });
  });

  it('speeds match the examples of table 6.51 to the km/h', () => {
    // TS 100 392-18-1 table 6.51 (as transcribed in public decoders): code → km/h.
    const table: Array<[number, number]> = [
      [0, 0],
      [28, 28],
      [29, 29],
      [33, 34],
      [54, 74],
      [100, 410],
      [125, 1043],
    ];
    for (const [code, kmh] of table) expect(Math.round(velocityToKmh(code) ?? -1)).toBe(kmh);
    expect(velocityToKmh(127)).toBeNull();
  });

  it('names the reasons added in later editions', () => {
    const bits = lipShortBits({ lat: 52.95, lon: -1.15, reason: 21 });
    expect(decodeOk(bitsToHex(bits)).reason).toBe('location-lost');
    expect(decodeOk(bitsToHex(lipShortBits({ lat: 52.95, lon: -1.15, reason: 200 }))).reason).toBe('reason-200');
  });
});

describe('LIP short location report without a fix', () => {
  // An emergency pressed where the GPS has no fix: the terminal sends 0°, 0°, error unknown.
  const NO_FIX = bitsToHex('00001010' + '00' + '11' + field(0, 25) + field(0, 24) + '111' + field(127, 7) + '0000' + '0' + field(2, 8));

  it('decodes, marked as no fix', () => {
    expect(decodeOk(NO_FIX)).toMatchObject({ latitude: 0, longitude: 0, fix: false, reason: 'emergency' });
  });

  it('raises the emergency but puts nothing at 0°, 0° on the map', () => {
    const out = interpretSds('+CTSDSR: 12,2002,0,1000001,0,84', NO_FIX, new Date('2026-12-07T06:00:00Z'));
    expect(out.events.map((e) => e.type)).toEqual(['radio.emergency']);
    expect(out.note).toMatch(/2002 without a position fix/);
  });
});

describe('LIP short location report: truncated and garbled input', () => {
  it('every cut of a report is refused with a reason, never a throw', () => {
    const pdu = hex(LIP_FIXTURES.nottingham);
    for (let bits = 1; bits < 84; bits++) {
      const r = decodeLip(pdu, bits);
      expect(r.ok, `cut at ${bits} bits`).toBe(false);
      expect(!r.ok && r.reason.length).toBeGreaterThan(10);
    }
  });

  it('random bytes and bit counts never throw, and what decodes is on the globe', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 16 }), fc.integer({ min: -4, max: 140 }), (bytes, bits) => {
        const r = decodeLip(Buffer.from(bytes), bits);
        if (r.ok) {
          expect(Math.abs(r.value.latitude)).toBeLessThanOrEqual(90);
          expect(Math.abs(r.value.longitude)).toBeLessThanOrEqual(180);
        } else expect(r.reason).not.toBe('');
      }),
    );
  });
});
