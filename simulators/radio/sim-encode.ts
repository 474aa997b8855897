// The simulator's own PDU encoders and its decoder for what the gateway sends. Written
// apart from devices/radio on purpose: they build '0'/'1' strings field by field, so a bug
// in the gateway's bit writer or codec cannot be mirrored here and cancel itself out.

/** `value` as `width` bits, two's complement when negative. */
export function field(value: number, width: number): string {
  const v = value < 0 ? value + 2 ** width : value;
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** width) throw new RangeError(`${value} does not fit ${width} bits`);
  return v.toString(2).padStart(width, '0');
}

/** Upper-case hex of a bit string, zero-padded to whole octets. */
export function bitsToHex(bits: string): string {
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
  let hex = '';
  for (let i = 0; i < padded.length; i += 4) hex += parseInt(padded.slice(i, i + 4), 2).toString(16);
  return hex.toUpperCase();
}

export interface SimFix {
  lat: number;
  lon: number;
  speedKmh?: number | null;
  headingDeg?: number;
  reason?: number;
  positionError?: number;
  /** LIP time elapsed: 0 <5 s, 1 <5 min, 2 <30 min, 3 unknown. */
  timeElapsed?: number;
}

function speedCode(kmh: number | null | undefined): number {
  if (kmh === null || kmh === undefined) return 127;
  if (kmh <= 28) return Math.round(kmh);
  return Math.max(29, Math.min(126, Math.round(13 + Math.log(kmh / 16) / Math.log(1.038))));
}

function lonLat(fix: SimFix): string {
  const lon = Math.round((fix.lon / 360) * 2 ** 25);
  const lat = Math.round((fix.lat / 180) * 2 ** 24);
  return field(lon === 2 ** 24 ? -(2 ** 24) : lon, 25) + field(Math.min(lat, 2 ** 23 - 1), 24);
}

/** LIP short location report: PI 0x0A then 76 bits, 84 in all. */
export function lipShortBits(fix: SimFix): string {
  const heading = Math.round(((((fix.headingDeg ?? 0) % 360) + 360) % 360) / 22.5) % 16;
  return (
    field(0x0a, 8) +
    '00' + // short location report
    field(fix.timeElapsed ?? 0, 2) + // time elapsed
    lonLat(fix) +
    field(fix.positionError ?? 1, 3) +
    field(speedCode(fix.speedKmh), 7) +
    field(heading, 4) +
    '0' + // additional data is a reason for sending
    field(fix.reason ?? 129, 8)
  );
}

export interface SimLongFix extends SimFix {
  /** UTC time of the fix: sent as time type 2 (day, hour, minute, second) instead of time elapsed. */
  timeOfPosition?: Date;
  /** Location shape 2 with this 6-bit horizontal position uncertainty code; default shape 1 (point). */
  uncertaintyCode?: number;
  /** Velocity type 0: no velocity information at all. */
  noVelocity?: boolean;
}

/**
 * LIP long location report (TS 100 392-18-1: PDU type 01, extension 0011). Time type 1 (time
 * elapsed) or 2 (time of position); shape 1 (point) or 2 (point with uncertainty circle);
 * velocity type 1 (horizontal velocity), 5 (plus direction of travel extended, 8 bits over
 * 360°) when a heading is given, or 0; then acknowledgement request 0, reason for sending.
 */
export function lipLongBits(fix: SimLongFix): string {
  const t = fix.timeOfPosition;
  const time = t
    ? '10' + field(t.getUTCDate(), 5) + field(t.getUTCHours(), 5) + field(t.getUTCMinutes(), 6) + field(t.getUTCSeconds(), 6)
    : '01' + field(fix.timeElapsed ?? 0, 2);
  const shape = fix.uncertaintyCode === undefined ? field(1, 4) + lonLat(fix) : field(2, 4) + lonLat(fix) + field(fix.uncertaintyCode, 6);
  const direction = fix.headingDeg === undefined ? null : Math.round(((((fix.headingDeg % 360) + 360) % 360) * 256) / 360) % 256;
  const velocity = fix.noVelocity
    ? '000'
    : direction === null
      ? '001' + field(speedCode(fix.speedKmh), 7)
      : '101' + field(speedCode(fix.speedKmh), 7) + field(direction, 8);
  return (
    field(0x0a, 8) +
    '01' + // PDU type: with extension
    '0011' + // extension: long location report
    time +
    shape +
    velocity +
    '0' + // no acknowledgement requested
    '0' + // additional data is a reason for sending
    field(fix.reason ?? 129, 8)
  );
}

export function statusBits(value: number): string {
  return field(value, 16);
}

export function simpleTextBits(text: string): string {
  return field(0x02, 8) + field(1, 8) + [...Buffer.from(text, 'latin1')].map((b) => field(b, 8)).join('');
}

/** SDS-TL TRANSFER with text, report request "received" unless told otherwise (or 0-3: none, received, consumed, both). */
export function sdsTlTextBits(msgRef: number, text: string, requestReport: boolean | number = true, pi = 0x82): string {
  const request = typeof requestReport === 'number' ? requestReport : requestReport ? 1 : 0;
  return (
    field(pi, 8) +
    '0000' +
    field(request, 2) +
    '0' +
    '0' +
    field(msgRef, 8) +
    field(1, 8) + // no timestamp, ISO 8859-1
    [...Buffer.from(text, 'latin1')].map((b) => field(b, 8)).join('')
  );
}

/**
 * One part of a concatenated text as a terminal sends it: SDS-TL TRANSFER with PI 0x8A
 * ("message with user data header", EN 300 392-2 §29.5.10), Latin-1, then a UDH of one
 * concatenation element (IEI 0x00: 8-bit reference, total parts, this part from 1).
 */
export function sdsTlConcatPartBits(p: { msgRef: number; concatRef: number; total: number; seq: number; text: string; requestReport?: number }): string {
  return (
    field(0x8a, 8) +
    '0000' +
    field(p.requestReport ?? 1, 2) +
    '0' +
    '0' +
    field(p.msgRef, 8) +
    field(1, 8) + // no timestamp, ISO 8859-1
    field(5, 8) + // UDH length
    field(0x00, 8) +
    field(3, 8) +
    field(p.concatRef, 8) +
    field(p.total, 8) +
    field(p.seq, 8) +
    [...Buffer.from(p.text, 'latin1')].map((b) => field(b, 8)).join('')
  );
}

export function sdsTlReportBits(msgRef: number, deliveryStatus: number, ackRequired = false): string {
  return field(0x82, 8) + '0001' + (ackRequired ? '1' : '0') + '00' + '0' + field(deliveryStatus, 8) + field(msgRef, 8);
}

/**
 * SDS-SHORT-REPORT as a terminal sends it: no PI, 01, the 2-bit type (2 received, 3 consumed,
 * 0/1 failures), the reference, padded to the 16 bits of a type 2 user data.
 */
export function sdsShortReportBits(msgRef: number, shortType: number): string {
  return '01' + field(shortType, 2) + field(msgRef, 8) + '0000';
}

export type SimDecodedPdu =
  | {
      kind: 'tl-transfer';
      msgRef: number;
      reportRequest: number;
      standardReportOnly: boolean;
      codingScheme: number;
      text: string;
      /** A part of a concatenated text (PI 0x8A): its UDH concatenation element. */
      part?: { ref: number; total: number; seq: number };
    }
  | { kind: 'tl-report'; msgRef: number; deliveryStatus: number }
  | { kind: 'tl-ack'; msgRef: number; deliveryStatus: number }
  | { kind: 'other'; reason: string };

/** Just enough SDS-TL decoding to answer the gateway's CMGS submissions. */
export function decodeSubmission(hex: string, bits: number): SimDecodedPdu {
  if (!/^[0-9A-F]*$/i.test(hex) || hex.length * 4 < bits) return { kind: 'other', reason: 'bad hex or short PDU' };
  const bin = [...hex]
    .map((c) => parseInt(c, 16).toString(2).padStart(4, '0'))
    .join('')
    .slice(0, bits);
  const at = (from: number, width: number): number => parseInt(bin.slice(from, from + width) || '0', 2);
  const pi = at(0, 8);
  if (pi !== 0x82 && pi !== 0x8a) return { kind: 'other', reason: `PI ${pi}` };
  const type = at(8, 4);
  if (type === 1) return { kind: 'tl-report', deliveryStatus: at(16, 8), msgRef: at(24, 8) };
  if (type === 2) return { kind: 'tl-ack', deliveryStatus: at(16, 8), msgRef: at(24, 8) };
  if (type !== 0) return { kind: 'other', reason: `SDS-TL type ${type}` };
  const codingScheme = at(25, 7);
  let textAt = 4; // octets: PI, type/flags, reference, timestamp flag + coding scheme
  let part: { ref: number; total: number; seq: number } | undefined;
  if (pi === 0x8a) {
    const udhl = at(32, 8);
    // Walk the elements: IEI, length, data.
    for (let o = 5; o < 5 + udhl;) {
      const iei = at(o * 8, 8);
      const iel = at(o * 8 + 8, 8);
      if (iei === 0x00 && iel === 3) part = { ref: at(o * 8 + 16, 8), total: at(o * 8 + 24, 8), seq: at(o * 8 + 32, 8) };
      o += 2 + iel;
    }
    textAt = 5 + udhl;
  }
  const body = Buffer.from(hex.slice(textAt * 2, Math.floor(bits / 8) * 2), 'hex');
  const text = codingScheme === 26 && body.length % 2 === 0 ? body.swap16().toString('utf16le') : body.toString('latin1');
  return {
    kind: 'tl-transfer',
    reportRequest: at(12, 2),
    standardReportOnly: at(14, 1) === 1,
    msgRef: at(16, 8),
    codingScheme,
    text,
    ...(part ? { part } : {}),
  };
}
