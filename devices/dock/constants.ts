/**
 * Townwatch dock protocol, version 1. PROTOCOL.md is the normative description; the numbers
 * live here so that the gateway, the simulator and the tests cannot drift apart. Numbers only:
 * this is the one module of devices/dock the simulator may import (it must not share logic with
 * the gateway it tests), so functions on them live in frame-types.ts.
 */
export const PROTOCOL_VERSION = 1;
/**
 * The protocol versions this gateway speaks, lowest first. A dock lists its own in HELLO's
 * `versions` (a HELLO without it is a version 1 dock); the gateway answers with the highest both
 * speak. HELLO and HELLO_ACK always travel as version 1 frames so that either side can read them.
 */
export const PROTOCOL_VERSIONS = [1, 2] as const;
/** The newest version: the largest frame a receiver must be ready for is this version's. */
export const MAX_PROTOCOL_VERSION = 2;

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
 * 13 (version): a HELLO whose `versions` has none the gateway speaks (a link frame: no `expect`).
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
  version: 13,
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

/**
 * Version 2: DATA of up to 4064 bytes, 64 frames unacknowledged (254 KiB), one fdatasync per half window.
 * 4064 is the largest multiple of 32 for which a whole DATA frame (6 header + 8 DATA header + 4064 =
 * 4078 bytes = 32,624 bits) stays within the 32,751 data bits over which CRC-16/CCITT detects every
 * error of up to three bits: longer frames would weaken the unchanged CRC rule. The window is what the
 * PTY measurements ask for: a sync costs one fdatasync (~0.5 ms for 256 KiB) and one line turnaround
 * (~0.8 ms) on top of its bytes, so it must cover ≥ 4 × 1.3 ms of a ~24 MB/s line to stay ≥ 0.8× raw:
 * at least ~130 KB; 64 × 4064 gives twice that, so each half is synced while the dock sends the next.
 * See PROTOCOL.md section 12.
 */
export const V2_MAX_CHUNK = 4064;
export const V2_MAX_WINDOW = 64;
export const V2_MAX_PAYLOAD = DATA_HEADER_LEN + V2_MAX_CHUNK;
export const V2_MAX_FRAME = HEADER_LEN + V2_MAX_PAYLOAD + CRC_LEN;
export const RETRANSMIT_MS = 500;
export const MAX_TRIES = 10;
export const HEARTBEAT_MS = 5000;
export const MISSED_HEARTBEATS = 3;
export const DEFAULT_BAUD = 115200;
/** Sequence numbers are u16 and wrap; "behind" means within half the space. */
export const SEQ_MOD = 0x10000;
