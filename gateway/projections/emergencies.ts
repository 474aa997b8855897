import { applyEmergencyEvent, EMERGENCY_EVENTS } from '../contract/emergency-lifecycle';
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
    if (!isEvent(e, ...EMERGENCY_EVENTS)) return;
    const em = applyEmergencyEvent(this.all, e);
    if (em && e.type === 'emergency.raised') this.openByUnit.set(em.unitId, em.id);
    else if (em && e.type === 'emergency.resolved') this.openByUnit.delete(em.unitId);
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
