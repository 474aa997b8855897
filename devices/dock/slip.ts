import { Transform, type TransformCallback } from 'node:stream';

const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

/**
 * SLIP bytes in, one packet per chunk out (object mode), as `@serialport/parser-slip-encoder`'s
 * SlipDecoder does, including its treatment of a bad escape (the packet so far is emitted and
 * the byte starts the next one). That decoder grows the packet with a `Buffer.concat` per byte,
 * which costs ~0.6 ms per 1 KiB frame on our hardware and capped offload at ~0.65 MB/s; this
 * one copies runs of plain bytes into a reused buffer and allocates once per packet.
 */
export class SlipPacketDecoder extends Transform {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;
  private escape = false;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    for (let i = 0; i < chunk.length;) {
      if (this.escape) {
        this.escape = false;
        const b = chunk[i++] as number;
        if (b === ESC_END) this.append(END);
        else if (b === ESC_ESC) this.append(ESC);
        else {
          this.emitPacket();
          this.append(b);
        }
        continue;
      }
      let j = i;
      while (j < chunk.length && chunk[j] !== END && chunk[j] !== ESC) j++;
      if (j > i) this.appendRun(chunk, i, j);
      if (j === chunk.length) break;
      if (chunk[j] === END) this.emitPacket();
      else this.escape = true;
      i = j + 1;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.emitPacket();
    cb();
  }

  private emitPacket(): void {
    this.push(Buffer.from(this.buf.subarray(0, this.len)));
    this.len = 0;
  }

  private append(byte: number): void {
    this.reserve(1);
    this.buf[this.len++] = byte;
  }

  private appendRun(src: Buffer, from: number, to: number): void {
    this.reserve(to - from);
    this.len += src.copy(this.buf, this.len, from, to);
  }

  /** Noise without an END grows the packet without bound; see PROTOCOL.md, section 7. */
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}
