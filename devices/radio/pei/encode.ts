// SDS user data the gateway originates: SDS-TL text (alerts to units and talkgroups),
// SDS-TL reports (acknowledging what units send), plus simple text and status for tools.
import { BitWriter } from '../bits';
import { DELIVERY_REPORT, MAX_CONCAT_PARTS, PI, SDS_MAX_BITS, SDS_TL_TYPE, TEXT_CODING, UDH_CONCAT_IEI, type DeliveryReportRequest } from './constants';

export interface EncodedSds {
  pdu: Buffer;
  bits: number;
}

export interface TlTransferFields {
  msgRef: number;
  text: string;
  report: DeliveryReportRequest;
}

/** Latin 1 when every character fits, else UCS-2; both are what TETRA terminals display. */
export function encodeText(text: string): { codingScheme: number; bytes: Buffer } {
  if (/^[\x00-\xff]*$/.test(text)) return { codingScheme: TEXT_CODING.LATIN1, bytes: Buffer.from(text, 'latin1') };
  return { codingScheme: TEXT_CODING.UCS2, bytes: Buffer.from(text, 'utf16le').swap16() };
}

/** Bits of an SDS-TL transfer before its text: PI, type and flags, reference, coding scheme. */
const TL_TRANSFER_HEADER_BITS = 32;

/** User data header of a concatenated part: UDHL, IEI 0x00, IEL 3, reference, total, sequence. */
const UDH_CONCAT_BITS = 48;
/** Text octets in one SDS-TL transfer, alone or as a concatenated part. */
const SINGLE_ROOM = Math.floor((SDS_MAX_BITS - TL_TRANSFER_HEADER_BITS) / 8);
const PART_ROOM = Math.floor((SDS_MAX_BITS - TL_TRANSFER_HEADER_BITS - UDH_CONCAT_BITS) / 8);

/**
 * The text as the octets of each SDS it needs: one when it fits (251 Latin-1 characters, 125 in
 * UCS-2), else parts of 245 octets (122 UCS-2 characters) for concatenation. UCS-2 is cut
 * between characters, never inside one or between the halves of a surrogate pair.
 */
export function splitText(text: string): { codingScheme: number; chunks: Buffer[] } {
  const { codingScheme, bytes } = encodeText(text);
  if (bytes.length <= SINGLE_ROOM) return { codingScheme, chunks: [bytes] };
  const chunks: Buffer[] = [];
  const unit = codingScheme === TEXT_CODING.UCS2 ? 2 : 1;
  for (let at = 0; at < bytes.length;) {
    let end = Math.min(bytes.length, at + PART_ROOM - (PART_ROOM % unit));
    // A high surrogate (0xD800-0xDBFF) must stay with the low one after it.
    if (unit === 2 && end < bytes.length && ((bytes[end - 2] ?? 0) & 0xfc) === 0xd8) end -= 2;
    chunks.push(bytes.subarray(at, end));
    at = end;
  }
  return { codingScheme, chunks };
}

/**
 * Why `text` cannot be sent even as concatenated SDS, naming the limit, or null when it can.
 * Up to MAX_CONCAT_PARTS parts: 980 Latin-1 characters, or 488 with characters outside Latin-1.
 */
export function sdsTextProblem(text: string): string | null {
  const { codingScheme, chunks } = splitText(text);
  if (chunks.length <= MAX_CONCAT_PARTS) return null;
  const chars =
    codingScheme === TEXT_CODING.UCS2
      ? `${Math.floor(PART_ROOM / 2) * MAX_CONCAT_PARTS} characters when it has characters outside Latin-1`
      : `${PART_ROOM * MAX_CONCAT_PARTS} characters`;
  return `text: ${text.length} characters need ${chunks.length} TETRA SDS parts; at most ${MAX_CONCAT_PARTS} parts are sent (${chars})`;
}

export interface ConcatPartFields {
  msgRef: number;
  /** The concatenation reference shared by every part (the first part's message reference). */
  concatRef: number;
  total: number;
  seq: number;
  codingScheme: number;
  bytes: Buffer;
  report: DeliveryReportRequest;
}

/** One part of a concatenated text: an SDS-TL transfer with PI 0x8A and a concatenation UDH. */
export function encodeSdsTlConcatPart(f: ConcatPartFields): EncodedSds {
  const w = new BitWriter()
    .write(PI.UDH_TEXT, 8)
    .write(SDS_TL_TYPE.TRANSFER, 4)
    .write(DELIVERY_REPORT[f.report], 2)
    .write(1, 1) // standard report only, as for single texts
    .write(0, 1)
    .write(f.msgRef, 8)
    .write(0, 1)
    .write(f.codingScheme, 7)
    .write(5, 8) // UDH length: one 5-octet element
    .write(UDH_CONCAT_IEI.SHORT_REF, 8)
    .write(3, 8)
    .write(f.concatRef, 8)
    .write(f.total, 8)
    .write(f.seq, 8)
    .writeBytes(f.bytes);
  return finish(w);
}

export function encodeSdsTlTransfer(fields: TlTransferFields): EncodedSds {
  const { codingScheme, bytes } = encodeText(fields.text);
  const w = new BitWriter()
    .write(PI.SDS_TL_TEXT, 8)
    .write(SDS_TL_TYPE.TRANSFER, 4)
    .write(DELIVERY_REPORT[fields.report], 2)
    // Service selection 1: "standard report only". With 0 a terminal may answer with an
    // SDS-SHORT-REPORT, which some gateways cannot read; we read both, but ask for the full one.
    .write(1, 1)
    .write(0, 1) // no store and forward
    .write(fields.msgRef, 8)
    .write(0, 1) // no timestamp
    .write(codingScheme, 7)
    .writeBytes(bytes);
  return finish(w);
}

export function encodeSdsTlReport(fields: { msgRef: number; deliveryStatus: number; ackRequired?: boolean }): EncodedSds {
  const w = new BitWriter()
    .write(PI.SDS_TL_TEXT, 8)
    .write(SDS_TL_TYPE.REPORT, 4)
    .write(fields.ackRequired ? 1 : 0, 1)
    .write(0, 2)
    .write(0, 1)
    .write(fields.deliveryStatus, 8)
    .write(fields.msgRef, 8);
  return finish(w);
}

/** SDS-ACK: the answer to an SDS-REPORT whose sender set "acknowledgement required". */
export function encodeSdsTlAck(fields: { msgRef: number; deliveryStatus: number }): EncodedSds {
  const w = new BitWriter()
    .write(PI.SDS_TL_TEXT, 8)
    .write(SDS_TL_TYPE.ACK, 4)
    .write(0, 4) // reserved
    .write(fields.deliveryStatus, 8)
    .write(fields.msgRef, 8);
  return finish(w);
}

export function encodeSimpleText(text: string): EncodedSds {
  const { codingScheme, bytes } = encodeText(text);
  return finish(new BitWriter().write(PI.SIMPLE_TEXT, 8).write(0, 1).write(codingScheme, 7).writeBytes(bytes));
}

export function encodeStatus(value: number): EncodedSds {
  return finish(new BitWriter().write(value, 16));
}

function finish(w: BitWriter): EncodedSds {
  if (w.length > SDS_MAX_BITS) {
    throw new RangeError(`SDS of ${w.length} bits exceeds ${SDS_MAX_BITS}; too long for one SDS`);
  }
  return { pdu: w.toBuffer(), bits: w.length };
}
