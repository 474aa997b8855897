import type { EventPayload } from './events';
import type { EmergencyView } from './views';

/**
 * An emergency's lifecycle (raised → repeated / re-alerted → acknowledged → resolved), folded
 * from its journal events. Pure, and shared: the gateway's emergencies projection and the
 * console's store both apply it, so a controller sees the emergency the gateway holds.
 */

export const EMERGENCY_EVENTS = ['emergency.raised', 'emergency.repeat', 'emergency.realert', 'emergency.acknowledged', 'emergency.resolved'] as const;
export type EmergencyEventType = (typeof EMERGENCY_EVENTS)[number];

/** A journal event of an emergency, or the console's copy of one. */
export type EmergencyEvent = {
  [T in EmergencyEventType]: { type: T; ts: number; actor: string | null; payload: EventPayload<T> | null };
}[EmergencyEventType];

/** An emergency as it stands when raised: open, one press, nobody's yet (also the console's, announced before its commit). */
export function openedEmergency(p: { emergencyId: string; unitId: string; issi: number; trigger: string }, at: number): EmergencyView {
  return {
    id: p.emergencyId,
    unitId: p.unitId,
    issi: p.issi,
    trigger: p.trigger,
    raisedAt: at,
    presses: 1,
    state: 'open',
    owner: null,
    acknowledgedAt: null,
    outcome: null,
    resolvedBy: null,
    resolvedAt: null,
    lastAlertAt: at,
  };
}

/** Applies one emergency event to the emergencies by id; returns the emergency it changed, if any. An erased payload changes nothing. */
export function applyEmergencyEvent(emergencies: Map<string, EmergencyView>, e: EmergencyEvent): EmergencyView | undefined {
  if (!e.payload) return undefined;
  if (e.type === 'emergency.raised') {
    const raised = openedEmergency(e.payload, e.ts);
    emergencies.set(raised.id, raised);
    return raised;
  }
  const em = emergencies.get(e.payload.emergencyId);
  if (!em) return undefined;
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
      break;
  }
  return em;
}
