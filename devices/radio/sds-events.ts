// One received SDS (header line + PDU line) to normalised events, and whether the sender
// asked for an SDS-TL report that the gateway, as the consuming application, must send.
import type { IncomingPart } from './concat';
import { LIP_REASON_EMERGENCY } from './lip';
import { longFixTime } from './lip-long';
import { DELIVERY_STATUS } from './pei/constants';
import { decodeSds } from './pei/sds';
import { parseSdsHeader } from './pei/urc';
import type { RadioEvent, RawRecord } from './types';

export interface ReportReply {
  /** An SDS-REPORT for a text we received, or an SDS-ACK for a report that asked for one. */
  form: 'report' | 'ack';
  to: number;
  msgRef: number;
  deliveryStatus: number;
}

export interface SdsInterpretation {
  events: RadioEvent[];
  /** What the gateway must send back, in order. */
  replies: ReportReply[];
  /** Set when the SDS was understood but produces no event (e.g. a "message stored" report). */
  note: string | null;
  /**
   * One part of a concatenated text: no event until every part is in. `replies` then holds only
   * "received"; a "consumed" report waits in `laterReplies` until the whole text is journaled.
   */
  textPart?: { incoming: IncomingPart; laterReplies: ReportReply[] };
}

export function interpretSds(header: string, pdu: string, now: Date): SdsInterpretation {
  const raw: RawRecord = { header, pdu };
  const bad = (reason: string): SdsInterpretation => ({
    events: [{ type: 'radio.malformed', reason, raw }],
    replies: [],
    note: null,
  });
  const h = parseSdsHeader(header);
  if (!h.ok) return bad(h.reason);
  const decoded = decodeSds(h.value, pdu);
  if (!decoded.ok) return bad(decoded.reason);
  const from = h.value.calling?.ssi ?? null;
  if (from === null) return bad('SDS without a calling party SSI');
  const payload = decoded.value;
  switch (payload.kind) {
    case 'lip':
    case 'lip-long': {
      const r = payload.report;
      const fix =
        payload.kind === 'lip'
          ? fixTime(now, payload.report.timeElapsedCode)
          : payload.report.time.type === 'elapsed'
            ? fixTime(now, payload.report.time.code)
            : (longFixTime(now, payload.report.time)?.toISOString() ?? now.toISOString());
      const events: RadioEvent[] = [];
      // A terminal without a GPS fix reports 0°, 0°: no position for the map, but an emergency
      // pressed indoors is still an emergency.
      if (r.fix) {
        events.push({
          type: 'radio.position',
          issi: from,
          lat: r.latitude,
          lon: r.longitude,
          // Short report: the position error bound; long report: its circle's radius, ellipse's
          // half major axis or position error (null for a bare point).
          accuracyM: payload.kind === 'lip' ? payload.report.positionErrorM : payload.report.accuracyM,
          speedKmh: r.speedKmh,
          headingDeg: r.headingDeg,
          reason: r.reason,
          fixTime: fix,
          raw,
        });
      }
      // The emergency button sends a long report as readily as a short one.
      if (r.reasonCode === LIP_REASON_EMERGENCY) events.push({ type: 'radio.emergency', issi: from, state: 'pressed', raw });
      const note = r.fix ? null : `LIP report from ${from} without a position fix (no location shape, or 0°, 0°), reason ${r.reason ?? 'user-defined'}`;
      return { events, replies: [], note };
    }
    case 'status':
      return { events: [{ type: 'radio.status', issi: from, value: payload.value, raw }], replies: [], note: null };
    case 'text': {
      const to = h.value.called.ssi;
      if (to === null) return bad(`text to a non-SSI identity ${h.value.called.identity}`);
      const replies = reportsFor(from, payload.msgRef, payload.reportRequest);
      if (payload.part && payload.part.total > 1) {
        const incoming: IncomingPart = { from: from, to, part: payload.part, text: payload.text, msgRef: payload.msgRef, raw: { header, pdu } };
        const now = replies.filter((r) => r.deliveryStatus === DELIVERY_STATUS.RECEIVED);
        return { events: [], replies: now, note: null, textPart: { incoming, laterReplies: replies.filter((r) => !now.includes(r)) } };
      }
      const event: RadioEvent = { type: 'radio.text', issi: from, to, text: payload.text, msgRef: payload.msgRef, raw };
      return { events: [event], replies, note: null };
    }
    case 'report': {
      if (payload.outcome === 'pending') {
        const status = payload.deliveryStatus ?? -1;
        return { events: [], replies: [], note: `SDS-TL ${payload.form} ${payload.msgRef} from ${from}: status 0x${status.toString(16)} is not final` };
      }
      const event: RadioEvent = { type: 'radio.receipt', msgRef: payload.msgRef, issi: from, status: payload.outcome, raw };
      // A report that asks for acknowledgement is repeated by the SwMI until it gets an SDS-ACK.
      const ack: ReportReply[] =
        payload.ackRequired && payload.deliveryStatus !== null
          ? [{ form: 'ack', to: from, msgRef: payload.msgRef, deliveryStatus: payload.deliveryStatus }]
          : [];
      return { events: [event], replies: ack, note: null };
    }
  }
}

/**
 * LIP says only that the fix is under 5 s, 5 min or 30 min old (or unknown). The fix time is
 * the oldest it may be, so a stale fix is never shown as fresh; "unknown" keeps receipt time.
 */
const LIP_ELAPSED_MAX_MS = [0, 5 * 60_000, 30 * 60_000] as const;
function fixTime(now: Date, timeElapsedCode: number): string {
  return new Date(now.getTime() - (LIP_ELAPSED_MAX_MS[timeElapsedCode] ?? 0)).toISOString();
}

/**
 * The gateway is the consuming application: journaling the text is both receiving and
 * consuming it, so every report asked for is sent, "received" before "consumed".
 */
function reportsFor(to: number, msgRef: number | null, request: string | null): ReportReply[] {
  if (msgRef === null || request === null || request === 'none') return [];
  const statuses =
    request === 'both'
      ? [DELIVERY_STATUS.RECEIVED, DELIVERY_STATUS.CONSUMED]
      : request === 'consumed'
        ? [DELIVERY_STATUS.CONSUMED]
        : [DELIVERY_STATUS.RECEIVED];
  return statuses.map((deliveryStatus) => ({ form: 'report', to, msgRef, deliveryStatus }));
}
