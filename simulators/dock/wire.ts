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

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xor-out ("123456789" → 0x29B1). */
export function simCrc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** ver u8 = 1 | type u8 | seq u16be | len u16be | payload | crc16 u16be over everything before it. */
export function simEncodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (payload.length > 1536) throw new RangeError(`payload of ${payload.length} bytes; the protocol allows 1536`);
  const out = Buffer.alloc(6 + payload.length + 2);
  out[0] = 1;
  out[1] = type;
  out.writeUInt16BE(seq & 0xffff, 2);
  out.writeUInt16BE(payload.length, 4);
  out.set(payload, 6);
  out.writeUInt16BE(simCrc16(out.subarray(0, 6 + payload.length)), 6 + payload.length);
  return out;
}

/** One SLIP packet (RFC 1055) with an END before it as well as after it, as section 1 asks of senders. */
export function simSlip(frame: Uint8Array): Buffer {
  const out: number[] = [END];
  for (const b of frame) {
    if (b === END) out.push(ESC, ESC_END);
    else if (b === ESC) out.push(ESC, ESC_ESC);
    else out.push(b);
  }
  out.push(END);
  return Buffer.from(out);
}

/** Frames in, one SLIP packet per output chunk (object mode), so a fault injector acts per frame. */
export class SimFrameWriter extends Transform {
  constructor() {
    super({ readableObjectMode: true });
  }

  writeFrame(type: number, seq: number, payload?: Buffer): boolean {
    return this.write(simSlip(simEncodeFrame(type, seq, payload)));
  }

  override _transform(packet: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, packet);
  }
}
