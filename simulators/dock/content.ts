import { createHash } from 'node:crypto';

/**
 * Deterministic "footage": every 64 KiB block is an xorshift32 stream seeded from
 * (seed, camera, file, block), so any offset can be produced without the bytes before it and a
 * test can recompute a file's hash independently. Random bytes are a fair stand-in for
 * compressed video, and they contain plenty of SLIP END/ESC bytes to escape. (Words are laid out
 * in host byte order, so hashes agree between little-endian hosts, i.e. every target we have.)
 */
const BLOCK = 64 * 1024;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** murmur3's finaliser: spreads nearby block numbers into unrelated seeds. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function block(base: number, index: number): Buffer {
  let x = fmix32(base ^ fmix32(index + 0x9e3779b9)) || 1;
  const words = new Uint32Array(BLOCK / 4);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer);
}

/** One file's bytes, read in any order; keeps only the last block it generated. */
export class FileContent {
  private readonly base: number;
  private cached: { index: number; bytes: Buffer } | undefined;

  /** `corruptAt` flips one byte there: the camera's copy no longer matches the hash it offers. */
  constructor(
    seed: number,
    serial: string,
    name: string,
    readonly size: number,
    private readonly corruptAt?: number,
  ) {
    this.base = fnv1a(`${seed}|${serial}|${name}`);
  }

  read(offset: number, length: number): Buffer {
    const end = Math.min(this.size, offset + length);
    const out = Buffer.alloc(Math.max(0, end - offset));
    for (let pos = offset; pos < end;) {
      const index = Math.floor(pos / BLOCK);
      if (this.cached?.index !== index) this.cached = { index, bytes: block(this.base, index) };
      const from = pos - index * BLOCK;
      const n = Math.min(BLOCK - from, end - pos);
      this.cached.bytes.copy(out, pos - offset, from, from + n);
      pos += n;
    }
    const at = this.corruptAt === undefined ? -1 : this.corruptAt - offset;
    if (at >= 0 && at < out.length) out[at] = (out[at] ?? 0) ^ 0xff;
    return out;
  }
}

/** The SHA-256 a correct camera would offer, computed block by block, yielding now and then. */
export async function fileSha256(seed: number, serial: string, name: string, size: number): Promise<string> {
  const content = new FileContent(seed, serial, name, size);
  const h = createHash('sha256');
  for (let pos = 0, n = 0; pos < size; pos += BLOCK, n++) {
    h.update(content.read(pos, BLOCK));
    if (n % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
  }
  return h.digest('hex');
}
