// SDS user data the gateway originates: SDS-TL text (alerts to units and talkgroups),
// SDS-TL reports (acknowledging what units send), plus simple text and status for tools.
import { BitWriter } from '../bits';
import { DELIVERY_REPORT, PI, SDS_MAX_BITS, SDS_TL_TYPE, TEXT_CODING, type DeliveryReportRequest } from './constants';

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

/**
 * Why `text` does not fit one SDS-TL transfer, naming the limit, or null when it does.
 * 2047 bits less the header leave 251 Latin-1 characters, or 125 in UCS-2.
 */
export function sdsTextProblem(text: string): string | null {
  const { codingScheme, bytes } = encodeText(text);
  const bits = TL_TRANSFER_HEADER_BITS + bytes.length * 8;
  if (bits <= SDS_MAX_BITS) return null;
  const room = Math.floor((SDS_MAX_BITS - TL_TRANSFER_HEADER_BITS) / 8);
  const limit = codingScheme === TEXT_CODING.UCS2 ? `${Math.floor(room / 2)} characters when it has characters outside Latin-1` : `${room} characters`;
  return `text: ${text.length} characters do not fit one TETRA SDS (${bits} bits; at most ${SDS_MAX_BITS}): at most ${limit}`;
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
    throw new RangeError(`SDS of ${w.length} bits exceeds ${SDS_MAX_BITS}; concatenation is not supported`);
  }
  return { pdu: w.toBuffer(), bits: w.length };
}
