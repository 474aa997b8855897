import type { Config } from '../../config/schema';
import { clipRecord } from '../contract/clip-record';
import { isEvent } from '../contract/events';
import type { EvidenceRecord, MismatchAlarm } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { EvidenceRecord, MismatchAlarm } from '../contract/views';

const DAY_MS = 86_400_000;

export interface ClockBounds {
  futureToleranceMinutes: number;
  maxAgeHours: number;
}

/**
 * When retention counts from: the recording's end by the camera's clock, unless that clock is
 * implausible beside the gateway's receive time (in the future, before the recording began, or
 * more than `maxAgeHours` before receipt), in which case the receive time. A camera whose clock
 * says 2000 must not have its footage deleted within the hour after it erased its own copy.
 */
export function retentionStart(recStart: string, recEnd: string, receivedAt: number, bounds: ClockBounds): { from: number; distrusted: string | null } {
  const end = Date.parse(recEnd);
  const start = Date.parse(recStart);
  let distrusted: string | null = null;
  if (!Number.isFinite(end) || !Number.isFinite(start)) distrusted = 'recording times do not parse';
  else if (end > receivedAt + bounds.futureToleranceMinutes * 60_000) distrusted = 'recording end is in the future';
  else if (start > end) distrusted = 'recording starts after it ends';
  else if (end < receivedAt - bounds.maxAgeHours * 3_600_000) distrusted = `recording end is more than ${bounds.maxAgeHours} h before the gateway received it`;
  return distrusted ? { from: receivedAt, distrusted } : { from: end, distrusted: null };
}

function keyOf(cam: string, fileNo: number, sha256: string): string {
  return `${cam}\n${fileNo}\n${sha256}`;
}

/** Evidence files and their state; the custody log itself is a query over the journal. */
export class EvidenceProjection implements Projection<EvidenceRecord[]> {
  readonly name = 'evidence';
  private readonly records = new Map<string, EvidenceRecord>();
  /** `cam\nfileNo\nofferedSha256` → exhibit id: a repeated offer of the same recording finds its exhibit. */
  private readonly byKeys = new Map<string, string>();
  private readonly mismatches: MismatchAlarm[] = [];

  constructor(private readonly config: Config) {}

  apply(e: JournalEvent): void {
    if (
      !isEvent(
        e,
        'evidence.hash-mismatch',
        'evidence.alarm-acknowledged',
        'evidence.verified',
        'evidence.clip-recorded',
        'evidence.marked-evidential',
        'evidence.hold',
        'evidence.deleted',
      )
    )
      return;
    // An erased payload (retention) changes nothing.
    if (!e.payload) return;
    if (e.type === 'evidence.hash-mismatch') {
      const p = e.payload;
      this.mismatches.push({
        id: e.id,
        at: e.ts,
        dockId: p.dockId,
        cam: p.cam,
        fileNo: p.fileNo,
        name: p.name,
        offered: p.offered,
        received: p.received,
        reason: p.reason,
        acknowledged: null,
      });
      return;
    }
    if (e.type === 'evidence.alarm-acknowledged') {
      const p = e.payload;
      const a = this.mismatches.find((m) => m.id === p.alarmId);
      if (a && !a.acknowledged) a.acknowledged = { by: e.actor ?? 'unknown', at: e.ts, note: p.note };
      return;
    }
    if (e.type === 'evidence.clip-recorded') {
      const p = e.payload;
      if (this.records.has(p.evidenceId)) return;
      // The gateway's own clock times a clip, so retention counts from its end as recorded.
      const { from } = retentionStart(p.recStart, p.recEnd, e.ts, this.config.evidence.recordingClock);
      this.records.set(p.evidenceId, clipRecord(p, e.ts, e.actor, from + this.config.evidence.retentionDays['non-evidential'] * DAY_MS));
      return;
    }
    if (e.type === 'evidence.verified') {
      const p = e.payload;
      const id = p.evidenceId;
      if (this.records.has(id)) return; // the same recording offered again
      const wearer = p.wearer;
      // The same rule the service journals `evidence.clock-distrusted` by, so a replay agrees.
      const { from } = retentionStart(p.recStart, p.recEnd, e.ts, this.config.evidence.recordingClock);
      this.byKeys.set(keyOf(p.cam, p.fileNo, p.deviceSha256), id);
      this.records.set(id, {
        id,
        cam: p.cam,
        fileNo: p.fileNo,
        wearer,
        unassigned: wearer === null,
        dockId: p.dockId,
        bay: p.bay,
        name: p.name,
        recStart: p.recStart,
        recEnd: p.recEnd,
        size: p.size,
        deviceSha256: p.deviceSha256,
        receivedSha256: p.sha256,
        gps: p.gps,
        category: 'non-evidential',
        incidents: [],
        hold: false,
        retainUntil: from + this.config.evidence.retentionDays['non-evidential'] * DAY_MS,
        verifiedAt: e.ts,
        deleted: null,
      });
      return;
    }
    const r = this.records.get(e.payload.evidenceId);
    if (!r) return;
    switch (e.type) {
      case 'evidence.marked-evidential':
        r.category = 'evidential';
        if (!r.incidents.includes(e.payload.incidentId)) r.incidents.push(e.payload.incidentId);
        break;
      case 'evidence.hold':
        r.hold = e.payload.on;
        break;
      case 'evidence.deleted':
        r.deleted = { at: e.ts, reason: e.payload.reason };
        break;
    }
  }

  get(id: string): EvidenceRecord | undefined {
    return this.records.get(id);
  }

  /** The exhibit already holding this recording of this camera, if any. */
  byKey(cam: string, fileNo: number, offeredSha256: string): EvidenceRecord | undefined {
    const id = this.byKeys.get(keyOf(cam, fileNo, offeredSha256));
    return id === undefined ? undefined : this.records.get(id);
  }

  /** Other exhibits, not deleted, whose bytes are this content: the file must stay while any does. */
  sharing(sha256: string, exceptId: string): EvidenceRecord[] {
    return [...this.records.values()].filter((r) => r.receivedSha256 === sha256 && r.id !== exceptId && !r.deleted);
  }

  forIncident(incidentId: string): EvidenceRecord[] {
    return [...this.records.values()].filter((r) => r.incidents.includes(incidentId) && !r.deleted);
  }

  /** Pure retention rule: expired, not evidential, not on hold, not already deleted. */
  expired(now: number): EvidenceRecord[] {
    return [...this.records.values()].filter((r) => !r.deleted && !r.hold && r.category === 'non-evidential' && r.retainUntil <= now);
  }

  snapshot(): EvidenceRecord[] {
    return [...this.records.values()].map((r) => ({ ...r, incidents: [...r.incidents] }));
  }

  mismatchAlarms(): MismatchAlarm[] {
    return this.mismatches.map((m) => ({ ...m, acknowledged: m.acknowledged && { ...m.acknowledged } }));
  }
}
