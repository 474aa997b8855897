import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PeiLineParser, type LineItem } from '../../../devices/radio/pei/line-parser';
import { hex } from './fixtures';

/** Feed chunks one write at a time; `check` runs after each chunk has been processed. */
async function feed(chunks: Buffer[], check?: (after: number, items: LineItem[]) => void, maxLineLength?: number): Promise<LineItem[]> {
  const parser = new PeiLineParser(maxLineLength ? { maxLineLength } : {});
  const items: LineItem[] = [];
  parser.on('data', (item: LineItem) => items.push(item));
  const ended = new Promise((resolve) => parser.on('end', resolve));
  for (const [i, chunk] of chunks.entries()) {
    parser.write(chunk);
    await tick();
    check?.(i, [...items]);
  }
  parser.end();
  await ended;
  return items;
}

describe('PeiLineParser', () => {
  it('reassembles an SDS header and PDU split across two chunks, and pairs them', async () => {
    const first = hex(
      '0d 0a', //                                  \r\n
      '2b 43 54 53 44 53 52 3a 20', //             "+CTSDSR: "
      '31 32 2c 32 30', //                         "12,20"  <- the read ends mid-ISSI
    );
    const second = hex(
      '30 31 2c 30 2c', //                         "01,0,"
      '31 30 30 30 30 30 31 2c 30 2c 38 34', //    "1000001,0,84"
      '0d 0a', //                                  \r\n
      '30 41 30 46 46 32 45 41 36 32 35 41', //    "0A0FF2EA625A"
      '37 43 43 39 30 41 38 30 33', //             "7CC90A803" (21 nibbles = 84 bits)
      '0d 0a', //                                  \r\n
    );
    const items = await feed([first, second], (after, sofar) => {
      if (after === 0) expect(sofar).toEqual([]); // nothing until the line is complete
    });
    expect(items).toEqual([{ kind: 'sds', header: '+CTSDSR: 12,2001,0,1000001,0,84', pdu: '0A0FF2EA625A7CC90A803' }]);
  });

  it('emits result codes and URCs as lines, skipping the blank lines between them', async () => {
    const items = await feed([
      hex(
        '0d 0a 2b 43 54 58 47 3a 20 31 2c 33 2c 30 2c 30 2c 30 2c 32 30 30 31 0d 0a', // \r\n+CTXG: 1,3,0,0,0,2001\r\n
        '0d 0a 4f 4b 0d 0a', //                                                        \r\nOK\r\n
      ),
    ]);
    expect(items).toEqual([
      { kind: 'line', line: '+CTXG: 1,3,0,0,0,2001' },
      { kind: 'line', line: 'OK' },
    ]);
  });

  it('tolerates bare CR and bare LF terminators', async () => {
    const items = await feed([
      hex('4f 4b 0d'), //                  "OK\r"
      hex('2b 43 54 4f 4d 3a 20 30 0a'), // "+CTOM: 0\n"
    ]);
    expect(items.map((i) => i.kind === 'line' && i.line)).toEqual(['OK', '+CTOM: 0']);
  });

  it('recognises the unterminated "> " prompt after AT+CMGS', async () => {
    const items = await feed([hex('0d 0a 3e 20')]); // \r\n>
    expect(items).toEqual([{ kind: 'prompt' }]);
  });

  it('passes bare garbage through as a line for the URC parser to reject', async () => {
    const items = await feed([hex('ff fe 00 23 21 0d 0a')]); // 0xFF 0xFE NUL "#!" \r\n
    expect(items).toEqual([{ kind: 'line', line: '\xff\xfe\x00#!' }]);
  });

  it('reports an overlong line once and resynchronises at the next terminator', async () => {
    const noise = Buffer.alloc(100, 0x41); // 100 × "A", no terminator
    const items = await feed([noise, noise, hex('41 41 0d 0a 4f 4b 0d 0a')], undefined, 64); // "AA\r\nOK\r\n"
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ kind: 'garbage', reason: expect.stringMatching(/longer than 64 bytes/) as unknown });
    expect(items[1]).toEqual({ kind: 'line', line: 'OK' });
  });

  it('reports an SDS header whose PDU line never came', async () => {
    const items = await feed([
      hex('2b 43 54 53 44 53 52 3a 20 31 33 2c 32 30 30 31 2c 30 2c 31 2c 30 2c 31 36 0d 0a'), // "+CTSDSR: 13,2001,0,1,0,16\r\n"
      hex('2b 43 54 43 52 3a 20 31 2c 31 0d 0a'), // "+CTCR: 1,1\r\n" instead of a PDU
    ]);
    expect(items[0]).toMatchObject({ kind: 'garbage', raw: '+CTSDSR: 13,2001,0,1,0,16' });
    expect(items[1]).toEqual({ kind: 'line', line: '+CTCR: 1,1' });
  });
});
