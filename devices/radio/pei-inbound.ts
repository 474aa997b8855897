// Routes what the control station says: final results and information responses to the
// command queue, call-control URCs to the PTT tracker, SDS to the decoders, and anything
// unreadable to a radio.malformed event. It never throws: a decoder bug costs one
// message, not the link.
import type { Logger } from 'pino';
import { ConcatReassembler } from './concat';
import type { CommandQueue } from './pei/command-queue';
import type { LineItem } from './pei/line-parser';
import { parseLine, parseSdsHeader } from './pei/urc';
import { PttTracker } from './ptt-tracker';
import { interpretSds, type ReportReply } from './sds-events';
import type { RadioEvent, RawRecord } from './types';

export interface InboundContext {
  /** The queue of the current connection, if any. */
  queue(): CommandQueue | null;
  ownIssi(): number | null;
  emit(event: RadioEvent): void;
  /** Called when a received SDS-TL text asked for a delivery report. */
  acknowledge(reply: ReportReply): void;
  /** An unsolicited +CMGS: the later fate of an SDS the MT accepted. */
  cmgsStatus(line: string): void;
  /** A line nothing handles: counted for monitoring. */
  unknown(): void;
  now(): Date;
  log: Logger | undefined;
  /** How long the first part of a concatenated text waits for the rest. */
  concatTimeoutMs: number;
  /**
   * The ISSI ranges this station serves; empty accepts any. Traffic from an ISSI outside them
   * (a radio of another organisation on the same network, a misprogrammed codeplug) is
   * quarantined with the reason rather than put on the map or answered.
   */
  issiRanges: ReadonlyArray<readonly [number, number]>;
  /** Whether the gateway recently sent an SDS to this ISSI: its delivery reports are expected. */
  sentTo(issi: number): boolean;
}

export class PeiInbound {
  private readonly ptt = new PttTracker();
  private readonly concat: ConcatReassembler;
  /** "Consumed" reports owed for parts of texts not yet complete, by sender and SDS-TL reference. */
  private readonly pendingReplies = new Map<string, ReportReply[]>();

  constructor(private readonly ctx: InboundContext) {
    this.concat = new ConcatReassembler({ timeoutMs: ctx.concatTimeoutMs, onExpired: (ev) => this.ctx.emit(ev) });
  }

  handle(item: LineItem): void {
    try {
      if (item.kind === 'prompt') this.ctx.queue()?.onPrompt();
      else if (item.kind === 'garbage') this.malformed(item.reason, { line: item.raw });
      else if (item.kind === 'sds') this.onSds(item.header, item.pdu);
      else this.onLine(item.line);
    } catch (err) {
      this.ctx.log?.error({ err }, 'failed to handle PEI input');
      const raw = item.kind === 'sds' ? { header: item.header, pdu: item.pdu } : item.kind === 'line' ? { line: item.line } : {};
      this.malformed(`internal error: ${err instanceof Error ? err.message : String(err)}`, raw);
    }
  }

  /** The link is gone: stop whoever was talking, forget the calls. */
  reset(): void {
    for (const ev of this.ptt.reset()) this.ctx.emit(ev);
  }

  /** The adapter stops: texts half reassembled are dropped with their timers. */
  close(): void {
    this.concat.clear();
    this.pendingReplies.clear();
  }

  private outOfRange(issi: number): string | null {
    const { issiRanges } = this.ctx;
    if (issiRanges.length === 0 || issi === this.ctx.ownIssi()) return null;
    if (issiRanges.some(([from, to]) => issi >= from && issi <= to)) return null;
    return `ISSI ${issi} is outside this station's ISSI ranges (${issiRanges.map(([a, b]) => `${a}-${b}`).join(', ')})`;
  }

  private onLine(line: string): void {
    const item = parseLine(line);
    const queue = this.ctx.queue();
    switch (item.kind) {
      case 'ok':
      case 'error':
        if (!queue?.onFinal(item.kind === 'ok', item.kind === 'error' ? item.code : null, line)) {
          this.ctx.unknown();
          this.ctx.log?.debug({ line }, 'final result with no command outstanding');
        }
        return;
      case 'cmgs':
        if (!queue?.onInfo(line)) this.ctx.cmgsStatus(line);
        return;
      case 'ctom':
      case 'cnumf':
        if (!queue?.onInfo(line)) this.ctx.log?.info({ line }, 'unsolicited information response');
        return;
      case 'cticn':
      case 'ctxg':
      case 'cdtxc':
      case 'ctcr':
        for (const ev of this.ptt.handle(item, line, this.ctx.ownIssi())) {
          const foreign = ev.type === 'radio.ptt' ? this.outOfRange(ev.issi) : null;
          this.ctx.emit(
            foreign ? { type: 'radio.malformed', reason: `push-to-talk ${ev.type === 'radio.ptt' ? ev.state : ''}: ${foreign}`, raw: { line } } : ev,
          );
        }
        return;
      case 'malformed':
        return this.malformed(item.reason, { line });
      case 'sds-header':
        return this.malformed('+CTSDSR header outside SDS framing', { line });
      case 'echo':
        return;
      case 'unknown':
        this.ctx.unknown();
        this.ctx.log?.debug({ line }, 'unrecognised PEI line');
        return;
    }
  }

  private onSds(header: string, pdu: string): void {
    const h = parseSdsHeader(header);
    const from = h.ok ? (h.value.calling?.ssi ?? null) : null;
    // A radio we sent to may report on it even from outside the ranges (a unit misfiled in config).
    const foreign = from === null || this.ctx.sentTo(from) ? null : this.outOfRange(from);
    if (foreign) {
      // Neither journaled as traffic nor answered: the station is not this radio's control room.
      return this.malformed(`SDS not accepted: ${foreign}`, { header, pdu });
    }
    const result = interpretSds(header, pdu, this.ctx.now());
    for (const ev of result.events) this.ctx.emit(ev);
    if (result.note) this.ctx.log?.info({ header, pdu }, result.note);
    for (const reply of result.replies) this.ctx.acknowledge(reply);
    if (result.textPart) this.onTextPart(result.textPart.incoming, result.textPart.laterReplies);
  }

  /** One part of a concatenated text: journal the text once, when its last part is in. */
  private onTextPart(incoming: Parameters<ConcatReassembler['add']>[0], laterReplies: ReportReply[]): void {
    const outcome = this.concat.add(incoming);
    if (outcome.kind === 'malformed') return this.ctx.emit(outcome.event);
    if (outcome.kind === 'duplicate') {
      this.ctx.log?.debug({ from: incoming.from, part: incoming.part }, 'repeated part of a concatenated text');
      return;
    }
    if (outcome.kind === 'pending') {
      this.pendingReplies.set(`${incoming.from}/${incoming.msgRef}`, laterReplies);
      // Parts of texts that never complete leave their entry: keep only the recent ones.
      if (this.pendingReplies.size > 1024) this.pendingReplies.delete(this.pendingReplies.keys().next().value!);
      return;
    }
    this.ctx.emit(outcome.event);
    // "Consumed" only now that the whole text is journaled: for every part, as each asked.
    for (const part of outcome.parts) {
      const key = `${part.from}/${part.msgRef}`;
      const later = part === incoming ? laterReplies : (this.pendingReplies.get(key) ?? []);
      this.pendingReplies.delete(key);
      for (const reply of later) this.ctx.acknowledge(reply);
    }
  }

  private malformed(reason: string, raw: RawRecord): void {
    this.ctx.emit({ type: 'radio.malformed', reason, raw });
  }
}
