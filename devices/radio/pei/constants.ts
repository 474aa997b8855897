// Wire constants of the TETRA PEI (ETSI EN 300 392-5) as used by the partnership's
// control stations, and the SDS protocol identifiers of EN 300 392-2 §29.

export const CR = 0x0d;
export const LF = 0x0a;
export const CTRL_Z = 0x1a;
/** What the MT prints after AT+CMGS before it takes the user data. */
export const PROMPT = '> ';

/** Longest line we buffer; the longest real line is a 2047-bit PDU as hex (512 chars). */
export const MAX_LINE_LENGTH = 4096;

/** AI service of +CTSDSR. */
export const AI_SERVICE = {
  SDS_TYPE4: 12,
  STATUS: 13,
} as const;

/** Protocol identifier: first octet of an SDS type 4 PDU. */
export const PI = {
  SIMPLE_TEXT: 0x02,
  LIP: 0x0a,
  /** Location System (EN 300 392-2 table 29.21): location as NMEA or a vendor format, not LIP. */
  LOCATION_SYSTEM: 0x03,
  /** The same over SDS-TL. */
  LOCATION_SYSTEM_TL: 0x83,
  SDS_TL_TEXT: 0x82,
  /** SDS-TL text to be shown at once (a "flash" message). */
  IMMEDIATE_TEXT: 0x89,
  /**
   * SDS-TL "message with user data header" (EN 300 392-2 §29.5.10): text after a GSM-style UDH.
   * Its concatenation element (IEI 0x00, 8-bit reference; 0x08, 16-bit) carries one part of a
   * text too long for one SDS: reference, total parts, this part's number (1-based).
   */
  UDH_TEXT: 0x8a,
} as const;

/**
 * An SDS-SHORT-REPORT has no protocol identifier: its first two bits are 01, where a PI
 * would be, then the 2-bit report type and the 8-bit message reference (EN 300 392-2 §29.4.2.4).
 */
export const SHORT_REPORT_MARK = 0b01;

/** SDS-TL message type: top nibble of the second octet. */
export const SDS_TL_TYPE = {
  TRANSFER: 0,
  REPORT: 1,
  ACK: 2,
} as const;

/** Delivery report request bits of SDS-TRANSFER. */
export const DELIVERY_REPORT = {
  none: 0,
  received: 1,
  consumed: 2,
  both: 3,
} as const;
export type DeliveryReportRequest = keyof typeof DELIVERY_REPORT;

/** Delivery status of SDS-REPORT/SDS-ACK (EN 300 392-2 table 29.16). */
export const DELIVERY_STATUS = {
  RECEIVED: 0x00,
  RECEIVED_ACK: 0x01,
  CONSUMED: 0x02,
  CONSUMED_ACK: 0x03,
  DELIVERY_FAILED: 0x4a,
} as const;

/**
 * 0x00-0x1F success, 0x20-0x3F temporary (stored by the SwMI), 0x40-0x5F failed, 0x60-0x7F
 * flow control. "Consumed" (0x02, 0x03) means the user has opened the message: read.
 */
export function deliveryOutcome(status: number): 'delivered' | 'read' | 'failed' | 'pending' {
  if (status === DELIVERY_STATUS.CONSUMED || status === DELIVERY_STATUS.CONSUMED_ACK) return 'read';
  if (status < 0x20) return 'delivered';
  if (status >= 0x40 && status < 0x60) return 'failed';
  return 'pending';
}

/** Text coding schemes we decode: 8-bit Latin 1 and 16-bit UCS-2. */
export const TEXT_CODING = {
  LATIN1: 1,
  UCS2: 26,
} as const;

/** +CTXG <TxGrant>. */
export const TX_GRANT = {
  GRANTED: 0,
  NOT_GRANTED: 1,
  QUEUED: 2,
  GRANTED_TO_ANOTHER: 3,
} as const;

/** +CTICN <comms type>: 0 is an individual call, the rest are group calls. */
export const COMMS_TYPE_POINT_TO_POINT = 0;

/**
 * Start-up sequence (EN 300 392-5). CTSDS chooses SDS type 4 with SDS-TL (AI service 12) for
 * AT+CMGS, whatever service the radio was last left in. CTSP registers the SDS services we
 * want routed to the PEI rather than to the radio's own display: LIP (PI 10), simple text
 * (PI 2), SDS-TL text (PI 130), immediate text (PI 137), concatenated text (PI 138), status.
 * Every command is required unless the station's config names it optional: a radio that
 * refuses one is not a working control station, and "up" must mean it works. AT and ATE0
 * can never be optional.
 */
export const STARTUP_COMMANDS = [
  { line: 'AT' },
  { line: 'ATE0' },
  { line: 'AT+CTSDS=12,0,0,0,1' },
  { line: 'AT+CTOM?', expect: '+CTOM:' },
  { line: 'AT+CTSP=1,3,10' },
  { line: 'AT+CTSP=1,3,2' },
  { line: 'AT+CTSP=1,3,130' },
  { line: 'AT+CTSP=1,3,137' },
  { line: 'AT+CTSP=1,3,138' },
  { line: 'AT+CTSP=1,2,20' },
  { line: 'AT+CNUMF?', expect: '+CNUMF:' },
] as const;

export const NEVER_OPTIONAL = new Set(['AT', 'ATE0']);

/** Talkgroup selection: `AT+CTGS=<group type>,<GSSI>`; group type 1 selects the group for scanning/attachment. */
export function ctgsCommand(gssi: number): string {
  return `AT+CTGS=1,${gssi}`;
}

/** <SDS status> of +CMGS for a message we sent: 4 sent over the air, 5 sending failed. */
export const CMGS_STATUS = {
  SENT: 4,
  FAILED: 5,
} as const;

/** Largest SDS type 4 user data; longer texts go as concatenated parts (PI 0x8A). */
export const SDS_MAX_BITS = 2047;

/** UDH information elements of a concatenated text: 8-bit and 16-bit reference. */
export const UDH_CONCAT_IEI = { SHORT_REF: 0x00, LONG_REF: 0x08 } as const;

/**
 * Most parts the gateway splits one outbound text into. Each part is a separate SDS over the
 * air: more parts multiply the airtime and the odds one is lost, and terminals commonly hold
 * messages of about 1000 characters. 4 parts carry 980 Latin-1 characters (488 in UCS-2).
 */
export const MAX_CONCAT_PARTS = 4;
