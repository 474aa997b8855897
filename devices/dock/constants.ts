/**
 * Townwatch dock protocol, version 1. PROTOCOL.md is the normative description; the numbers
 * live here so that the gateway, the simulator and the tests cannot drift apart. Numbers only:
 * this is the one module of devices/dock the simulator may import (it must not share logic with
 * the gateway it tests), so functions on them live in frame-types.ts.
 */
export const PROTOCOL_VERSION = 1;

export const FrameType = {
  HELLO: 0x01,
  HELLO_ACK: 0x02,
  HEARTBEAT: 0x03,
  ACK: 0x06,
  NAK: 0x15,
  DOCK_EVENT: 0x10,
  FILE_OFFER: 0x20,
  DATA: 0x21,
  FILE_REQ: 0x22,
  FILE_END: 0x23,
  FILE_DONE: 0x24,
  ERASE_OK: 0x25,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/**
 * NAK reason codes as they travel on the wire.
 * 1-4: the frame did not arrive intact or in order: nothing was taken, go back (resend it).
 * 5 (busy), 6 (noSpace): not taken now; the dock keeps it and resends it after the retransmit interval.
 * 7 and up refuse a frame for what it says: resending it unchanged cannot help. For a seq frame the
 * NAK carries `expect` = its seq + 1, which acknowledges it: the frame is consumed, not applied.
 * 7 (payload): the payload does not match its schema. 8 (chunk): DATA longer than the offer's `chunk`.
 * 9 (bay): a bay above the `bays` the dock announced. 10 (oneAtATime): an offer of another recording
 * while one is in transfer (offer it again after its FILE_DONE). 11 (dockId): a HELLO naming another
 * dock id than the one configured for the line. 12 (noTransfer): DATA for a file not being received.
 */
export const NakCode = {
  crc: 1,
  length: 2,
  unknown: 3,
  order: 4,
  busy: 5,
  noSpace: 6,
  payload: 7,
  chunk: 8,
  bay: 9,
  oneAtATime: 10,
  dockId: 11,
  noTransfer: 12,
} as const;
export type NakReason = keyof typeof NakCode;
export type NakCodeValue = (typeof NakCode)[NakReason];

/** ver, type, seq:u16be, len:u16be */
export const HEADER_LEN = 6;
export const CRC_LEN = 2;
/** DATA: fileNo:u32be, offset:u32be, then the bytes. */
export const DATA_HEADER_LEN = 8;
export const MAX_CHUNK = 1024;
/** Room for the biggest JSON control payload (a FILE_OFFER with wearer and GPS). */
export const MAX_PAYLOAD = 1536;
export const MAX_FRAME = HEADER_LEN + MAX_PAYLOAD + CRC_LEN;
export const MIN_FRAME = HEADER_LEN + CRC_LEN;

export const MAX_WINDOW = 4;
export const RETRANSMIT_MS = 500;
export const MAX_TRIES = 10;
export const HEARTBEAT_MS = 5000;
export const MISSED_HEARTBEATS = 3;
export const DEFAULT_BAUD = 115200;
/** Sequence numbers are u16 and wrap; "behind" means within half the space. */
export const SEQ_MOD = 0x10000;
