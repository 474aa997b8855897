// TETRA Location Information Protocol (ETSI TS 100 392-18-1): the short location report. Long
// reports (PDU type 1) are decoded in lip-long.ts; anything else is rejected with a reason so
// the raw PDU can be looked at, rather than guessed at.
import { BitReader, BitWriter } from './bits';

export const LIP_PI = 0x0a;
/** PI octet (8) + short report body (76). */
export const LIP_SHORT_BITS = 84;
/**
 * The short report is a fixed 76-bit PDU (TS 100 392-18-1 §6.2.1). Radios print it as whole
 * octets, 4 bits of fill after the 84 (the Sepura capture in lip.test.ts is 22 nibbles); an MT
 * that counts that fill into the <length> must not lose the report. Fill up to the next octet
 * boundary cannot be taken for a field, so it is accepted and ignored; anything longer is not a
 * short report.
 */
const LIP_SHORT_MAX_BITS = 91;

const LON_SCALE = 360 / 2 ** 25;
const LAT_SCALE = 180 / 2 ** 24;
const SPEED_UNKNOWN = 127;

/** Upper bound of the position error per code (§6.3.63, table 6.93); 6 (>200 km) has no bound, 7 is unknown. */
const POSITION_ERROR_M: ReadonlyArray<number | null> = [2, 20, 200, 2000, 20000, 200000, null, null];

const REASONS: Readonly<Record<number, string>> = {
  0: 'power-on',
  1: 'power-off',
  2: 'emergency',
  3: 'ptt',
  4: 'status',
  5: 'tx-inhibit-on',
  6: 'tx-inhibit-off',
  7: 'tmo-on',
  8: 'dmo-on',
  9: 'enter-service',
  10: 'service-loss',
  11: 'cell-reselection',
  12: 'low-battery',
  13: 'car-kit-connected',
  14: 'car-kit-disconnected',
  15: 'transfer-init-config',
  16: 'arrival-at-destination',
  17: 'arrival-at-location',
  18: 'approaching-location',
  19: 'sds-type1-entered',
  20: 'user-application',
  // 21-30 were added in later editions of §6.3.64 (table 6.94); radios on current firmware send them.
  21: 'location-lost',
  22: 'location-regained',
  23: 'leaving-point',
  24: 'ambience-listening',
  25: 'temporary-reporting-start',
  26: 'temporary-reporting-end',
  27: 'call-setup-type-1',
  28: 'call-setup-type-2',
  29: 'positioning-device-on',
  30: 'positioning-device-off',
  32: 'immediate-location-request',
  129: 'max-reporting-interval',
  130: 'max-reporting-distance',
};

export const LIP_REASON_EMERGENCY = 2;

export function lipReasonName(code: number): string {
  return REASONS[code] ?? `reason-${code}`;
}

export interface LipShortReport {
  latitude: number;
  longitude: number;
  positionErrorCode: number;
  /** Upper bound in metres, or null when the radio gives none (codes 6 and 7). */
  positionErrorM: number | null;
  velocityCode: number;
  speedKmh: number | null;
  directionCode: number;
  headingDeg: number;
  /** 0 <5 s, 1 <5 min, 2 <30 min, 3 unknown: the fix is at most this old. */
  timeElapsedCode: number;
  /** Null when the additional-data bit says the last octet is user-defined data. */
  reasonCode: number | null;
  reason: string | null;
  userDefinedData: number | null;
  /**
   * False for the 0°, 0° a terminal without a GPS fix sends (e.g. an emergency pressed indoors):
   * a real report, but no position to put on the map.
   */
  fix: boolean;
}

export type LipResult = { ok: true; value: LipShortReport } | { ok: false; reason: string };

export interface LipShortFields {
  latitude: number;
  longitude: number;
  positionErrorCode?: number;
  /** Null or undefined encodes "unknown" (127). */
  speedKmh?: number | null;
  headingDeg?: number;
  timeElapsedCode?: number;
  reasonCode?: number;
}

/**
 * Horizontal velocity (§6.3.17, table 6.51): 0-28 km/h in 1 km/h steps, then
 * v = C × (1 + x)^(K − A) + B with C = 16, x = 0.038, A = 13, B = 0 for K = 29..126; 127 unknown.
 */
export function velocityToKmh(code: number): number | null {
  if (code === SPEED_UNKNOWN) return null;
  if (code <= 28) return code;
  return Math.round(16 * 1.038 ** (code - 13) * 100) / 100;
}

export function kmhToVelocity(kmh: number | null | undefined): number {
  if (kmh === null || kmh === undefined) return SPEED_UNKNOWN;
  if (!Number.isFinite(kmh) || kmh < 0) throw new RangeError(`speed must be >= 0 km/h, got ${kmh}`);
  if (kmh < 28.5) return Math.round(kmh);
  // Above 28 km/h the scale is logarithmic; 29 is the first step (29.07 km/h).
  const k = Math.round(13 + Math.log(kmh / 16) / Math.log(1.038));
  return Math.min(126, Math.max(29, k));
}

export function decodeLip(pdu: Buffer, bitCount: number): LipResult {
  if (!Number.isInteger(bitCount) || bitCount <= 0) {
    return { ok: false, reason: `invalid bit count ${bitCount}` };
  }
  if (pdu.length * 8 < bitCount) {
    return { ok: false, reason: `PDU holds ${pdu.length * 8} bits but the header says ${bitCount}` };
  }
  if (bitCount < 10) return { ok: false, reason: `${bitCount} bits cannot hold a LIP PDU` };
  const r = new BitReader(pdu, bitCount);
  const pi = r.read(8);
  if (pi !== LIP_PI) {
    return { ok: false, reason: `protocol identifier 0x${hex2(pi)} is not LIP (0x0A)` };
  }
  const pduType = r.read(2);
  if (pduType !== 0) {
    const what = pduType === 1 ? 'long location report / PDU with extension' : 'reserved';
    return { ok: false, reason: `LIP PDU type ${pduType} (${what}) not supported: only short reports (type 0)` };
  }
  if (bitCount < LIP_SHORT_BITS || bitCount > LIP_SHORT_MAX_BITS) {
    return { ok: false, reason: `LIP short report is ${LIP_SHORT_BITS} bits, header says ${bitCount}` };
  }
  const timeElapsedCode = r.read(2);
  // §6.3.50 / §6.3.30: longitude 25 bits, latitude 24 bits, both two's complement over ±180° / ±90°.
  const lonCode = r.readSigned(25);
  const latCode = r.readSigned(24);
  const longitude = lonCode * LON_SCALE;
  const latitude = latCode * LAT_SCALE;
  const positionErrorCode = r.read(3);
  const velocityCode = r.read(7);
  const directionCode = r.read(4);
  const additionalDataType = r.read(1);
  const lastOctet = r.read(8);
  // Unreachable for 24/25-bit fields, but a decoder must not trust its own arithmetic
  // with a value that ends up on a map.
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    return { ok: false, reason: `coordinates out of range: ${latitude}, ${longitude}` };
  }
  const isReason = additionalDataType === 0;
  return {
    ok: true,
    value: {
      latitude,
      longitude,
      positionErrorCode,
      positionErrorM: POSITION_ERROR_M[positionErrorCode] ?? null,
      velocityCode,
      speedKmh: velocityToKmh(velocityCode),
      directionCode,
      // §6.3.5 table 6.45: 16 points of 22.5°. Code 15 is also "not known"; 337.5° is kept, as
      // the short report has no other way to say it and a heading is only ever a hint.
      headingDeg: directionCode * 22.5,
      timeElapsedCode,
      reasonCode: isReason ? lastOctet : null,
      reason: isReason ? lipReasonName(lastOctet) : null,
      userDefinedData: isReason ? null : lastOctet,
      fix: lonCode !== 0 || latCode !== 0,
    },
  };
}

/** Short location report including the 0x0A PI octet: 84 bits in 11 octets. */
export function encodeLipShort(fields: LipShortFields): Buffer {
  const { latitude, longitude } = fields;
  if (!(latitude >= -90 && latitude <= 90)) throw new RangeError(`latitude out of range: ${latitude}`);
  if (!(longitude >= -180 && longitude <= 180)) throw new RangeError(`longitude out of range: ${longitude}`);
  let lon = Math.round(longitude / LON_SCALE);
  if (lon >= 2 ** 24) lon -= 2 ** 25; // +180 and -180 are the same meridian
  // +90 does not fit in 24-bit two's complement; the nearest code is 0.00001° short.
  const lat = Math.min(2 ** 23 - 1, Math.round(latitude / LAT_SCALE));
  const heading = (((fields.headingDeg ?? 0) % 360) + 360) % 360;
  return new BitWriter()
    .write(LIP_PI, 8)
    .write(0, 2)
    .write(fields.timeElapsedCode ?? 0, 2)
    .write(lon, 25)
    .write(lat, 24)
    .write(fields.positionErrorCode ?? 7, 3)
    .write(kmhToVelocity(fields.speedKmh), 7)
    .write(Math.round(heading / 22.5) % 16, 4)
    .write(0, 1)
    .write(fields.reasonCode ?? 0, 8)
    .toBuffer();
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
