// One PEI line in, one typed item out. Field layouts follow EN 300 392-5; optional fields
// may be empty, identities may be an SSI (up to 8 digits) or a TSI (MCC+MNC+SSI, up to 17
// digits). Anything that does not fit becomes a malformed item with the reason, never a throw.

export interface Party {
  /** Identity type as sent (0 SSI, 1 TSI, ...); null when the field was empty. */
  type: number | null;
  identity: string;
  /** The 24-bit short subscriber identity (ISSI or GSSI), null if not derivable. */
  ssi: number | null;
}

export interface SdsHeader {
  aiService: number;
  calling: Party | null;
  called: Party;
  bits: number;
  e2eEncryption: number | null;
}

export type PeiItem =
  | { kind: 'ok' }
  | { kind: 'error'; code: number | null; line: string }
  | { kind: 'echo'; line: string }
  | { kind: 'ctom'; mode: number }
  | { kind: 'cnumf'; numType: number; party: Party }
  | { kind: 'sds-header'; header: SdsHeader }
  | {
      kind: 'cticn';
      ccInstance: number;
      callStatus: number;
      aiService: number;
      calling: Party | null;
      commsType: number | null;
      called: Party | null;
      priority: number | null;
    }
  | { kind: 'ctxg'; ccInstance: number; txGrant: number; txRqPrmsn: number | null; tpi: Party | null }
  | { kind: 'cdtxc'; ccInstance: number; txRqPrmsn: number | null }
  | { kind: 'ctcr'; ccInstance: number; cause: number | null }
  | { kind: 'cmgs'; sdsInstance: number; sdsStatus: number | null; messageRef: number | null }
  | { kind: 'unknown'; line: string }
  | { kind: 'malformed'; reason: string; raw: string };

type Malformed = Extract<PeiItem, { kind: 'malformed' }>;

class FieldError extends Error {}

const MAX_SSI = 0xffffff;

export function parseLine(line: string): PeiItem {
  // With echo on, the MT echoes the CMGS user data and its Ctrl-Z: our own bytes, not noise.
  if (/^[0-9A-F]+\x1a$/i.test(line)) return { kind: 'echo', line };
  if (/[^\x20-\x7e]/.test(line)) {
    return malformed(line, 'non-printable bytes in line');
  }
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERROR') return { kind: 'error', code: null, line };
  if (line.startsWith('AT')) return { kind: 'echo', line };
  if (line.startsWith('+CME ERROR')) {
    const cme = /^\+CME ERROR:\s*(\d{1,5})$/.exec(line);
    return cme ? { kind: 'error', code: Number(cme[1]), line } : malformed(line, 'expected +CME ERROR: <n>');
  }
  const m = /^(\+[A-Z]+):\s*(.*)$/.exec(line);
  if (!m) return { kind: 'unknown', line };
  const [, code = '', rest = ''] = m;
  const f = rest.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
  try {
    switch (code) {
      case '+CTOM':
        return { kind: 'ctom', mode: int(f, 0, 'mode') };
      case '+CNUMF':
        return { kind: 'cnumf', numType: int(f, 0, 'num type'), party: party(f, 1, null, 'identity') };
      case '+CTSDSR':
        return { kind: 'sds-header', header: sdsHeaderFields(f) };
      case '+CTICN':
        return cticn(f);
      case '+CTXG':
        return {
          kind: 'ctxg',
          ccInstance: int(f, 0, 'CC instance'),
          txGrant: int(f, 1, 'TxGrant'),
          txRqPrmsn: optInt(f, 2, 'TxRqPrmsn'),
          tpi: optParty(f, 5, optInt(f, 4, 'TPI type')),
        };
      case '+CDTXC':
        return { kind: 'cdtxc', ccInstance: int(f, 0, 'CC instance'), txRqPrmsn: optInt(f, 1, 'TxRqPrmsn') };
      case '+CTCR':
        return { kind: 'ctcr', ccInstance: int(f, 0, 'CC instance'), cause: optInt(f, 1, 'disconnect cause') };
      case '+CMGS':
        return {
          kind: 'cmgs',
          sdsInstance: int(f, 0, 'SDS instance'),
          sdsStatus: optInt(f, 1, 'SDS status'),
          messageRef: optInt(f, 2, 'message reference'),
        };
      default:
        return { kind: 'unknown', line };
    }
  } catch (err) {
    if (err instanceof FieldError) return malformed(line, `${code}: ${err.message}`);
    throw err;
  }
}

/** `+CTSDSR: <AI service>,[<calling>],[<calling type>],<called>,<called type>,<length>[,<e2e>]` */
export function parseSdsHeader(line: string): { ok: true; value: SdsHeader } | { ok: false; reason: string } {
  const item = parseLine(line);
  if (item.kind === 'sds-header') return { ok: true, value: item.header };
  return { ok: false, reason: item.kind === 'malformed' ? item.reason : 'not a +CTSDSR header' };
}

function sdsHeaderFields(f: string[]): SdsHeader {
  if (f.length < 6) throw new FieldError(`expected at least 6 fields, got ${f.length}`);
  const bits = int(f, 5, 'length');
  if (bits === 0) throw new FieldError('length is 0 bits');
  return {
    aiService: int(f, 0, 'AI service'),
    calling: optParty(f, 1, optInt(f, 2, 'calling party type')),
    called: party(f, 3, optInt(f, 4, 'called party type'), 'called party'),
    bits,
    e2eEncryption: optInt(f, 6, 'end to end encryption'),
  };
}

function cticn(f: string[]): PeiItem {
  if (f.length < 12) throw new FieldError(`expected at least 12 fields, got ${f.length}`);
  return {
    kind: 'cticn',
    ccInstance: int(f, 0, 'CC instance'),
    callStatus: int(f, 1, 'call status'),
    aiService: int(f, 2, 'AI service'),
    calling: optParty(f, 4, optInt(f, 3, 'calling party type')),
    commsType: optInt(f, 8, 'comms type'),
    called: optParty(f, 11, optInt(f, 10, 'called party type')),
    priority: optInt(f, 12, 'priority'),
  };
}

function int(f: string[], i: number, name: string): number {
  const v = optInt(f, i, name);
  if (v === null) throw new FieldError(`missing ${name}`);
  return v;
}

function optInt(f: string[], i: number, name: string): number | null {
  const s = f[i];
  if (s === undefined || s === '') return null;
  if (!/^\d{1,9}$/.test(s)) throw new FieldError(`${name} is not a number: ${JSON.stringify(s)}`);
  return Number(s);
}

function party(f: string[], i: number, type: number | null, name: string): Party {
  const p = optParty(f, i, type);
  if (p === null) throw new FieldError(`missing ${name}`);
  return p;
}

function optParty(f: string[], i: number, type: number | null): Party | null {
  const identity = f[i];
  if (identity === undefined || identity === '') return null;
  return { type, identity, ssi: ssiOf(identity) };
}

/** SSI from an SSI or a TSI: a TSI is MCC(4)+MNC(5)+SSI(8) digits, the SSI is the last 8. */
export function ssiOf(identity: string): number | null {
  if (!/^\d{1,17}$/.test(identity)) return null;
  const ssi = Number(identity.length > 8 ? identity.slice(-8) : identity);
  return ssi <= MAX_SSI ? ssi : null;
}

function malformed(raw: string, reason: string): Malformed {
  return { kind: 'malformed', reason, raw };
}
