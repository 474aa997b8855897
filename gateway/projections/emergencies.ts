import type { EmergencyView } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { EmergencyView } from '../contract/views';

type P = Record<string, unknown>;

/** Emergencies: one per unit while open; repeat presses attach to it. */
export class EmergenciesProjection implements Projection<EmergencyView[]> {
  readonly name = 'emergencies';
  private readonly all = new Map<string, EmergencyView>();
  private readonly openByUnit = new Map<string, string>();

  apply(e: JournalEvent): void {
    if (!e.type.startsWith('emergency.')) return;
    const p = e.payload as P;
    const id = p.emergencyId as string;
    if (e.type === 'emergency.raised') {
      this.all.set(id, {
        id,
        unitId: p.unitId as string,
        issi: p.issi as number,
        trigger: p.trigger as string,
        raisedAt: e.ts,
        presses: 1,
        state: 'open',
        owner: null,
        acknowledgedAt: null,
        outcome: null,
        resolvedBy: null,
        resolvedAt: null,
        lastAlertAt: e.ts,
      });
      this.openByUnit.set(p.unitId as string, id);
      return;
    }
    const em = this.all.get(id);
    if (!em) return;
    switch (e.type) {
      case 'emergency.repeat':
        em.presses += 1;
        break;
      case 'emergency.realert':
        em.lastAlertAt = e.ts;
        break;
      case 'emergency.acknowledged':
        Object.assign(em, { state: 'acknowledged', owner: e.actor, acknowledgedAt: e.ts });
        break;
      case 'emergency.resolved':
        Object.assign(em, { state: 'resolved', outcome: p.outcome, resolvedBy: e.actor, resolvedAt: e.ts });
        this.openByUnit.delete(em.unitId);
        break;
    }
  }

  openFor(unitId: string): EmergencyView | undefined {
    const id = this.openByUnit.get(unitId);
    return id ? this.all.get(id) : undefined;
  }

  get(id: string): EmergencyView | undefined {
    return this.all.get(id);
  }

  open(): EmergencyView[] {
    return [...this.openByUnit.values()].map((id) => this.all.get(id)!);
  }

  snapshot(): EmergencyView[] {
    return [...this.all.values()].map((v) => ({ ...v }));
  }
}
