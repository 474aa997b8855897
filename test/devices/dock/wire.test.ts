import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../../devices/dock/constants';
import { decodeFrame, encodeFrame } from '../../../devices/dock/frame';
import { encodeData, encodeJson } from '../../../devices/dock/messages';
import { FrameWriter } from '../../../devices/dock/writer';
import { mulberry32 } from '../../../simulators/random';
import { simCrc16, simEncodeFrame, simSlip, SimFrameWriter } from '../../../simulators/dock/wire';

/** The hex at the start of each line of the document's byte-level examples (before the comment). */
function examples(): Buffer[] {
  const doc = readFileSync(new URL('../../../devices/dock/PROTOCOL.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Byte-level example'));
  const blocks = [...section.matchAll(/```\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]!);
  return blocks.map((b) =>
    Buffer.from(
      b
        .split('\n')
        .map((l) => (/^((?:[0-9a-f]{2} ?)+)/.exec(l)?.[1] ?? '').replace(/ /g, ''))
        .join(''),
      'hex',
    ),
  );
}

describe("the simulator's own encoder (simulators/dock/wire.ts) against PROTOCOL.md", () => {
  it('computes the documented CRC check value', () => {
    expect(simCrc16(Buffer.from('123456789'))).toBe(0x29b1);
  });

  it("produces the document's byte-level examples exactly", () => {
    const [fileEnd, dataOnWire] = examples();
    expect(simEncodeFrame(FrameType.FILE_END, 0x0102, Buffer.from('{"fileNo":7}'))).toEqual(fileEnd);
    expect(simSlip(simEncodeFrame(FrameType.DATA, 5, Buffer.from('0000000100000000c0db00', 'hex')))).toEqual(dataOnWire);
    // And the gateway's codec reads them: the two implementations meet only in the document.
    expect(decodeFrame(fileEnd!)).toMatchObject({ ok: true, frame: { type: FrameType.FILE_END, seq: 0x0102 } });
  });

  it('agrees with the gateway codec on a thousand random frames, SLIP escapes included', async () => {
    const rng = mulberry32(15);
    const sim = new SimFrameWriter();
    const gw = new FrameWriter();
    const simOut: Buffer[] = [];
    const gwOut: Buffer[] = [];
    sim.on('data', (b: Buffer) => simOut.push(b));
    gw.on('data', (b: Buffer) => gwOut.push(b));
    for (let i = 0; i < 1000; i++) {
      const bytes = Buffer.from(
        Array.from({ length: 1 + Math.floor(rng() * 1024) }, () => (rng() < 0.2 ? 0xc0 + Math.floor(rng() * 28) : Math.floor(rng() * 256))),
      );
      const payload = i % 2 ? encodeData(i, i * 1024, bytes) : encodeJson({ fileNo: i, note: bytes.toString('latin1').slice(0, 100) });
      const type = i % 2 ? FrameType.DATA : FrameType.FILE_END;
      expect(simEncodeFrame(type, i, payload)).toEqual(encodeFrame(type, i, payload));
      sim.writeFrame(type, i, payload);
      gw.writeFrame(type, i, payload);
    }
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(simOut)).toEqual(Buffer.concat(gwOut));
  });
});
