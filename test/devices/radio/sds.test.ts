import { describe, expect, it } from 'vitest';
import {
  encodeSdsTlConcatPart,
  encodeSdsTlReport,
  encodeSdsTlTransfer,
  encodeSimpleText,
  encodeStatus,
  sdsTextProblem,
  splitText,
} from '../../../devices/radio/pei/encode';
import { decodeSds, type SdsResult } from '../../../devices/radio/pei/sds';
import type { SdsHeader } from '../../../devices/radio/pei/urc';
import { cmgsCommand, formatCmgs, formatCommand } from '../../../devices/radio/pei/writer';
import { interpretSds } from '../../../devices/radio/sds-events';
import { bitsToHex, sdsTlReportBits, sdsTlTextBits, simpleTextBits } from '../../../simulators/radio/sim-encode';
import { LIP_FIXTURES } from './fixtures';

function header(aiService: number, bits: number): SdsHeader {
  return {
    aiService,
    calling: { type: 0, identity: '2001', ssi: 2001 },
    called: { type: 0, identity: '1000001', ssi: 1000001 },
    bits,
    e2eEncryption: null,
  };
}

function ok(r: SdsResult): unknown {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('SDS-TL (PI 0x82, EN 300 392-2 §29)', () => {
  // 82        PI: SDS-TL text messaging
  // 04        0000 SDS-TRANSFER | 01 "received" report requested | 0 short form ok | 0 no store/forward
  // 2A        message reference 42
  // 01        0 no timestamp | 000 0001 ISO 8859-1
  // 48 69     "Hi"                                                    6 octets = 48 bits
  it('decodes SDS-TRANSFER with a delivery report request', () => {
    expect(ok(decodeSds(header(12, 48), '82042A014869'))).toEqual({
      kind: 'text',
      protocol: 'sds-tl',
      text: 'Hi',
      codingScheme: 1,
      msgRef: 42,
      reportRequest: 'received',
      part: null,
    });
  });

  // 82 04 2C | 81: 1 timestamp used | 000 0001 Latin 1 | 12 34 56 timestamp (24 bits) | "Hi"
  it('skips the timestamp when one is present', () => {
    expect(ok(decodeSds(header(12, 72), '82042C811234564869'))).toMatchObject({ text: 'Hi', msgRef: 0x2c });
  });

  // 82 05: 0000 | 01 | 0 | 1 store/forward | 2B ref | 01: 00000 validity, 001 forward SSI
  // 0007D1 forward address 2001 | 01 Latin 1 | "Hi"
  it('skips store-and-forward fields', () => {
    expect(ok(decodeSds(header(12, 80), '82052B010007D1014869'))).toMatchObject({ text: 'Hi', msgRef: 0x2b });
  });

  // 82 04 07 | 1A: 0 no timestamp | 001 1010 = 26 UCS-2 | 0048 20AC "H€"
  it('decodes UCS-2 text', () => {
    expect(ok(decodeSds(header(12, 64), '8204071A004820AC'))).toMatchObject({ text: 'H€', codingScheme: 26 });
  });

  // 82        PI
  // 10        0001 SDS-REPORT | 0 no ack required | 00 reserved | 0 no store/forward
  // 00 / 4A   delivery status: 0x00 receipt acknowledged / 0x4A delivery failed
  // 2A        message reference 42                                    32 bits
  it('decodes SDS-REPORT delivered and failed', () => {
    expect(ok(decodeSds(header(12, 32), '8210002A'))).toEqual({
      kind: 'report',
      form: 'report',
      msgRef: 42,
      deliveryStatus: 0,
      outcome: 'delivered',
      ackRequired: false,
    });
    expect(ok(decodeSds(header(12, 32), '82104A2A'))).toMatchObject({ outcome: 'failed', deliveryStatus: 0x4a });
    // 0x21 "message stored by the SwMI" is not final.
    expect(ok(decodeSds(header(12, 32), '8210212A'))).toMatchObject({ outcome: 'pending' });
  });

  // 82 | 20: 0010 SDS-ACK, 0000 reserved | 00 status | 2A ref
  it('decodes SDS-ACK', () => {
    expect(ok(decodeSds(header(12, 32), '8220002A'))).toMatchObject({ form: 'ack', msgRef: 42, outcome: 'delivered' });
  });

  // A short report has no PI octet: 01 short report | 10 "message received" | 0010 1010 ref 42 |
  // 0000 padding, as a terminal sends it: `+CTSDSR: 12,…,16` then `62A0`.
  it('decodes SDS-SHORT-REPORT (no PI, 16 bits as radios send it)', () => {
    expect(ok(decodeSds(header(12, 16), '62A0'))).toMatchObject({ form: 'short', msgRef: 42, outcome: 'delivered' });
    // 7E06: 01 | 11 "consumed" | 1110 0000 ref 224 | 0110: once refused as "unsupported protocol identifier 0x7E".
    expect(ok(decodeSds(header(12, 16), '7E06'))).toMatchObject({ form: 'short', msgRef: 0xe0, outcome: 'read' });
    // 00 "protocol not supported" and 01 "memory full" are failures.
    expect(ok(decodeSds(header(12, 16), '42A0'))).toMatchObject({ form: 'short', msgRef: 42, outcome: 'failed' });
  });

  it('reads a consumed SDS-REPORT as read, not delivered', () => {
    expect(ok(decodeSds(header(12, 32), '8210022A'))).toMatchObject({ form: 'report', msgRef: 42, outcome: 'read' });
  });
});

describe('SDS-TL with a user data header (PI 0x8A, EN 300 392-2 §29.5.10): concatenated text', () => {
  // 8A        PI: message with user data header
  // 04 2A 01  transfer, "received" requested, reference 42, no timestamp, Latin 1
  // 05        UDH length 5 | 00 concatenation, 8-bit reference | 03 element length
  // 07 02 01  reference 7, 2 parts, this is part 1 | 48 69 "Hi"          12 octets = 96 bits
  it('decodes one part with its place in the text', () => {
    expect(ok(decodeSds(header(12, 96), '8A042A010500030702014869'))).toMatchObject({
      kind: 'text',
      text: 'Hi',
      msgRef: 42,
      reportRequest: 'received',
      part: { ref: 7, total: 2, seq: 1 },
    });
  });

  // 06 UDH length | 08 concatenation, 16-bit reference | 04 | 12 34 reference | 03 parts | 02 part | "OK"
  it('reads the 16-bit reference form, and skips elements it does not use', () => {
    expect(ok(decodeSds(header(12, 104), '8A042B0106080412340302' + '4F4B'))).toMatchObject({ text: 'OK', part: { ref: 0x1234, total: 3, seq: 2 } });
    // 08 UDH length: a 3-octet element 0x24 (national language) before the concatenation element
    expect(ok(decodeSds(header(12, 120), '8A042B0108240100' + '000307020248' + '69'))).toMatchObject({ text: 'Hi', part: { ref: 7, total: 2, seq: 2 } });
  });

  it('refuses an impossible part or a header that runs past the PDU', () => {
    expect(decodeSds(header(12, 96), '8A042A010500030702034869')).toEqual({ ok: false, reason: 'concatenated part 3 of 2 is impossible' });
    expect(decodeSds(header(12, 96), '8A042A012000030702014869')).toEqual({ ok: false, reason: 'user data header of 32 octets runs past the PDU' });
  });
});

describe('other SDS payloads', () => {
  // 02 PI simple text | 01: 0 reserved, 000 0001 Latin 1 | 4F 4B "OK" | 00 padding beyond 32 bits
  it('decodes simple text from the bit count, ignoring padding', () => {
    expect(ok(decodeSds(header(12, 32), '02014F4B00'))).toEqual({
      kind: 'text',
      protocol: 'simple',
      text: 'OK',
      codingScheme: 1,
      msgRef: null,
      reportRequest: null,
      part: null,
    });
  });

  it('decodes a status (AI 13) as its 16-bit value', () => {
    expect(ok(decodeSds(header(13, 16), '8002'))).toEqual({ kind: 'status', value: 0x8002 });
  });

  it('decodes LIP from an odd nibble count as radios send it', () => {
    expect(ok(decodeSds(header(12, 84), LIP_FIXTURES.nottingham.slice(0, 21)))).toMatchObject({ kind: 'lip' });
  });

  it('decodes LIP in lower-case hex, and with the length given in whole octets', () => {
    expect(ok(decodeSds(header(12, 84), LIP_FIXTURES.nottingham.toLowerCase()))).toMatchObject({ kind: 'lip', report: { reason: 'ptt' } });
    expect(ok(decodeSds(header(12, 88), LIP_FIXTURES.nottingham))).toMatchObject({ kind: 'lip', report: { reason: 'ptt' } });
  });

  it.each([
    [13, 8, '80', /status SDS is 16 bits, header says 8/],
    [13, 24, '8002', /header says 24 bits but the PDU line has only 16/],
    [12, 48, '82042A01486G', /non-hex/],
    [12, 16, '0C01', /unsupported protocol identifier 0x0C/],
    [12, 32, '8230002A', /unsupported SDS-TL message type 3/],
    [12, 40, '8204070048', /unsupported text coding scheme 0/],
    [11, 16, '0001', /unsupported AI service 11/],
    [12, 76, LIP_FIXTURES.nottingham, /84 bits, header says 76/],
    [12, 24, '82042A', /PDU ends early/],
    // Location System (PI 0x03 / 0x83 with SDS-TL): location, but not LIP; named, not guessed at.
    [12, 64, '0300244750524D43', /0x03 is Location System, not LIP \(0x0A\)/],
    [12, 64, '8300102A01244750', /0x83 is Location System, not LIP \(0x0A\)/],
    // PDU type 1 with a long report cut after its extension, and a reserved PDU type 2.
    [12, 14, '0A4C', /LIP long location report: PDU ends early/],
    [12, 84, '0A8FF2EA625A7CC90A8030', /LIP PDU type 2 \(reserved\) not supported/],
  ])('rejects AI %i, %i bits, %s', (ai, bits, pdu, reason) => {
    const r = decodeSds(header(ai, bits), pdu);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });
});

describe('encoders agree with the fixtures and with the simulator', () => {
  it('SDS-TL transfer and report', () => {
    const t = encodeSdsTlTransfer({ msgRef: 42, text: 'Hi', report: 'received' });
    // 06 = 0000 transfer | 01 "received" | 1 standard report only (not the short form) | 0
    expect({ hex: t.pdu.toString('hex').toUpperCase(), bits: t.bits }).toEqual({ hex: '82062A014869', bits: 48 });
    // A terminal's own text (the simulator's) leaves the short form allowed: same fields otherwise.
    expect(bitsToHex(sdsTlTextBits(42, 'Hi'))).toBe('82042A014869');
    const r = encodeSdsTlReport({ msgRef: 42, deliveryStatus: 0 });
    expect({ hex: r.pdu.toString('hex').toUpperCase(), bits: r.bits }).toEqual({ hex: '8210002A', bits: 32 });
    expect(bitsToHex(sdsTlReportBits(42, 0))).toBe('8210002A');
  });

  it('simple text, status, and non-Latin text as UCS-2', () => {
    expect(encodeSimpleText('OK').pdu.toString('hex').toUpperCase()).toBe('02014F4B');
    expect(bitsToHex(simpleTextBits('OK'))).toBe('02014F4B');
    expect(encodeStatus(0x8002)).toEqual({ pdu: Buffer.from('8002', 'hex'), bits: 16 });
    const u = encodeSdsTlTransfer({ msgRef: 7, text: 'H€', report: 'none' });
    expect(u.pdu.toString('hex').toUpperCase()).toBe('8202071A004820AC');
  });

  it('a single transfer refuses a text too long for one SDS (sendText splits those first)', () => {
    expect(() => encodeSdsTlTransfer({ msgRef: 1, text: 'x'.repeat(300), report: 'none' })).toThrow(/exceeds 2047/);
  });

  it('splits a long text into parts of at most one SDS, UCS-2 between characters, and names the limit past 4 parts', () => {
    expect(splitText('x'.repeat(251)).chunks).toHaveLength(1);
    expect(splitText('x'.repeat(252)).chunks.map((c) => c.length)).toEqual([245, 7]);
    // 🚓 is a surrogate pair: never cut between its halves.
    const ucs = `${'ŵ'.repeat(121)}🚓${'ŵ'.repeat(10)}`;
    const parts = splitText(ucs).chunks;
    expect(parts.map((c) => Buffer.from(c).swap16().toString('utf16le')).join('')).toBe(ucs);
    expect(parts[0]!.length).toBe(242); // 121 characters: the pair goes whole into part 2
    const p = encodeSdsTlConcatPart({ msgRef: 9, concatRef: 8, total: 2, seq: 2, codingScheme: 1, bytes: Buffer.from('Hi'), report: 'received' });
    expect(p.pdu.toString('hex').toUpperCase()).toBe('8A0609010500030802024869');
    expect(sdsTextProblem('x'.repeat(980))).toBeNull();
    expect(sdsTextProblem('x'.repeat(981))).toBe('text: 981 characters need 5 TETRA SDS parts; at most 4 parts are sent (980 characters)');
  });

  it('formats commands and the CMGS submission', () => {
    expect(formatCommand('AT+CTOM?').toString('latin1')).toBe('AT+CTOM?\r');
    expect(() => formatCommand('AT\rATZ')).toThrow();
    expect(cmgsCommand(9001, 48)).toBe('AT+CMGS=9001,48');
    // "AT+CMGS=9001,48" CR LF, hex user data, Ctrl-Z (0x1A)
    expect(formatCmgs(9001, Buffer.from('82042A014869', 'hex'), 48).toString('latin1')).toBe('AT+CMGS=9001,48\r\n82042A014869\x1a');
  });
});

describe('interpretSds: SDS to normalised events', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');

  it('a LIP emergency gives a position and an emergency, keeping the raw header and PDU', () => {
    const { events } = interpretSds('+CTSDSR: 12,2002,0,1000001,0,84', LIP_FIXTURES.cambridge, now);
    const raw = { header: '+CTSDSR: 12,2002,0,1000001,0,84', pdu: LIP_FIXTURES.cambridge };
    expect(events).toEqual([
      {
        type: 'radio.position',
        issi: 2002,
        lat: expect.closeTo(52.2053, 4) as unknown,
        lon: expect.closeTo(0.1218, 4) as unknown,
        accuracyM: null,
        speedKmh: null,
        headingDeg: 0,
        reason: 'emergency',
        fixTime: '2026-03-01T12:00:00.000Z',
        raw,
      },
      { type: 'radio.emergency', issi: 2002, state: 'pressed', raw },
    ]);
  });

  it('an SDS-TL text asking for a report yields a reply to send', () => {
    const r = interpretSds('+CTSDSR: 12,2001,0,1000001,0,48', '82042A014869', now);
    expect(r.events).toEqual([
      { type: 'radio.text', issi: 2001, to: 1000001, text: 'Hi', msgRef: 42, raw: { header: '+CTSDSR: 12,2001,0,1000001,0,48', pdu: '82042A014869' } },
    ]);
    expect(r.replies).toEqual([{ form: 'report', to: 2001, msgRef: 42, deliveryStatus: 0 }]);
  });

  it('both reports requested: "received" then "consumed"; a report asking for an ACK gets an SDS-ACK', () => {
    // 0C = 0000 transfer | 11 both | 0 | 0
    const both = interpretSds('+CTSDSR: 12,2001,0,1000001,0,48', '820C2A014869', now);
    expect(both.replies).toEqual([
      { form: 'report', to: 2001, msgRef: 42, deliveryStatus: 0x00 },
      { form: 'report', to: 2001, msgRef: 42, deliveryStatus: 0x02 },
    ]);
    // 18 = 0001 report | 1 ack required | 000; status 00; ref 2A
    const report = interpretSds('+CTSDSR: 12,2001,0,1000001,0,32', '8218002A', now);
    expect(report.events[0]).toMatchObject({ type: 'radio.receipt', status: 'delivered', msgRef: 42 });
    expect(report.replies).toEqual([{ form: 'ack', to: 2001, msgRef: 42, deliveryStatus: 0 }]);
  });

  it('a report becomes a receipt; a malformed SDS becomes radio.malformed', () => {
    expect(interpretSds('+CTSDSR: 12,9001,0,1000001,0,32', '82104A2A', now).events[0]).toMatchObject({
      type: 'radio.receipt',
      msgRef: 42,
      issi: 9001,
      status: 'failed',
    });
    expect(interpretSds('+CTSDSR: 12,2001,0,1000001,0,84', '0A4FF2EA625A7CC90A8030', now).events).toEqual([
      {
        type: 'radio.malformed',
        // 0x4F: PDU type 01, extension 0011 (a long report), time type 11, which is reserved.
        reason: 'LIP long location report: time type 3 is reserved',
        raw: { header: '+CTSDSR: 12,2001,0,1000001,0,84', pdu: '0A4FF2EA625A7CC90A8030' },
      },
    ]);
  });
});
