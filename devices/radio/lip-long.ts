// TETRA LIP long location report (ETSI TS 100 392-18-1 §6.2.2: PDU type 1, extension 3). Unlike
// the short report its fields are typed: a time type says whether the fix carries its age or its
// UTC time of day, a shape says what the location is, a velocity type what the motion carries.
// Only the forms a handheld sends for a fix are decoded (a point, with or without an uncertainty
// circle; speed, with or without an extended direction of travel); any other form is refused
// with its name, so the raw PDU is quarantined rather than half-read onto the map.
import { BitReader } from './bits';
import { LIP_PI, lipReasonName, velocityToKmh } from './lip';

export const LIP_PDU_TYPE_EXTENDED = 1;
export const LIP_EXT_LONG_REPORT = 3;

const LON_SCALE = 360 / 2 ** 25;
const LAT_SCALE = 180 / 2 ** 24;
/** Direction of travel extended: 8 bits over the full circle. */
const DIRECTION_EXT_SCALE = 360 / 256;

export type LipTime =
  | { type: 'none' }
  /** 0 <5 s, 1 <5 min, 2 <30 min, 3 unknown, as in the short report. */
  | { type: 'elapsed'; code: number }
  /** UTC day of month and time of day of the fix. */
  | { type: 'position'; day: number; hour: number; minute: number; second: number };

export interface LipLongReport {
  latitude: number;
  longitude: number;
  /** Location shape 1 (point) or 2 (point with uncertainty circle). */
  shape: number;
  /** Horizontal position uncertainty code of shape 2 (6 bits, unscaled), else null. */
  uncertaintyCode: number | null;
  speedKmh: number | null;
  /** Only when the velocity type carries a direction of travel. */
  headingDeg: number | null;
  time: LipTime;
  ackRequested: boolean;
  reasonCode: number | null;
  reason: string | null;
  userDefinedData: number | null;
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
  10: 'point and altitude',
};

const VELOCITIES: Readonly<Record<number, string>> = {
  0: 'no velocity information',
  1: 'horizontal velocity',
  2: 'horizontal velocity with uncertainty',
  3: 'horizontal and vertical velocity',
  4: 'horizontal and vertical velocity with uncertainty',
  5: 'horizontal velocity with direction of travel extended',
  6: 'horizontal velocity with direction of travel extended and uncertainty',
  7: 'horizontal and vertical velocity with direction of travel extended and uncertainty',
};

/** The PDU including its 0x0A PI octet, and the SDS header's bit count. */
export function decodeLipLong(pdu: Buffer, bitCount: number): LipLongResult {
  const fail = (why: string): LipLongResult => ({ ok: false, reason: `LIP long location report: ${why}` });
  if (pdu.length * 8 < bitCount) return fail(`PDU holds ${pdu.length * 8} bits but the header says ${bitCount}`);
  const r = new BitReader(pdu, bitCount);
  try {
    if (r.read(8) !== LIP_PI) return fail('protocol identifier is not LIP (0x0A)');
    const pduType = r.read(2);
    if (pduType !== LIP_PDU_TYPE_EXTENDED) return fail(`PDU type ${pduType} is not 1`);
    const ext = r.read(4);
    if (ext !== LIP_EXT_LONG_REPORT) return { ok: false, reason: `LIP PDU type 1 extension ${ext} is not a location report: not decoded` };

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
    if (shape !== 1 && shape !== 2)
      return fail(`location shape ${shape} (${SHAPES[shape] ?? 'reserved'}) is not decoded: only a point, with or without an uncertainty circle`);
    const longitude = r.readSigned(25) * LON_SCALE;
    const latitude = r.readSigned(24) * LAT_SCALE;
    const uncertaintyCode = shape === 2 ? r.read(6) : null;
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return fail(`coordinates out of range: ${latitude}, ${longitude}`);

    const velocityType = r.read(3);
    let speedKmh: number | null = null;
    let headingDeg: number | null = null;
    if (velocityType === 1 || velocityType === 2 || velocityType === 5) {
      speedKmh = velocityToKmh(r.read(7));
      if (velocityType === 2) r.skip(3); // velocity uncertainty
      if (velocityType === 5) headingDeg = r.read(8) * DIRECTION_EXT_SCALE;
    } else if (velocityType !== 0) {
      return fail(`velocity type ${velocityType} (${VELOCITIES[velocityType]}) is not decoded`);
    }

    const ackRequested = r.read(1) === 1;
    const userDefined = r.read(1) === 1;
    const last = r.read(8);
    // Anything after the reason (optional elements some terminals add) is not needed for a fix.
    return {
      ok: true,
      value: {
        latitude,
        longitude,
        shape,
        uncertaintyCode,
        speedKmh,
        headingDeg,
        time,
        ackRequested,
        reasonCode: userDefined ? null : last,
        reason: userDefined ? null : lipReasonName(last),
        userDefinedData: userDefined ? last : null,
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
