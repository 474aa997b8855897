import { applyCboEvent, CBO_EVENTS } from '../contract/cbo-lifecycle';
import { isEvent } from '../contract/events';
import type { BreachRecord } from '../contract/tracking-views';
import type { JournalEvent } from '../journal/types';
import type { CboRecord } from '../tracking/cbo';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { BreachRecord } from '../contract/tracking-views';

/** CBOs and exclusion notices through their lifecycle: warning → issued → extended → expired / revoked. */
export class CbosProjection implements Projection<CboRecord[]> {
  readonly name = 'cbos';
  private readonly cbos = new Map<string, CboRecord>();

  get(id: string): CboRecord | undefined {
    return this.cbos.get(id);
  }

  forSubject(subjectId: string): CboRecord[] {
    return [...this.cbos.values()].filter((c) => c.subjectId === subjectId);
  }

  all(): IterableIterator<CboRecord> {
    return this.cbos.values();
  }

  apply(e: JournalEvent): void {
    if (isEvent(e, ...CBO_EVENTS)) applyCboEvent(this.cbos, e);
  }

  snapshot(): CboRecord[] {
    return [...this.cbos.values()].map((c) => structuredClone(c)).sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** Breaches of orders, as detected, and who acknowledged each alarm. */
export class BreachesProjection implements Projection<BreachRecord[]> {
  readonly name = 'breaches';
  private readonly breaches = new Map<string, BreachRecord>();

  get(id: string): BreachRecord | undefined {
    return this.breaches.get(id);
  }

  forCbo(cboId: string): BreachRecord[] {
    return [...this.breaches.values()].filter((b) => b.cboId === cboId);
  }

  apply(e: JournalEvent): void {
    if (e.type === 'breach.detected') {
      if (!e.payload) return;
      const p = structuredClone(e.payload);
      this.breaches.set(p.breachId, { ...p, detectedAt: e.ts, incidentId: `inc-${p.breachId}`, acknowledged: null });
    } else if (e.type === 'breach.acknowledged' && e.payload) {
      const p = e.payload;
      const b = this.breaches.get(p.breachId);
      if (b && !b.acknowledged) b.acknowledged = { by: e.actor, at: e.ts, note: p.note };
    }
  }

  snapshot(): BreachRecord[] {
    return [...this.breaches.values()].map((b) => structuredClone(b)).sort((a, b) => a.detectedAt - b.detectedAt || a.breachId.localeCompare(b.breachId));
  }
}
