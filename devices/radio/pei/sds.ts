// Decode the user data of a +CTSDSR by AI service and protocol identifier (EN 300 392-2
// §29). Only the bit count from the header is trusted: radios pad the hex differently.
import { BitReader, hexToBuffer } from '../bits';
import { decodeLip, type LipShortReport } from '../lip';
import { LIP_PDU_TYPE_EXTENDED, decodeLipLong, type LipLongReport } from '../lip-long';
import {
  AI_SERVICE,
  DELIVERY_REPORT,
  PI,
  SDS_TL_TYPE,
  SHORT_REPORT_MARK,
  TEXT_CODING,
  UDH_CONCAT_IEI,
  deliveryOutcome,
  type DeliveryReportRequest,
} from './constants';
import type { SdsHeader } from './urc';

export type SdsPayload =
  | { kind: 'lip'; report: LipShortReport }
  | { kind: 'lip-long'; report: LipLongReport }
  | { kind: 'status'; value: number }
  | {
      kind: 'text';
      protocol: 'simple' | 'sds-tl';
      text: string;
      codingScheme: number;
      msgRef: number | null;
      reportRequest: DeliveryReportRequest | null;
      /** Set for one part of a concatenated text (PI 0x8A with a concatenation element). */
      part: ConcatPart | null;
    }
  | {
      kind: 'report';
      form: 'report' | 'ack' | 'short';
      msgRef: number;
      /** Table 29.16 value; null for the 2-bit short report, which has its own codes. */
      deliveryStatus: number | null;
      outcome: 'delivered' | 'read' | 'failed' | 'pending';
      ackRequired: boolean;
    };

/** Where one part sits in a concatenated text: the sender's reference, the part count, this part (1-based). */
export interface ConcatPart {
  ref: number;
  total: number;
  seq: number;
}

export type SdsResult = { ok: true; value: SdsPayload } | { ok: false; reason: string };

class Reject extends Error {}

const REPORT_REQUESTS = Object.keys(DELIVERY_REPORT) as DeliveryReportRequest[];
/** SDS-SHORT-REPORT types: 0 protocol not supported, 1 memory full, 2 received, 3 consumed. */
const SHORT_REPORT_OUTCOME = ['failed', 'failed', 'delivered', 'read'] as const;

export function decodeSds(header: SdsHeader, pduHex: string): SdsResult {
  const pdu = hexToBuffer(pduHex);
  if (pdu === null) return { ok: false, reason: 'PDU line contains non-hex characters' };
  const { bits } = header;
  if (Math.ceil(bits / 4) > pduHex.length) {
    return { ok: false, reason: `header says ${bits} bits but the PDU line has only ${pduHex.length * 4}` };
  }
  try {
    if (header.aiService === AI_SERVICE.STATUS) return { ok: true, value: status(pdu, bits) };
    if (header.aiService !== AI_SERVICE.SDS_TYPE4) throw new Reject(`unsupported AI service ${header.aiService}`);
    return { ok: true, value: type4(pdu, bits) };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, reason: err.message };
    if (err instanceof RangeError) return { ok: false, reason: `PDU ends early: ${err.message}` };
    throw err;
  }
}

function status(pdu: Buffer, bits: number): SdsPayload {
  if (bits !== 16) throw new Reject(`status SDS is 16 bits, header says ${bits}`);
  return { kind: 'status', value: new BitReader(pdu, bits).read(16) };
}

function type4(pdu: Buffer, bits: number): SdsPayload {
  if (bits < 8) throw new Reject(`${bits} bits cannot hold a protocol identifier`);
  const pi = pdu[0] ?? 0;
  if (pi >> 6 === SHORT_REPORT_MARK) return shortReport(new BitReader(pdu, bits));
  switch (pi) {
    case PI.LIP: {
      // PIs below 0x80 carry no SDS-TL header (EN 300 392-2 table 29.21): the LIP PDU starts in
      // the next octet, and a LIP report has no message reference or delivery report request.
      if (bits >= 10 && (pdu[1] ?? 0) >> 6 === LIP_PDU_TYPE_EXTENDED) {
        const long = decodeLipLong(pdu, bits);
        if (!long.ok) throw new Reject(long.reason);
        return { kind: 'lip-long', report: long.value };
      }
      const lip = decodeLip(pdu, bits);
      if (!lip.ok) throw new Reject(lip.reason);
      return { kind: 'lip', report: lip.value };
    }
    case PI.SIMPLE_TEXT: {
      const r = new BitReader(pdu, bits);
      r.skip(8 + 1); // PI, reserved bit
      const codingScheme = r.read(7);
      return { kind: 'text', protocol: 'simple', text: text(r, codingScheme), codingScheme, msgRef: null, reportRequest: null, part: null };
    }
    case PI.SDS_TL_TEXT:
    case PI.IMMEDIATE_TEXT: // same SDS-TL layout; "immediate" only tells a terminal to show it at once
    case PI.UDH_TEXT: // the same again, with a user data header before the text
      return sdsTl(new BitReader(pdu, bits), pi === PI.UDH_TEXT);
    case PI.LOCATION_SYSTEM:
    case PI.LOCATION_SYSTEM_TL:
      // Not LIP: a location system type octet, then NMEA text or a vendor format. Named, so the
      // quarantine says what the radio was configured to send.
      throw new Reject(`protocol identifier 0x${hex2(pi)} is Location System, not LIP (0x0A): not decoded`);
    default:
      throw new Reject(`unsupported protocol identifier 0x${hex2(pi)}`);
  }
}

/** SDS-SHORT-REPORT: 01, the 2-bit type, the reference; radios pad it to 16 bits. */
function shortReport(r: BitReader): SdsPayload {
  if (r.bitLength < 12) throw new Reject(`SDS-SHORT-REPORT needs 12 bits, header says ${r.bitLength}`);
  r.skip(2);
  const shortType = r.read(2);
  const msgRef = r.read(8);
  const outcome = SHORT_REPORT_OUTCOME[shortType] ?? 'failed';
  return { kind: 'report', form: 'short', msgRef, deliveryStatus: null, outcome, ackRequired: false };
}

function sdsTl(r: BitReader, withUdh = false): SdsPayload {
  r.skip(8);
  const messageType = r.read(4);
  switch (messageType) {
    case SDS_TL_TYPE.TRANSFER: {
      const reportRequest = REPORT_REQUESTS[r.read(2)] ?? 'none';
      r.skip(1); // service selection / short form report
      const storeForward = r.read(1);
      const msgRef = r.read(8);
      if (storeForward) skipForwardAddress(r);
      const timestampUsed = r.read(1);
      const codingScheme = r.read(7);
      if (timestampUsed) r.skip(24);
      const part = withUdh ? userDataHeader(r) : null;
      return { kind: 'text', protocol: 'sds-tl', text: text(r, codingScheme), codingScheme, msgRef, reportRequest, part };
    }
    case SDS_TL_TYPE.REPORT: {
      const ackRequired = r.read(1) === 1;
      r.skip(3); // reserved, storage/forward control: the forward fields come after what we need
      const deliveryStatus = r.read(8);
      const msgRef = r.read(8);
      return { kind: 'report', form: 'report', msgRef, deliveryStatus, outcome: deliveryOutcome(deliveryStatus), ackRequired };
    }
    case SDS_TL_TYPE.ACK: {
      r.skip(4);
      const deliveryStatus = r.read(8);
      const msgRef = r.read(8);
      return { kind: 'report', form: 'ack', msgRef, deliveryStatus, outcome: deliveryOutcome(deliveryStatus), ackRequired: false };
    }
    default:
      throw new Reject(`unsupported SDS-TL message type ${messageType}`);
  }
}

/**
 * The user data header: its length in octets, then information elements (IEI, length, data).
 * Only the concatenation element matters here; others (e.g. port addressing) are skipped.
 */
function userDataHeader(r: BitReader): ConcatPart | null {
  const length = r.read(8);
  if (length * 8 > r.remaining) throw new Reject(`user data header of ${length} octets runs past the PDU`);
  let left = length;
  let part: ConcatPart | null = null;
  while (left > 0) {
    if (left < 2) throw new Reject('user data header ends inside an information element');
    const iei = r.read(8);
    const iel = r.read(8);
    left -= 2;
    if (iel > left) throw new Reject(`UDH element 0x${iei.toString(16)} of ${iel} octets runs past the header`);
    left -= iel;
    const short = iei === UDH_CONCAT_IEI.SHORT_REF;
    if (short || iei === UDH_CONCAT_IEI.LONG_REF) {
      const want = short ? 3 : 4;
      if (iel !== want) throw new Reject(`concatenation element 0x${iei.toString(16)} is ${iel} octets, not ${want}`);
      // The reference is only a key shared by the parts: its byte order does not matter.
      const ref = r.read(short ? 8 : 16);
      const total = r.read(8);
      const seq = r.read(8);
      if (total === 0 || seq === 0 || seq > total) throw new Reject(`concatenated part ${seq} of ${total} is impossible`);
      part = { ref, total, seq };
    } else r.skip(iel * 8);
  }
  return part;
}

/** Validity period then a forward address whose size depends on its type. */
function skipForwardAddress(r: BitReader): void {
  r.skip(5);
  const type = r.read(3);
  const sizes: Record<number, number> = { 0: 8, 1: 24, 2: 48, 7: 0 };
  const size = sizes[type];
  if (size === undefined) throw new Reject(`unsupported SDS-TL forward address type ${type}`);
  r.skip(size);
}

function text(r: BitReader, codingScheme: number): string {
  if (codingScheme === TEXT_CODING.UCS2) {
    const units: number[] = [];
    while (r.remaining >= 16) units.push(r.read(16));
    return String.fromCharCode(...units);
  }
  // ISO 8859-x schemes (1-13) share ASCII; only Latin 1 is exact for the upper half.
  if (codingScheme < 1 || codingScheme > 13) throw new Reject(`unsupported text coding scheme ${codingScheme}`);
  const bytes: number[] = [];
  while (r.remaining >= 8) bytes.push(r.read(8));
  return Buffer.from(bytes).toString('latin1');
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
