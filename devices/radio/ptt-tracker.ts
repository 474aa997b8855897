// Turns the PEI call-control URCs into "who is talking on which talkgroup". The URCs are
// per call instance: +CTICN opens a call (its calling party has the floor), +CTXG hands
// the floor to someone, +CDTXC ends a transmission, +CTCR ends the call. Only the
// set-up names the talkgroup, so the tracker remembers it per instance.
import { COMMS_TYPE_POINT_TO_POINT, TX_GRANT } from './pei/constants';
import type { PeiItem } from './pei/urc';
import type { RadioEventOf, RawRecord } from './types';

type PttEvent = RadioEventOf<'radio.ptt'> | RadioEventOf<'radio.malformed'>;
type CallItem = Extract<PeiItem, { kind: 'cticn' | 'ctxg' | 'cdtxc' | 'ctcr' }>;

interface Call {
  /** Null for individual calls, which are followed only so their URCs are not flagged. */
  talkgroup: number | null;
  talker: number | null;
}

export class PttTracker {
  private readonly calls = new Map<number, Call>();

  handle(item: CallItem, line: string, ownIssi: number | null): PttEvent[] {
    const raw = { line };
    if (item.kind === 'cticn') {
      const individual = item.commsType === COMMS_TYPE_POINT_TO_POINT;
      const talkgroup = individual ? null : (item.called?.ssi ?? null);
      if (!individual && talkgroup === null) return [malformed('group call set-up without a called GSSI', line)];
      const out = this.stopTalker(item.ccInstance, raw);
      this.calls.set(item.ccInstance, { talkgroup, talker: null });
      return [...out, ...this.startTalker(item.ccInstance, item.calling?.ssi ?? null, raw)];
    }
    const call = this.calls.get(item.ccInstance);
    if (call === undefined) {
      // The end of a call we never saw: nothing was shown for it, so nothing to close.
      if (item.kind === 'ctcr') return [];
      // Joined mid-call (the link came up, or the station scanned in, during it). Only the set-up
      // names the talkgroup, and guessing one would put a radio on the wrong group: say so once,
      // then follow the call silently (like an individual call) until its +CTCR.
      this.calls.set(item.ccInstance, { talkgroup: null, talker: null });
      const talker = item.kind === 'ctxg' ? (item.tpi?.ssi ?? null) : null;
      return [
        malformed(
          `+${item.kind.toUpperCase()} for call ${item.ccInstance} whose set-up (+CTICN) was not seen (joined mid-call): talkgroup unknown, so ${talker === null ? 'its talk is' : `talker ${talker} is`} not shown until the next call`,
          line,
        ),
      ];
    }
    switch (item.kind) {
      case 'ctxg': {
        if (item.txGrant !== TX_GRANT.GRANTED && item.txGrant !== TX_GRANT.GRANTED_TO_ANOTHER) return [];
        // A grant without a transmitting party identity is a grant to this station.
        const talker = item.tpi?.ssi ?? (item.txGrant === TX_GRANT.GRANTED ? ownIssi : null);
        if (talker === null) return [malformed('transmit grant without a transmitting party', line)];
        if (talker === call.talker) return [];
        return [...this.stopTalker(item.ccInstance, raw), ...this.startTalker(item.ccInstance, talker, raw)];
      }
      case 'cdtxc':
        return this.stopTalker(item.ccInstance, raw);
      case 'ctcr': {
        const out = this.stopTalker(item.ccInstance, raw);
        this.calls.delete(item.ccInstance);
        return out;
      }
    }
  }

  /**
   * Close every open transmission: after a link loss nobody can be shown as still talking.
   * These stops come from no wire line, so their raw record is empty.
   */
  reset(): PttEvent[] {
    const out: PttEvent[] = [];
    for (const cc of this.calls.keys()) out.push(...this.stopTalker(cc, {}));
    this.calls.clear();
    return out;
  }

  private startTalker(cc: number, issi: number | null, raw: RawRecord): PttEvent[] {
    const call = this.calls.get(cc);
    if (call === undefined || call.talkgroup === null || issi === null) return [];
    call.talker = issi;
    return [{ type: 'radio.ptt', issi, talkgroup: call.talkgroup, state: 'start', raw }];
  }

  private stopTalker(cc: number, raw: RawRecord): PttEvent[] {
    const call = this.calls.get(cc);
    if (call === undefined || call.talkgroup === null || call.talker === null) return [];
    const issi = call.talker;
    call.talker = null;
    return [{ type: 'radio.ptt', issi, talkgroup: call.talkgroup, state: 'stop', raw }];
  }
}

function malformed(reason: string, line: string): RadioEventOf<'radio.malformed'> {
  return { type: 'radio.malformed', reason, raw: { line } };
}
