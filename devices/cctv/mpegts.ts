/**
 * Just enough MPEG transport stream (ISO/IEC 13818-1) to relay MPEG-1 video to JSMpeg players:
 * cut ffmpeg's output at 188-byte packet boundaries, mark where a group of pictures starts (a
 * viewer who joins or falls behind resumes there, with a picture it can decode), read the
 * picture size from the sequence header, and count pictures. Nothing is copied: segments are
 * views of the bytes read.
 */

export const TS_PACKET_SIZE = 188;
const SYNC = 0x47;
/** MPEG-1 video (ISO/IEC 11172-2) start codes. */
const PICTURE_START = 0x00;
const SEQUENCE_HEADER = 0xb3;

export interface VideoFormat {
  width: number;
  height: number;
}

export interface Segment {
  /** Whole TS packets. */
  data: Buffer;
  /** Starts with the packet that opens a group of pictures (a sequence header follows its PES header). */
  keyframe: boolean;
  /** The size in that sequence header; null unless `keyframe`. */
  format: VideoFormat | null;
  /** MPEG-1 pictures that start in this segment. */
  pictures: number;
}

export class TsSegmenter {
  private rest: Buffer = Buffer.alloc(0);
  /** Last bytes of the video elementary stream, so a start code split across packets is seen. */
  private carry: Buffer = Buffer.alloc(0);
  private readonly videoPids = new Set<number>();
  /** Bytes dropped while looking for packet sync (should stay 0 with ffmpeg as the source). */
  skippedBytes = 0;

  push(chunk: Buffer): Segment[] {
    let data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const start = this.syncOffset(data);
    if (start < 0) {
      // No sync byte at all: keep the last packet's worth in case one is arriving.
      this.skippedBytes += Math.max(0, data.length - TS_PACKET_SIZE);
      this.rest = data.subarray(Math.max(0, data.length - TS_PACKET_SIZE));
      return [];
    }
    this.skippedBytes += start;
    data = data.subarray(start);
    const out: Segment[] = [];
    let segStart = 0;
    let current: Segment | null = null;
    let off = 0;
    for (; off + TS_PACKET_SIZE <= data.length; off += TS_PACKET_SIZE) {
      if (data[off] !== SYNC) {
        // Lost sync mid-buffer: close what we have and resynchronise on the remainder.
        break;
      }
      const pkt = this.parse(data, off);
      if (pkt.format) {
        if (current && off > segStart) out.push({ ...current, data: data.subarray(segStart, off) });
        segStart = off;
        current = { data: data, keyframe: true, format: pkt.format, pictures: 0 };
      }
      current ??= { data: data, keyframe: false, format: null, pictures: 0 };
      current.pictures += pkt.pictures;
    }
    if (current && off > segStart) out.push({ ...current, data: data.subarray(segStart, off) });
    this.rest = Buffer.from(data.subarray(off)); // copy: a few bytes, and the big buffer can go
    if (off + TS_PACKET_SIZE <= data.length) {
      // Sync was lost: drop one byte so the next push looks for the next sync byte.
      this.rest = this.rest.subarray(1);
      this.skippedBytes += 1;
    }
    return out;
  }

  /** First offset where packets line up: 0x47 here and, if there is room, one packet later. */
  private syncOffset(data: Buffer): number {
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== SYNC) continue;
      if (i + TS_PACKET_SIZE >= data.length || data[i + TS_PACKET_SIZE] === SYNC) return i;
    }
    return -1;
  }

  private parse(data: Buffer, off: number): { format: VideoFormat | null; pictures: number } {
    const b1 = data[off + 1]!;
    const pusi = (b1 & 0x40) !== 0;
    const pid = ((b1 & 0x1f) << 8) | data[off + 2]!;
    const afc = (data[off + 3]! >> 4) & 0x3;
    const end = off + TS_PACKET_SIZE;
    let p = off + 4;
    if (afc & 0x2) p += 1 + data[p]!;
    if (!(afc & 0x1) || p >= end) return { format: null, pictures: 0 };
    let format: VideoFormat | null = null;
    if (pusi) {
      // A PES packet starts here; stream ids 0xE0-0xEF are video.
      const isVideoPes = data[p] === 0 && data[p + 1] === 0 && data[p + 2] === 1 && (data[p + 3]! & 0xf0) === 0xe0;
      if (!isVideoPes) return { format: null, pictures: 0 };
      this.videoPids.add(pid);
      p += 9 + data[p + 8]!;
      if (p + 7 <= end && data[p] === 0 && data[p + 1] === 0 && data[p + 2] === 1 && data[p + 3] === SEQUENCE_HEADER) {
        // horizontal_size_value (12 bits), vertical_size_value (12 bits)
        format = { width: (data[p + 4]! << 4) | (data[p + 5]! >> 4), height: ((data[p + 5]! & 0x0f) << 8) | data[p + 6]! };
      }
    } else if (!this.videoPids.has(pid)) {
      return { format: null, pictures: 0 };
    }
    return { format, pictures: p < end ? this.countPictures(data.subarray(p, end)) : 0 };
  }

  private countPictures(es: Buffer): number {
    const buf = this.carry.length ? Buffer.concat([this.carry, es]) : es;
    let n = 0;
    for (let i = buf.indexOf(1, 2); i >= 0 && i + 1 < buf.length; i = buf.indexOf(1, i + 1)) {
      if (buf[i - 1] === 0 && buf[i - 2] === 0 && buf[i + 1] === PICTURE_START) n++;
    }
    this.carry = Buffer.from(buf.subarray(Math.max(0, buf.length - 3)));
    return n;
  }
}
