// Reassembly of concatenated SDS-TL texts (PI 0x8A with a concatenation UDH). Each part is a
// separate SDS over the air: they may arrive out of order, twice (the SwMI repeats a part
// whose report it missed) or not at all. One text is journaled once every part is in; a text
// still missing parts after the timeout is quarantined with the parts that did arrive.
import type { ConcatPart } from './pei/sds';
import type { RadioEventOf, RawRecord } from './types';

type RadioText = RadioEventOf<'radio.text'>;
type RadioMalformed = RadioEventOf<'radio.malformed'>;

export interface IncomingPart {
  from: number;
  to: number;
  part: ConcatPart;
  text: string;
  msgRef: number | null;
  raw: { header: string; pdu: string };
}

export type PartOutcome =
  /** Every part is in: the whole text, and the parts' own data in part order. */
  | { kind: 'complete'; event: RadioText; parts: IncomingPart[] }
  | { kind: 'pending' }
  /** The same part again (same text): nothing new. */
  | { kind: 'duplicate' }
  | { kind: 'malformed'; event: RadioMalformed };

export interface ReassemblerOptions {
  /** How long the first part waits for the others. */
  timeoutMs: number;
  /** Texts being reassembled at once; past it the oldest is given up (quarantined). */
  maxPending?: number;
  /** A text given up: its quarantine event. */
  onExpired(event: RadioMalformed): void;
}

interface Pending {
  key: string;
  total: number;
  parts: Map<number, IncomingPart>;
  timer: NodeJS.Timeout;
  firstAt: number;
}

export class ConcatReassembler {
  private readonly pending = new Map<string, Pending>();
  /** Texts completed recently: a repeated part of one is a duplicate, not a new text. */
  private readonly completed = new Map<string, NodeJS.Timeout>();
  private readonly maxPending: number;

  constructor(private readonly options: ReassemblerOptions) {
    this.maxPending = options.maxPending ?? 32;
  }

  add(p: IncomingPart): PartOutcome {
    const key = `${p.from}>${p.to}#${p.part.ref}`;
    if (this.completed.has(key)) return { kind: 'duplicate' };
    let entry = this.pending.get(key);
    if (entry && entry.total !== p.part.total) {
      return malformed(
        `concatenated part ${p.part.seq} of ${p.part.total} from ${p.from} (reference ${p.part.ref}): earlier parts said ${entry.total} parts`,
        p.raw,
      );
    }
    if (!entry) {
      if (this.pending.size >= this.maxPending) this.giveUp(this.pending.keys().next().value!, `more than ${this.maxPending} texts being reassembled`);
      const timer = setTimeout(() => this.giveUp(key, `not received within ${this.options.timeoutMs / 1000} s`), this.options.timeoutMs);
      timer.unref();
      entry = { key, total: p.part.total, parts: new Map(), timer, firstAt: Date.now() };
      this.pending.set(key, entry);
    }
    const held = entry.parts.get(p.part.seq);
    if (held) {
      if (held.text === p.text) return { kind: 'duplicate' };
      return malformed(`concatenated part ${p.part.seq} of ${p.part.total} from ${p.from} (reference ${p.part.ref}) repeated with different text`, p.raw);
    }
    entry.parts.set(p.part.seq, p);
    if (entry.parts.size < entry.total) return { kind: 'pending' };

    clearTimeout(entry.timer);
    this.pending.delete(key);
    this.remember(key);
    const parts = [...entry.parts.values()].sort((a, b) => a.part.seq - b.part.seq);
    const first = parts[0]!;
    return {
      kind: 'complete',
      parts,
      event: {
        type: 'radio.text',
        issi: p.from,
        to: p.to,
        text: parts.map((x) => x.text).join(''),
        msgRef: first.msgRef,
        raw: { header: first.raw.header, pdu: first.raw.pdu, parts: parts.map((x) => x.raw) },
      },
    };
  }

  /** Drop everything held (the adapter stops): no timer may outlive it. */
  clear(): void {
    for (const e of this.pending.values()) clearTimeout(e.timer);
    for (const t of this.completed.values()) clearTimeout(t);
    this.pending.clear();
    this.completed.clear();
  }

  private remember(key: string): void {
    const t = setTimeout(() => this.completed.delete(key), this.options.timeoutMs);
    t.unref();
    this.completed.set(key, t);
  }

  private giveUp(key: string, why: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(key);
    const parts = [...entry.parts.values()].sort((a, b) => a.part.seq - b.part.seq);
    const first = parts[0]!;
    const missing = Array.from({ length: entry.total }, (_, i) => i + 1).filter((n) => !entry.parts.has(n));
    const raw: RawRecord = { header: first.raw.header, pdu: first.raw.pdu, parts: parts.map((x) => x.raw) };
    this.options.onExpired({
      type: 'radio.malformed',
      reason: `concatenated text from ${first.from} (reference ${first.part.ref}): part${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${entry.total} ${why}; received ${parts.map((x) => x.part.seq).join(', ')}`,
      raw,
    });
  }
}

function malformed(reason: string, raw: { header: string; pdu: string }): PartOutcome {
  return { kind: 'malformed', event: { type: 'radio.malformed', reason, raw } };
}
