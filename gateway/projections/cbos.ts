import type { BreachRecord } from '../contract/tracking-views';
import { isEvent } from '../contract/events';
import type { JournalEvent } from '../journal/types';
import type { CboRecord, CboState } from '../tracking/cbo';
import type { Projection } from './types';

const CBO_EVENTS = ['cbo.warning', 'cbo.issued', 'cbo.extended', 'cbo.revoked', 'cbo.expired'] as const;
/** The state each order event moves an order to. */
const CBO_STATE: Record<(typeof CBO_EVENTS)[number], CboState> = {
  'cbo.warning': 'warning',
  'cbo.issued': 'issued',
  'cbo.extended': 'extended',
  'cbo.revoked': 'revoked',
  'cbo.expired': 'expired',
};

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
    // An erased payload (retention) changes nothing.
    if (!isEvent(e, ...CBO_EVENTS) || !e.payload) return;
    const p = e.payload;
    const state = CBO_STATE[e.type];
    const existing = this.cbos.get(p.cboId);
    if ('terms' in p && !existing && (state === 'warning' || state === 'issued')) {
      this.cbos.set(p.cboId, { id: p.cboId, ...structuredClone(p.terms), state, history: [{ state, at: e.ts, actor: e.actor }] });
      return;
    }
    if (!existing || state === 'warning') return;
    existing.state = state;
    if (state === 'extended' && 'expiresAt' in p && p.expiresAt) existing.expiresAt = p.expiresAt;
    existing.history.push({ state, at: e.ts, actor: e.actor });
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
