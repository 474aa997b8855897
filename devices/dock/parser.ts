import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { PROTOCOL_VERSION } from './constants';
import { decodeFrame, findTrailingFrame, type Frame, type FrameError } from './frame';
import { SlipPacketDecoder } from './slip';

export type ParsedItem = Frame | FrameError;

export function isFrameError(item: ParsedItem): item is FrameError {
  return 'error' in item;
}

/**
 * SLIP packets in, frames (or the reason a packet was not a frame) out. SLIP already resyncs
 * at every END byte; this adds recovery of a good frame that has line noise glued to its front.
 * Empty packets are the sender's opening END (RFC 1055 flushes noise that way) and are skipped.
 */
export class DockParser extends Transform {
  /** Bytes of noise skipped in front of otherwise good frames. */
  garbageBytes = 0;

  /** `maxVersion`: the newest frame version taken; newer ones are "unknown" (NAK 3). */
  constructor(private readonly maxVersion: number = PROTOCOL_VERSION) {
    super({ writableObjectMode: true, readableObjectMode: true });
  }

  override _transform(packet: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (packet.length === 0) return cb();
    const res = decodeFrame(packet, this.maxVersion);
    if (res.ok) {
      this.push(res.frame);
      return cb();
    }
    const found = res.reason === 'crc' || res.reason === 'length' || res.reason === 'unknown' ? findTrailingFrame(packet, this.maxVersion) : undefined;
    if (found) {
      this.garbageBytes += found.skipped;
      this.push(found.frame);
      return cb();
    }
    const { ok: _ok, ...error } = res;
    this.push(error);
    cb();
  }
}

/**
 * Wires raw serial bytes through SLIP into a DockParser. The decoder runs in object mode so one
 * SLIP packet stays one chunk however the bytes were split on the wire; `between` (object mode)
 * sees each packet before it is parsed, which is where a simulator injects line faults.
 */
export function pipeDockParser(source: Readable, between?: Transform, maxVersion: number = PROTOCOL_VERSION): DockParser {
  const slip = new SlipPacketDecoder();
  const parser = new DockParser(maxVersion);
  (between ? source.pipe(slip).pipe(between) : source.pipe(slip)).pipe(parser);
  return parser;
}
