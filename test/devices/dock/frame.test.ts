import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameType, MAX_PAYLOAD } from '../../../devices/dock/constants';
import { crc16, decodeFrame, encodeFrame } from '../../../devices/dock/frame';
import { FileOffer, decodeData, decodeJson, encodeData } from '../../../devices/dock/messages';
import { simCrc16 } from '../../../simulators/dock/wire';

/** Hex with `# comments` to the end of each line. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

describe('CRC-16/CCITT-FALSE', () => {
  it('has the catalogue check value', () => {
    // "123456789" -> 0x29B1 (poly 0x1021, init 0xFFFF, no reflection, no final xor)
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });

  it("agrees with the simulated dock's byte-at-a-time CRC (written from the document alone) at every length and alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4100 }), fc.nat(3), (bytes, from) => {
        const view = bytes.subarray(Math.min(from, bytes.length));
        expect(crc16(view)).toBe(simCrc16(view));
      }),
      { numRuns: 300 },
    );
  });
});

describe('frame fixtures', () => {
  // FILE_END {"fileNo":7}, seq 0x0102
  const FILE_END = hex(`
    01                                   # ver 1
    23                                   # type FILE_END
    01 02                                # seq 0x0102
    00 0c                                # len 12
    7b 22 66 69 6c 65 4e 6f 22 3a 37 7d  # {"fileNo":7}
    ea f5                                # crc16 over ver..payload (checked independently)
  `);

  it('encodes FILE_END byte for byte', () => {
    expect(encodeFrame(FrameType.FILE_END, 0x0102, Buffer.from('{"fileNo":7}'))).toEqual(FILE_END);
  });

  it('decodes FILE_END', () => {
    const res = decodeFrame(FILE_END);
    expect(res).toEqual({ ok: true, frame: { type: FrameType.FILE_END, seq: 0x0102, payload: Buffer.from('{"fileNo":7}') } });
  });

  it('decodes a HEARTBEAT', () => {
    // 01 03 0000 000f {"linked":true} b509
    const res = decodeFrame(hex('01 03 0000 000f 7b226c696e6b6564223a747275657d b509'));
    expect(res.ok && res.frame.type).toBe(FrameType.HEARTBEAT);
  });

  it('one flipped byte is a crc error that still reports the seq', () => {
    const bad = Buffer.from(FILE_END);
    bad[10] = (bad[10] ?? 0) ^ 0x01; // inside the payload
    expect(decodeFrame(bad)).toMatchObject({ ok: false, reason: 'crc', seq: 0x0102 });
  });

  it('a length field that disagrees with the frame (crc intact) is a length error', () => {
    // same payload, len claims 13: re-sign it so only the length is wrong
    const body = hex('01 23 0102 000d 7b2266696c654e6f223a377d');
    const framed = Buffer.concat([body, Buffer.from([crc16(body) >> 8, crc16(body) & 0xff])]);
    expect(decodeFrame(framed)).toMatchObject({ ok: false, reason: 'length' });
  });

  it('short and oversize frames are length errors', () => {
    expect(decodeFrame(hex('01 23 01'))).toMatchObject({ ok: false, reason: 'length' });
    expect(decodeFrame(Buffer.alloc(6 + MAX_PAYLOAD + 2 + 1))).toMatchObject({ ok: false, reason: 'length' });
  });

  it('an unknown version or type is "unknown" (NAK 3)', () => {
    const v2 = encodeFrame(FrameType.FILE_END, 1, Buffer.from('{}'));
    v2[0] = 2;
    v2.writeUInt16BE(crc16(v2.subarray(0, v2.length - 2)), v2.length - 2);
    expect(decodeFrame(v2)).toMatchObject({ ok: false, reason: 'unknown', error: 'version 2' });
    expect(decodeFrame(encodeFrame(0x7f, 1))).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('refuses to encode a payload beyond the limit', () => {
    expect(() => encodeFrame(FrameType.DATA, 0, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(RangeError);
  });
});

describe('payloads', () => {
  it('DATA is fileNo:u32 | offset:u32 | bytes', () => {
    const p = encodeData(0x00010002, 4096, hex('c0 db 00'));
    expect(p).toEqual(hex('00010002 00001000 c0db00'));
    expect(decodeData(p)).toEqual({ ok: true, value: { fileNo: 0x00010002, offset: 4096, bytes: hex('c0db00') } });
    expect(decodeData(hex('00010002 00001000'))).toMatchObject({ ok: false });
    expect(() => encodeData(1, 0, Buffer.alloc(1025))).toThrow(RangeError);
  });

  it('control payloads are validated, never trusted', () => {
    expect(decodeJson(FileOffer, Buffer.from('{not json'))).toMatchObject({ ok: false, error: 'payload is not JSON' });
    const offer = {
      fileNo: 1,
      cam: 'BWC1',
      bay: 1,
      name: '../../etc/passwd',
      size: 10,
      sha256: 'a'.repeat(64),
      recStart: '2025-06-01T08:00:00Z',
      recEnd: '2025-06-01T08:10:00Z',
      chunk: 1024,
    };
    expect(decodeJson(FileOffer, Buffer.from(JSON.stringify(offer))).ok).toBe(false);
    expect(decodeJson(FileOffer, Buffer.from(JSON.stringify({ ...offer, name: 'BWC1_0001.mp4' }))).ok).toBe(true);
  });
});

describe('properties', () => {
  it('any frame round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: MAX_PAYLOAD }), (type, seq, bytes) => {
        const known = Object.values(FrameType).includes(type as FrameType);
        const res = decodeFrame(encodeFrame(type, seq, Buffer.from(bytes)));
        if (!known) return !res.ok && res.reason === 'unknown';
        return res.ok && res.frame.type === type && res.frame.seq === seq && res.frame.payload.equals(Buffer.from(bytes));
      }),
    );
  });

  it('any single damaged byte is caught', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, xor) => {
        const frame = encodeFrame(FrameType.DATA, 9, Buffer.from(bytes));
        const i = at % frame.length;
        frame[i] = (frame[i] ?? 0) ^ xor;
        return !decodeFrame(frame).ok;
      }),
    );
  });
});
