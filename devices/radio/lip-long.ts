// TETRA LIP long location report (ETSI TS 100 392-18-1 §6.2.2: PDU type 1, extension 3). Unlike
// the short report its fields are typed: a time type says whether the fix carries its age or its
// UTC time of day, a location shape says what the location is (a point, a circle or an ellipse
// round it, with or without altitude), a velocity type what the motion carries. Every shape and
// velocity type a terminal can send is read, so a terminal sending a circle with altitude or
// velocity with uncertainty is on the map; "no shape" is a report without a fix (its reason, an
// emergency say, still counts); what is not a terminal's position (an arc, a reserved value) is
// refused with its name, and the raw PDU quarantined.
//
// Field sizes are those of the spec's element tables as three independent public decoders read
// them (sq5bpf's osmo-tetra/telive decode_lip, sswroom's TETRALIP.cpp, a Python LIP decoder's
// bit-length tables): they agree on every layout used here. Clause numbers are V1.6.1's; later
// editions renumber some tables.
import { BitReader } from './bits';
import { LIP_PI, lipReasonName, velocityToKmh } from './lip';

export const LIP_PDU_TYPE_EXTENDED = 1;
export const LIP_EXT_LONG_REPORT = 3;

const LON_SCALE = 360 / 2 ** 25;
const LAT_SCALE = 180 / 2 ** 24;
/** Direction of travel extended (§6.3.6, coded as the Angle element): 8 bits over the full circle. */
const DIRECTION_EXT_SCALE = 360 / 256;
/** Position error of shape 10, as in the short report (§6.3.63, table 6.93 in V1.6.1). */
const POSITION_ERROR_M: ReadonlyArray<number | null> = [2, 20, 200, 2000, 20000, 200000, null, null];

export type LipTime =
  | { type: 'none' }
  /** 0 <5 s, 1 <5 min, 2 <30 min, 3 unknown, as in the short report. */
  | { type: 'elapsed'; code: number }
  /** UTC day of month and time of day of the fix. */
  | { type: 'position'; day: number; hour: number; minute: number; second: number };

export interface LipLongReport {
  latitude: number;
  longitude: number;
  /** Location shape (§6.3.49, table 6.79 in V1.6.1): 0-8 or 10 (0: no position, `fix` false); 9 and up are refused. */
  shape: number;
  /** Horizontal position uncertainty code of the circle shapes (2, 5, 7; 6 bits), else null. */
  uncertaintyCode: number | null;
  /**
   * Horizontal accuracy in metres: the uncertainty circle's radius, the ellipse's half major
   * axis, or the position error bound of shape 10; null for a bare point or "best effort".
   */
  accuracyM: number | null;
  /** Altitude in metres (shapes 4-8), null when the shape has none. */
  altitudeM: number | null;
  /** What the altitude is measured from: the WGS84 ellipsoid, or a reference the user set up. */
  altitudeReference: 'wgs84' | 'user-defined' | null;
  speedKmh: number | null;
  /** Only when the velocity type carries a direction of travel. */
  headingDeg: number | null;
  time: LipTime;
  ackRequested: boolean;
  reasonCode: number | null;
  reason: string | null;
  userDefinedData: number | null;
  /** False for location shape 0, or the 0°, 0° a terminal without a fix sends; see the short report. */
  fix: boolean;
}

export type LipLongResult = { ok: true; value: LipLongReport } | { ok: false; reason: string };

const SHAPES: Readonly<Record<number, string>> = {
  0: 'no shape',
  1: 'location point',
  2: 'point with uncertainty circle',
  3: 'location ellipse',
  4: 'point with altitude',
  5: 'circle with altitude',
  6: 'ellipse with altitude',
  7: 'circle with altitude and altitude uncertainty',
  8: 'ellipse with altitude and altitude uncertainty',
  9: 'location arc',
  10: 'point and position error',
  15: 'location shape extension',
};

/**
 * Horizontal position uncertainty, also the coding of an ellipse's half axes: the Horizontal
 * position accuracy coding of TS 100 392-18-1 table 6.49: r = C × (1 + x)^(K + A) + B with C = 2, x = 0.2, A = 5, B = −4, so code 0 is < 1 m,
 * 1 < 2 m, 2 < 3.2 m ... 62 < 403 803 m; 63 is "best effort", no bound. Rounded to 0.1 m as the
 * table is.
 */
export function uncertaintyToMetres(code: number): number | null {
  if (!Number.isInteger(code) || code < 0 || code >= 63) return null;
  return Math.round((2 * 1.2 ** (code + 5) - 4) * 10) / 10;
}

/**
 * Location altitude (TS 100 392-18-1 "Location altitude" element): 1 bit altitude type (0 WGS84 ellipsoid, 1 user defined), then 11
 * bits: 1-1201 are −200..1000 m in 1 m steps, 1202-1926 are 1002..2450 m in 2 m steps,
 * 1927-2047 are 2525..11 525 m in 75 m steps. Code 0 is outside all three ranges: no altitude.
 */
export function altitudeToMetres(code: number): number | null {
  if (!Number.isInteger(code) || code < 1 || code > 2047) return null;
  if (code <= 1201) return code - 201;
  if (code <= 1926) return 1000 + 2 * (code - 1201);
  return 2450 + 75 * (code - 1926);
}

interface ShapeData {
  uncertaintyCode: number | null;
  accuracyM: number | null;
  altitudeM: number | null;
  altitudeReference: 'wgs84' | 'user-defined' | null;
}

/** The shape's elements after longitude and latitude (the Location circle/ellipse/... elements), in the order sent. */
function shapeData(r: BitReader, shape: number): ShapeData {
  const out: ShapeData = { uncertaintyCode: null, accuracyM: null, altitudeM: null, altitudeReference: null };
  const circle = (): void => {
    out.uncertaintyCode = r.read(6);
    out.accuracyM = uncertaintyToMetres(out.uncertaintyCode);
  };
  const ellipse = (): void => {
    // Half of the major axis bounds the error in every direction; minor axis and angle are skipped.
    out.accuracyM = uncertaintyToMetres(r.read(6));
    r.skip(6 + 8); // half of the minor axis, angle
  };
  const altitude = (): void => {
    out.altitudeReference = r.read(1) === 0 ? 'wgs84' : 'user-defined';
    out.altitudeM = altitudeToMetres(r.read(11));
  };
  switch (shape) {
    case 1: // point
      break;
    case 2: // point with uncertainty circle
      circle();
      break;
    case 3: // ellipse
      ellipse();
      r.skip(3); // confidence level
      break;
    case 4: // point with altitude
      altitude();
      break;
    case 5: // circle with altitude
      circle();
      altitude();
      break;
    case 6: // ellipse with altitude
      ellipse();
      altitude();
      r.skip(3); // confidence level
      break;
    case 7: // circle with altitude and altitude uncertainty
      circle();
      altitude();
      r.skip(3); // altitude accuracy
      break;
    case 8: // ellipse with altitude and altitude uncertainty
      ellipse();
      altitude();
      r.skip(3 + 3); // altitude accuracy, confidence level
      break;
    case 10: // point and position error
      out.accuracyM = POSITION_ERROR_M[r.read(3)] ?? null;
      break;
  }
  return out;
}

/**
 * Velocity data (velocity type §6.3.90 in V1.6.1, table 6.123/6.124 by edition): horizontal velocity first, then as the type says its
 * uncertainty (3), vertical velocity (8) and its uncertainty (3), direction of travel extended
 * (8) and its uncertainty (3). Only speed and direction are kept.
 */
function velocityData(r: BitReader, type: number): { speedKmh: number | null; headingDeg: number | null } {
  if (type === 0) return { speedKmh: null, headingDeg: null };
  const speedKmh = velocityToKmh(r.read(7));
  const uncertain = type === 2 || type === 4 || type === 6 || type === 7;
  const vertical = type === 3 || type === 4 || type === 7;
  const direction = type >= 5;
  if (uncertain) r.skip(3);
  if (vertical) r.skip(8 + (uncertain ? 3 : 0));
  let headingDeg: number | null = null;
  if (direction) {
    headingDeg = r.read(8) * DIRECTION_EXT_SCALE;
    if (uncertain) r.skip(3);
  }
  return { speedKmh, headingDeg };
}

/** The PDU including its 0x0A PI octet, and the SDS header's bit count. */
export function decodeLipLong(pdu: Buffer, bitCount: number): LipLongResult {
  const fail = (why: string): LipLongResult => ({ ok: false, reason: `LIP long location report: ${why}` });
  if (!Number.isInteger(bitCount) || bitCount <= 0) return fail(`invalid bit count ${bitCount}`);
  if (pdu.length * 8 < bitCount) return fail(`PDU holds ${pdu.length * 8} bits but the header says ${bitCount}`);
  const r = new BitReader(pdu, bitCount);
  try {
    if (r.read(8) !== LIP_PI) return fail('protocol identifier is not LIP (0x0A)');
    const pduType = r.read(2);
    if (pduType !== LIP_PDU_TYPE_EXTENDED) return fail(`PDU type ${pduType} is not 1`);
    const ext = r.read(4);
    if (ext !== LIP_EXT_LONG_REPORT) return { ok: false, reason: `LIP PDU type 1 extension ${ext} is not a location report: not decoded` };

    // Time data (§6.3.81 time type; §6.3.78 time elapsed; §6.3.79 time of position: day 5, hour 5, minute 6, second 6).
    const timeType = r.read(2);
    let time: LipTime;
    if (timeType === 0) time = { type: 'none' };
    else if (timeType === 1) time = { type: 'elapsed', code: r.read(2) };
    else if (timeType === 2) {
      const [day, hour, minute, second] = [r.read(5), r.read(5), r.read(6), r.read(6)];
      if (day < 1 || hour > 23 || minute > 59 || second > 59) return fail(`impossible time of position: day ${day}, ${hour}:${minute}:${second}`);
      time = { type: 'position', day, hour, minute, second };
    } else return fail('time type 3 is reserved');

    const shape = r.read(4);
    // An arc's point is the centre of a ring the terminal is somewhere on (network positioning),
    // not where the terminal is: drawing it there would be wrong by the ring's radius.
    if (shape === 9) return fail('location shape 9 (location arc) is not a terminal position: not decoded');
    if (shape > 10) return fail(`location shape ${shape} (${SHAPES[shape] ?? 'reserved'}) is not decoded`);
    // Longitude 25 bits, latitude 24 bits, two's complement, as in the short report.
    // Shape 0 ("no shape") has no location at all: a terminal without a fix, whose report (an
    // emergency, say) still counts; it reads as 0°, 0°, which is how such terminals say it anyway.
    const lonCode = shape === 0 ? 0 : r.readSigned(25);
    const latCode = shape === 0 ? 0 : r.readSigned(24);
    const longitude = lonCode * LON_SCALE;
    const latitude = latCode * LAT_SCALE;
    const extra = shapeData(r, shape);
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return fail(`coordinates out of range: ${latitude}, ${longitude}`);

    const { speedKmh, headingDeg } = velocityData(r, r.read(3));

    const ackRequested = r.read(1) === 1;
    const userDefined = r.read(1) === 1;
    const last = r.read(8);
    // Anything after the reason (optional type-5 elements some terminals add, or octet fill) is
    // not needed for a fix.
    return {
      ok: true,
      value: {
        latitude,
        longitude,
        shape,
        ...extra,
        speedKmh,
        headingDeg,
        time,
        ackRequested,
        reasonCode: userDefined ? null : last,
        reason: userDefined ? null : lipReasonName(last),
        userDefinedData: userDefined ? last : null,
        fix: lonCode !== 0 || latCode !== 0,
      },
    };
  } catch (err) {
    if (err instanceof RangeError) return fail(`PDU ends early: ${err.message}`);
    throw err;
  }
}

/**
 * When the fix was taken. A time of position names only the day of the month: it is the latest
 * such moment not after `now` (a minute of clock skew allowed), so a fix is never dated ahead.
 */
export function longFixTime(now: Date, time: LipTime): Date | null {
  if (time.type !== 'position') return null;
  const at = (monthsBack: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, time.day, time.hour, time.minute, time.second));
  for (let back = 0; back < 3; back++) {
    const t = at(back);
    // Date.UTC rolls day 31 of a 30-day month into the next: that month had no such day.
    if (t.getUTCDate() === time.day && t.getTime() <= now.getTime() + 60_000) return t;
  }
  return null;
}
