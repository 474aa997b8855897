import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../../devices/dock/constants';
import { crc16, type Frame } from '../../../devices/dock/frame';
import { encodeData } from '../../../devices/dock/messages';
import { isFrameError, pipeDockParser, type ParsedItem } from '../../../devices/dock/parser';
import { FrameWriter } from '../../../devices/dock/writer';

/** Hex with `# comments` to the end of each line. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

/** Feeds raw wire bytes, chunk by chunk, and collects what the parser makes of them. */
async function parse(...chunks: Buffer[]): Promise<ParsedItem[]> {
  const wire = new PassThrough();
  const out: ParsedItem[] = [];
  pipeDockParser(wire).on('data', (item: ParsedItem) => out.push(item));
  for (const c of chunks) {
    wire.write(c);
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setImmediate(r));
  return out;
}

const frames = (items: ParsedItem[]): Frame[] => items.filter((i): i is Frame => !isFrameError(i));

// DATA seq 5: fileNo 1, offset 0, bytes c0 db 00 -- both SLIP specials in the payload
const DATA_FRAME = hex('01 21 0005 000b 00000001 00000000 c0db00 0934');
const DATA_WIRE = hex(`
  c0                  # opening END (flushes line noise)
  01 21 0005 000b     # ver, DATA, seq 5, len 11
  00000001 00000000   # fileNo 1, offset 0
  db dc               # 0xC0 escaped as ESC ESC_END
  db dd               # 0xDB escaped as ESC ESC_ESC
  00
  09 34               # crc16
  c0                  # END
`);

describe('FrameWriter', () => {
  it('SLIP-encodes with an opening END and escapes 0xC0 and 0xDB', async () => {
    const w = new FrameWriter();
    const out: Buffer[] = [];
    w.on('data', (b: Buffer) => out.push(b));
    w.writeFrame(FrameType.DATA, 5, encodeData(1, 0, hex('c0 db 00')));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(out)).toEqual(DATA_WIRE);
  });
});

describe('DockParser', () => {
  it('decodes an escaped frame', async () => {
    expect(await parse(DATA_WIRE)).toEqual([{ type: FrameType.DATA, seq: 5, payload: DATA_FRAME.subarray(6, 17) }]);
  });

  it('decodes a message in two chunks, split inside an escape', async () => {
    const at = DATA_WIRE.indexOf(0xdb) + 1; // between ESC and ESC_END
    expect(frames(await parse(DATA_WIRE.subarray(0, at), DATA_WIRE.subarray(at)))).toHaveLength(1);
  });

  it('decodes byte by byte', async () => {
    const chunks = [...DATA_WIRE].map((b) => Buffer.from([b]));
    expect(frames(await parse(...chunks))).toHaveLength(1);
  });

  it('reports one flipped byte as a crc error with its seq, and keeps going', async () => {
    const bad = Buffer.from(DATA_WIRE);
    bad[12] = (bad[12] ?? 0) ^ 0x40; // in the offset field
    const items = await parse(bad, DATA_WIRE);
    expect(items[0]).toMatchObject({ error: expect.stringMatching(/^crc/) as unknown, reason: 'crc', seq: 5 });
    expect(frames(items)).toHaveLength(1);
  });

  it('resyncs after garbage between frames', async () => {
    // noise with an END inside it: two short packets, then the frame's own opening END
    const items = await parse(hex('55 aa c0 13 37'), DATA_WIRE);
    expect(items.filter(isFrameError).map((e) => [e.reason, e.raw.toString('hex')])).toEqual([
      ['length', '55aa'],
      ['length', '1337'],
    ]);
    expect(frames(items)).toHaveLength(1);
  });

  it('recovers a frame with noise glued to its front (no END in between)', async () => {
    // a sender without the opening END: the noise and the frame share one SLIP packet
    const items = await parse(Buffer.concat([hex('c0 ff 01 7e'), DATA_WIRE.subarray(1)]));
    expect(items).toEqual([{ type: FrameType.DATA, seq: 5, payload: DATA_FRAME.subarray(6, 17) }]);
  });

  it('reports a bad length and an unknown version, each with a valid crc', async () => {
    const sign = (body: Buffer): Buffer => Buffer.concat([body, Buffer.from([crc16(body) >> 8, crc16(body) & 0xff])]);
    const slip = (b: Buffer): Buffer => Buffer.concat([hex('c0'), b, hex('c0')]);
    const badLen = sign(hex('01 03 0000 0005 7b7d')); // len says 5, carries 2
    const v2 = sign(hex('02 03 0000 0002 7b7d')); // version 2
    const items = await parse(slip(badLen), slip(v2), DATA_WIRE);
    expect(items.map((i) => (isFrameError(i) ? i.reason : 'frame'))).toEqual(['length', 'unknown', 'frame']);
  });

  it('finds every frame however the stream is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        async (payloads, cuts) => {
          const w = new FrameWriter();
          const wire: Buffer[] = [];
          w.on('data', (b: Buffer) => wire.push(b));
          payloads.forEach((p, i) => w.writeFrame(FrameType.DATA, i, Buffer.from(p)));
          await new Promise((r) => setImmediate(r));
          const all = Buffer.concat(wire);
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < all.length; i++) {
            const n = cuts[i % cuts.length] ?? 1;
            chunks.push(all.subarray(at, at + n));
            at += n;
          }
          const got = frames(await parse(...chunks));
          return got.length === payloads.length && got.every((f, i) => f.seq === i && f.payload.equals(Buffer.from(payloads[i] ?? [])));
        },
      ),
      { numRuns: 50 },
    );
  });
});
