import { SlipDecoder } from '@serialport/parser-slip-encoder';
import type { Transform } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlipPacketDecoder } from '../../../devices/dock/slip';

/** Hex with `# comments` to the end of each line. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

async function decode(dec: Transform, chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  dec.on('data', (p: Buffer) => out.push(p.toString('hex')));
  for (const c of chunks) dec.write(c);
  dec.end();
  await new Promise((r) => dec.once('end', r));
  return out;
}

describe('SlipPacketDecoder', () => {
  it('unescapes, splits at END and keeps empty packets (the opening END of each frame)', async () => {
    const wire = hex(`
      c0                 # opening END: an empty packet
      01 db dc 02 db dd  # 01 c0 02 db
      c0                 # END
      03 04              # unterminated: flushed at the end
    `);
    expect(await decode(new SlipPacketDecoder(), [wire])).toEqual(['', '01c002db', '0304']);
  });

  it('treats a bad escape as the library does: the packet so far ends, the byte starts the next', async () => {
    const wire = hex(`
      01 02 db 55 03 c0  # ESC then 55: "0102", then "5503"
      04 db c0 05 c0     # ESC then END: "04", then "c005" (the END was escaped, so it is data)
    `);
    expect(await decode(new SlipPacketDecoder(), [wire])).toEqual(['0102', '5503', '04', 'c005', '']);
  });

  it('gives the same packets as @serialport/parser-slip-encoder for any bytes and any chunking', async () => {
    // Bytes drawn mostly from the specials, so escapes, bad escapes and splits inside them are common.
    const byte = fc.oneof(fc.constantFrom(0xc0, 0xdb, 0xdc, 0xdd), fc.integer({ min: 0, max: 255 }));
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 3000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), async (bytes, cuts) => {
        const all = Buffer.from(bytes);
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < all.length; i++) {
          const n = cuts[i % cuts.length] ?? 1;
          chunks.push(all.subarray(at, at + n));
          at += n;
        }
        const ours = await decode(new SlipPacketDecoder(), chunks);
        const theirs = await decode(new SlipDecoder({ readableObjectMode: true }), chunks);
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 200 },
    );
  });
});
