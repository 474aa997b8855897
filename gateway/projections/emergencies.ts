import { isEvent } from '../contract/events';
import type { EmergencyView } from '../contract/views';
import type { JournalEvent } from '../journal/types';
import type { Projection } from './types';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { EmergencyView } from '../contract/views';

/** Emergencies: one per unit while open; repeat presses attach to it. */
export class EmergenciesProjection implements Projection<EmergencyView[]> {
  readonly name = 'emergencies';
  private readonly all = new Map<string, EmergencyView>();
  private readonly openByUnit = new Map<string, string>();

  apply(e: JournalEvent): void {
    if (!isEvent(e, 'emergency.raised', 'emergency.repeat', 'emergency.realert', 'emergency.acknowledged', 'emergency.resolved') || !e.payload) return;
    if (e.type === 'emergency.raised') {
      const p = e.payload;
      this.all.set(p.emergencyId, {
        id: p.emergencyId,
        unitId: p.unitId,
        issi: p.issi,
        trigger: p.trigger,
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
      this.openByUnit.set(p.unitId, p.emergencyId);
      return;
    }
    const em = this.all.get(e.payload.emergencyId);
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
        Object.assign(em, { state: 'resolved', outcome: e.payload.outcome, resolvedBy: e.actor, resolvedAt: e.ts });
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
