// MSB-first bit access for air-interface PDUs. TETRA fields do not sit on octet
// boundaries (LIP longitude is 25 bits), and the SDS header, not the buffer size,
// says how many bits are real: the reader refuses to read past that count.

export class BitReader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    readonly bitLength: number,
  ) {}

  get remaining(): number {
    return this.bitLength - this.pos;
  }

  /** Unsigned value of the next `n` bits (n <= 48, so the result stays an exact double). */
  read(n: number): number {
    if (n < 0 || n > 48) throw new RangeError(`cannot read ${n} bits at once`);
    if (n > this.remaining) {
      throw new RangeError(`need ${n} bits at offset ${this.pos}, only ${this.remaining} left`);
    }
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.pos >> 3] ?? 0;
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }

  /** Two's complement value of the next `n` bits. */
  readSigned(n: number): number {
    const v = this.read(n);
    const half = 2 ** (n - 1);
    return v >= half ? v - 2 * half : v;
  }

  skip(n: number): void {
    this.read(Math.min(n, 48));
    if (n > 48) this.skip(n - 48);
  }
}

export class BitWriter {
  private readonly bits: number[] = [];

  get length(): number {
    return this.bits.length;
  }

  /** Append `value` as `n` bits; negative values are written in two's complement. */
  write(value: number, n: number): this {
    if (!Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
    const span = 2 ** n;
    const unsigned = value < 0 ? value + span : value;
    if (unsigned < 0 || unsigned >= span) throw new RangeError(`${value} does not fit in ${n} bits`);
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(unsigned / 2 ** i) % 2);
    return this;
  }

  writeBytes(bytes: Buffer): this {
    for (const b of bytes) this.write(b, 8);
    return this;
  }

  /** Octets holding the bits, the last one zero-padded on the right. */
  toBuffer(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => {
      if (bit) out[i >> 3] = (out[i >> 3] ?? 0) | (0x80 >> (i & 7));
    });
    return out;
  }
}

/** Parse a PDU hex string; an odd nibble count (84 bits = 21 nibbles) is padded, not rejected. */
export function hexToBuffer(hex: string): Buffer | null {
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return null;
  return Buffer.from(hex.length % 2 === 1 ? `${hex}0` : hex, 'hex');
}
