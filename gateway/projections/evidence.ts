import type { Config } from '../../config/schema';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

export interface EvidenceRecord {
  /** The received file's SHA-256: evidence is content-addressed. */
  id: string;
  cam: string;
  wearer: string | null;
  /** No camera-to-wearer assignment was found: someone must attribute this footage. */
  unassigned: boolean;
  dockId: string;
  bay: number;
  name: string;
  recStart: string;
  recEnd: string;
  size: number;
  deviceSha256: string;
  receivedSha256: string;
  gps: { lat: number; lon: number } | null;
  category: 'non-evidential' | 'evidential';
  incidents: string[];
  hold: boolean;
  retainUntil: number;
  verifiedAt: number;
  deleted: { at: number; reason: string } | null;
}

type P = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** Evidence files and their state; the custody log itself is a query over the journal. */
export class EvidenceProjection implements Projection<EvidenceRecord[]> {
  readonly name = 'evidence';
  private readonly records = new Map<string, EvidenceRecord>();
  private readonly mismatches: Array<{ at: number; dockId: string; cam: string; name: string; offered: string; received: string }> = [];

  constructor(private readonly config: Config) {}

  apply(e: JournalEvent): void {
    if (!e.type.startsWith('evidence.')) return;
    const p = e.payload as P;
    if (e.type === 'evidence.hash-mismatch') {
      this.mismatches.push({ at: e.ts, dockId: p.dockId as string, cam: p.cam as string, name: p.name as string, offered: p.offered as string, received: p.received as string });
      return;
    }
    if (e.type === 'evidence.verified') {
      if (this.records.has(p.sha256 as string)) return; // the same footage offered again
      const wearer = (p.wearer as string | null) ?? null;
      const recEnd = Date.parse(p.recEnd as string);
      this.records.set(p.sha256 as string, {
        id: p.sha256 as string, cam: p.cam as string, wearer, unassigned: wearer === null, dockId: p.dockId as string,
        bay: p.bay as number, name: p.name as string, recStart: p.recStart as string, recEnd: p.recEnd as string,
        size: p.size as number, deviceSha256: p.deviceSha256 as string, receivedSha256: p.sha256 as string,
        gps: (p.gps as EvidenceRecord['gps']) ?? null, category: 'non-evidential', incidents: [], hold: false,
        retainUntil: recEnd + this.config.evidence.retentionDays['non-evidential'] * DAY_MS, verifiedAt: e.ts, deleted: null,
      });
      return;
    }
    const r = this.records.get(p.evidenceId as string);
    if (!r) return;
    switch (e.type) {
      case 'evidence.marked-evidential':
        r.category = 'evidential';
        if (typeof p.incidentId === 'string' && !r.incidents.includes(p.incidentId)) r.incidents.push(p.incidentId);
        break;
      case 'evidence.hold':
        r.hold = p.on === true;
        break;
      case 'evidence.deleted':
        r.deleted = { at: e.ts, reason: p.reason as string };
        break;
    }
  }

  get(id: string): EvidenceRecord | undefined {
    return this.records.get(id);
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

  mismatchAlarms(): typeof this.mismatches {
    return [...this.mismatches];
  }
}
