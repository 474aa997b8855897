import { describe, expect, it } from 'vitest';
import { parseLine, parseSdsHeader, ssiOf } from '../../../devices/radio/pei/urc';

describe('parseLine: final results and responses', () => {
  it('parses OK, ERROR, +CME ERROR and command echo', () => {
    expect(parseLine('OK')).toEqual({ kind: 'ok' });
    expect(parseLine('ERROR')).toEqual({ kind: 'error', code: null, line: 'ERROR' });
    expect(parseLine('+CME ERROR: 35')).toEqual({ kind: 'error', code: 35, line: '+CME ERROR: 35' });
    expect(parseLine('AT+CTOM?')).toEqual({ kind: 'echo', line: 'AT+CTOM?' });
  });

  it('parses +CTOM and +CNUMF (a TSI: MCC 0234, MNC 00014, SSI 01000001)', () => {
    expect(parseLine('+CTOM: 0')).toEqual({ kind: 'ctom', mode: 0 });
    expect(parseLine('+CNUMF: 6,02340001401000001')).toEqual({
      kind: 'cnumf',
      numType: 6,
      party: { type: null, identity: '02340001401000001', ssi: 1000001 },
    });
  });

  it('parses +CMGS with and without status and reference', () => {
    expect(parseLine('+CMGS: 3,4,42')).toEqual({ kind: 'cmgs', sdsInstance: 3, sdsStatus: 4, messageRef: 42 });
    expect(parseLine('+CMGS: 0')).toEqual({ kind: 'cmgs', sdsInstance: 0, sdsStatus: null, messageRef: null });
  });
});

describe('parseLine: unsolicited result codes', () => {
  it('+CTSDSR: AI service, calling, type, called, type, bits', () => {
    expect(parseLine('+CTSDSR: 12,2001,0,1000001,0,84')).toEqual({
      kind: 'sds-header',
      header: {
        aiService: 12,
        calling: { type: 0, identity: '2001', ssi: 2001 },
        called: { type: 0, identity: '1000001', ssi: 1000001 },
        bits: 84,
        e2eEncryption: null,
      },
    });
    // Calling party may be withheld; end-to-end encryption may be appended.
    const h = parseSdsHeader('+CTSDSR: 13,,,9001,1,16,0');
    expect(h).toEqual({
      ok: true,
      value: { aiService: 13, calling: null, called: { type: 1, identity: '9001', ssi: 9001 }, bits: 16, e2eEncryption: 0 },
    });
  });

  it('+CTICN: a group call set up by 2001 on talkgroup 9001', () => {
    expect(parseLine('+CTICN: 1,0,0,0,2001,1,1,0,1,1,0,9001,0')).toEqual({
      kind: 'cticn',
      ccInstance: 1,
      callStatus: 0,
      aiService: 0,
      calling: { type: 0, identity: '2001', ssi: 2001 },
      commsType: 1,
      called: { type: 0, identity: '9001', ssi: 9001 },
      priority: 0,
    });
  });

  it('+CTICN with TSI identities keeps the SSI part', () => {
    const item = parseLine('+CTICN: 2,0,0,5,09011638300023404,1,1,0,1,1,5,09011638300000001,0');
    expect(item).toMatchObject({ kind: 'cticn', calling: { ssi: 23404 }, called: { ssi: 1 } });
  });

  it('+CTXG with and without a transmitting party', () => {
    expect(parseLine('+CTXG: 1,3,0,0,0,2002')).toEqual({
      kind: 'ctxg',
      ccInstance: 1,
      txGrant: 3,
      txRqPrmsn: 0,
      tpi: { type: 0, identity: '2002', ssi: 2002 },
    });
    expect(parseLine('+CTXG: 1,0,0,0')).toMatchObject({ kind: 'ctxg', txGrant: 0, tpi: null });
  });

  it('+CDTXC and +CTCR', () => {
    expect(parseLine('+CDTXC: 1,0')).toEqual({ kind: 'cdtxc', ccInstance: 1, txRqPrmsn: 0 });
    expect(parseLine('+CTCR: 1,13')).toEqual({ kind: 'ctcr', ccInstance: 1, cause: 13 });
  });

  it('leaves codes it does not handle as unknown', () => {
    expect(parseLine('+CTCC: 1,1,1,0,0,1,1')).toEqual({ kind: 'unknown', line: '+CTCC: 1,1,1,0,0,1,1' });
    expect(parseLine('RING')).toEqual({ kind: 'unknown', line: 'RING' });
  });
});

describe('parseLine: malformed input is reported with a reason', () => {
  it.each([
    ['+CTXG: 1,x,0,0', /TxGrant is not a number/],
    ['+CTSDSR: 12,2001,0,1000001,0', /expected at least 6 fields/],
    ['+CTSDSR: 12,2001,0,1000001,0,0', /length is 0 bits/],
    ['+CTICN: 1,0,0', /expected at least 12 fields/],
    ['+CTCR: ', /missing CC instance/],
    ['+CME ERROR: busy', /expected \+CME ERROR/],
    ['+C\xff\xfeTXG: 1,3', /non-printable/],
  ])('%j', (line, reason) => {
    const item = parseLine(line);
    expect(item.kind).toBe('malformed');
    expect(item.kind === 'malformed' && item.reason).toMatch(reason);
  });

  it('derives no SSI from identities that cannot be one', () => {
    expect(ssiOf('16777216')).toBeNull(); // 2^24 does not fit 24 bits
    expect(ssiOf('+441159')).toBeNull(); // PSTN number
    expect(ssiOf('16777215')).toBe(16777215);
  });
});
