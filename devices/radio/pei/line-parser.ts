// Bytes from the control station in, PEI items out. Serial reads split lines anywhere,
// radios end lines with \r\n, \r or \n depending on firmware, and line noise can produce
// a "line" that never ends: so the parser reassembles, tolerates every terminator,
// bounds what it buffers, and pairs an SDS header with the PDU line that follows it.
import { Transform, type TransformCallback } from 'node:stream';
import { MAX_LINE_LENGTH } from './constants';

export type LineItem =
  { kind: 'line'; line: string } | { kind: 'sds'; header: string; pdu: string } | { kind: 'prompt' } | { kind: 'garbage'; reason: string; raw: string };

export interface LineParserOptions {
  maxLineLength?: number;
}

const SDS_HEADER = '+CTSDSR:';
/** Kept in a garbage item so an operator can see what it was without a 4 KiB log line. */
const GARBAGE_SAMPLE = 80;

export class PeiLineParser extends Transform {
  private readonly maxLineLength: number;
  private pending = '';
  private discarding = false;
  private sdsHeader: string | null = null;

  constructor(options: LineParserOptions = {}) {
    super({ readableObjectMode: true });
    this.maxLineLength = options.maxLineLength ?? MAX_LINE_LENGTH;
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    // latin1 maps every byte to one char, so garbage bytes survive to be reported.
    this.feed(typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending !== '' && !this.discarding) this.endLine();
    if (this.sdsHeader !== null) this.orphanHeader('stream ended before the PDU line');
    callback();
  }

  private feed(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0d || c === 0x0a) {
        this.append(text.slice(start, i));
        this.endLine();
        start = i + 1;
      }
    }
    this.append(text.slice(start));
    // The CMGS prompt is never terminated: it is recognised as the whole of an open line.
    if (this.pending === '> ') {
      this.pending = '';
      this.push({ kind: 'prompt' } satisfies LineItem);
    }
  }

  private append(s: string): void {
    if (this.discarding || s === '') return;
    this.pending += s;
    if (this.pending.length > this.maxLineLength) {
      this.push({
        kind: 'garbage',
        reason: `line longer than ${this.maxLineLength} bytes without a terminator; discarded up to the next one`,
        raw: this.pending.slice(0, GARBAGE_SAMPLE),
      } satisfies LineItem);
      this.pending = '';
      this.discarding = true;
    }
  }

  private endLine(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const line = this.pending.trim();
    this.pending = '';
    if (line === '') return;
    this.handleLine(line);
  }

  private handleLine(line: string): void {
    if (this.sdsHeader !== null) {
      if (!isResultOrUrc(line)) {
        this.push({ kind: 'sds', header: this.sdsHeader, pdu: line } satisfies LineItem);
        this.sdsHeader = null;
        return;
      }
      this.orphanHeader(`next line was not a PDU: ${line.slice(0, GARBAGE_SAMPLE)}`);
    }
    if (line.startsWith(SDS_HEADER)) {
      this.sdsHeader = line;
      return;
    }
    if (line === '>') {
      this.push({ kind: 'prompt' } satisfies LineItem);
      return;
    }
    this.push({ kind: 'line', line } satisfies LineItem);
  }

  private orphanHeader(why: string): void {
    this.push({
      kind: 'garbage',
      reason: `+CTSDSR header without its PDU (${why})`,
      raw: this.sdsHeader ?? '',
    } satisfies LineItem);
    this.sdsHeader = null;
  }
}

/** A PDU line is hex; result codes and URCs start with + or are bare words no hex line can be. */
function isResultOrUrc(line: string): boolean {
  return line.startsWith('+') || line.startsWith('AT') || /^(OK|ERROR|RING|NO CARRIER|BUSY)$/.test(line);
}
