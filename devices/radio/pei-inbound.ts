// Routes what the control station says: final results and information responses to the
// command queue, call-control URCs to the PTT tracker, SDS to the decoders, and anything
// unreadable to a radio.malformed event. It never throws: a decoder bug costs one
// message, not the link.
import type { Logger } from 'pino';
import type { CommandQueue } from './pei/command-queue';
import type { LineItem } from './pei/line-parser';
import { parseLine } from './pei/urc';
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
}

export class PeiInbound {
  private readonly ptt = new PttTracker();

  constructor(private readonly ctx: InboundContext) {}

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
        for (const ev of this.ptt.handle(item, line, this.ctx.ownIssi())) this.ctx.emit(ev);
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
    const result = interpretSds(header, pdu, this.ctx.now());
    for (const ev of result.events) this.ctx.emit(ev);
    if (result.note) this.ctx.log?.info({ header, pdu }, result.note);
    for (const reply of result.replies) this.ctx.acknowledge(reply);
  }

  private malformed(reason: string, raw: RawRecord): void {
    this.ctx.emit({ type: 'radio.malformed', reason, raw });
  }
}
