import { Transform, type TransformCallback } from 'node:stream';

/**
 * The dock's own frame encoder, written from devices/dock/PROTOCOL.md section 1 alone and
 * sharing no code with the gateway's codec (devices/dock/frame.ts, writer.ts): a simulator that
 * encoded with the code under test would agree with the gateway's mistakes instead of finding
 * them. Tests hold both against the byte-level examples in the document.
 */

const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

/** The CRC of each byte value, shifted through the polynomial bit by bit once (section 1's definition). */
const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let crc = b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[b] = crc;
  }
  return t;
})();

/**
 * CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xor-out ("123456789" → 0x29B1).
 * Byte at a time through a table: the bit loop ran at ~22 MB/s and capped version 2 offload.
 */
export function simCrc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffff) ^ (CRC_TABLE[((crc >>> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

/** Payload limits by frame version: 1536 (section 1), 4072 = 8 + 4064 for version 2 (section 12). */
export function simMaxPayload(ver: number): number {
  return ver >= 2 ? 4072 : 1536;
}

/** ver u8 | type u8 | seq u16be | len u16be | payload | crc16 u16be over everything before it. */
export function simEncodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0), ver = 1): Buffer {
  const max = simMaxPayload(ver);
  if (payload.length > max) throw new RangeError(`payload of ${payload.length} bytes; version ${ver} allows ${max}`);
  const out = Buffer.alloc(6 + payload.length + 2);
  out[0] = ver;
  out[1] = type;
  out.writeUInt16BE(seq & 0xffff, 2);
  out.writeUInt16BE(payload.length, 4);
  out.set(payload, 6);
  out.writeUInt16BE(simCrc16(out.subarray(0, 6 + payload.length)), 6 + payload.length);
  return out;
}

/** One SLIP packet (RFC 1055) with an END before it as well as after it, as section 1 asks of senders. */
export function simSlip(frame: Uint8Array): Buffer {
  // At most every byte doubles, plus the two ENDs; one allocation per packet.
  const out = Buffer.allocUnsafe(frame.length * 2 + 2);
  let n = 0;
  out[n++] = END;
  for (let i = 0; i < frame.length; i++) {
    const b = frame[i] as number;
    if (b === END) {
      out[n++] = ESC;
      out[n++] = ESC_END;
    } else if (b === ESC) {
      out[n++] = ESC;
      out[n++] = ESC_ESC;
    } else out[n++] = b;
  }
  out[n++] = END;
  return out.subarray(0, n);
}

/** Frames in, one SLIP packet per output chunk (object mode), so a fault injector acts per frame. */
export class SimFrameWriter extends Transform {
  constructor() {
    super({ readableObjectMode: true });
  }

  writeFrame(type: number, seq: number, payload?: Buffer, ver = 1): boolean {
    return this.write(simSlip(simEncodeFrame(type, seq, payload, ver)));
  }

  override _transform(packet: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, packet);
  }
}

/* ---- Decoding, from PROTOCOL.md section 1 alone ---- */

/** The frame types of section 2's table, by number; anything else is "unknown". */
const KNOWN_TYPES = new Set([0x01, 0x02, 0x03, 0x06, 0x15, 0x10, 0x20, 0x22, 0x21, 0x23, 0x24, 0x25]);

export interface SimFrame {
  type: number;
  seq: number;
  payload: Buffer;
}

/** Why a packet is not a frame, in the words of the NAK reasons (1 crc, 2 length, 3 unknown). */
export interface SimBadPacket {
  bad: 'crc' | 'length' | 'unknown';
  /** The seq read from the header, when the packet is long enough to have one (it may be damaged too). */
  seq?: number;
  size: number;
}

export type SimDecoded = SimFrame | SimBadPacket;

export function isBadPacket(d: SimDecoded): d is SimBadPacket {
  return 'bad' in d;
}

/**
 * The checks in the document's order: size 8..1544 (4080 if the first byte names version 2 and `maxVer` allows it), CRC, `len`
 * against the bytes present, version (1..maxVer) and type.
 */
function decodeExact(p: Uint8Array, maxVer: number): SimDecoded {
  const size = p.length;
  const seq = size >= 4 ? ((p[2] ?? 0) << 8) | (p[3] ?? 0) : undefined;
  const bad = (why: SimBadPacket['bad']): SimBadPacket => (seq === undefined ? { bad: why, size } : { bad: why, seq, size });
  // The limit of the version the first byte names, when this receiver takes it; version 1's otherwise.
  const named = p[0] ?? 0;
  if (size < 8 || size > 8 + simMaxPayload(named >= 1 && named <= maxVer ? named : 1)) return bad('length');
  const crc = ((p[size - 2] ?? 0) << 8) | (p[size - 1] ?? 0);
  if (simCrc16(p.subarray(0, size - 2)) !== crc) return bad('crc');
  const len = ((p[4] ?? 0) << 8) | (p[5] ?? 0);
  if (len !== size - 8) return bad('length');
  const ver = p[0] ?? 0;
  if (ver < 1 || ver > maxVer || !KNOWN_TYPES.has(p[1] ?? -1)) return bad('unknown');
  return { type: p[1] ?? 0, seq: seq ?? 0, payload: Buffer.from(p.subarray(6, size - 2)) };
}

/**
 * One SLIP packet (already unescaped) to a frame. A packet that fails is searched for a valid
 * frame ending exactly at its end (noise glued to the front of a frame), as section 1 says.
 */
export function simDecodePacket(packet: Uint8Array, maxVer = 1): SimDecoded {
  const first = decodeExact(packet, maxVer);
  if (!isBadPacket(first)) return first;
  for (let at = 1; packet.length - at >= 8; at++) {
    const tail = decodeExact(packet.subarray(at), maxVer);
    if (!isBadPacket(tail)) return tail;
  }
  return first;
}

/**
 * SLIP (RFC 1055) bytes in, one unescaped packet per chunk out (object mode). Empty packets (the
 * sender's opening END) are skipped. An ESC followed by anything but ESC_END/ESC_ESC is not
 * valid SLIP: the packet ends there (it will fail its CRC and be NAKed like any damaged frame)
 * and the byte starts the next one, as section 1 says. A packet longer than any frame can be is cut off and dropped too,
 * so noise without an END cannot grow the buffer without bound.
 */
export class SimSlipDecoder extends Transform {
  private bytes: number[] = [];
  private escaped = false;
  private overflow = false;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    for (const b of chunk) {
      if (this.escaped) {
        this.escaped = false;
        if (b === ESC_END) this.add(END);
        else if (b === ESC_ESC) this.add(ESC);
        else {
          this.finish();
          this.add(b);
        }
      } else if (b === END) this.finish();
      else if (b === ESC) this.escaped = true;
      else this.add(b);
    }
    cb();
  }

  private add(b: number): void {
    // Room for the largest frame plus noise before it; beyond that it is noise only.
    if (this.bytes.length >= 4096) this.overflow = true;
    else this.bytes.push(b);
  }

  private finish(): void {
    const packet = this.bytes;
    const overflow = this.overflow;
    this.bytes = [];
    this.overflow = false;
    if (packet.length > 0 && !overflow) this.push(Buffer.from(packet));
  }
}

/** DATA's binary payload: fileNo u32be | offset u32be | 1..1024 bytes (1..4064 on a version 2 link). */
export function simEncodeData(fileNo: number, offset: number, bytes: Uint8Array, maxChunk = 1024): Buffer {
  if (bytes.length < 1 || bytes.length > maxChunk) throw new RangeError(`DATA of ${bytes.length} bytes; the link allows 1..${maxChunk}`);
  const out = Buffer.alloc(8 + bytes.length);
  out.writeUInt32BE(fileNo >>> 0, 0);
  out.writeUInt32BE(offset >>> 0, 4);
  out.set(bytes, 8);
  return out;
}
