import type { EventPayload } from './events';
import type { CboRecord, CboState } from './tracking-views';

/**
 * An order's lifecycle (warning → issued → extended → expired / revoked), folded from its
 * journal events. Pure, and shared: the gateway's orders projection and the console's
 * tracking state both apply it, so a controller sees the state the gateway enforces.
 */

export const CBO_EVENTS = ['cbo.warning', 'cbo.issued', 'cbo.extended', 'cbo.revoked', 'cbo.expired'] as const;
export type CboEventType = (typeof CBO_EVENTS)[number];

/** A journal event of an order, or the console's copy of one (neither is redacted). */
export type CboEvent = { [T in CboEventType]: { type: T; ts: number; actor: string | null; payload: EventPayload<T> | null } }[CboEventType];

/** The state each order event moves an order to. */
const CBO_STATE: Record<CboEventType, CboState> = {
  'cbo.warning': 'warning',
  'cbo.issued': 'issued',
  'cbo.extended': 'extended',
  'cbo.revoked': 'revoked',
  'cbo.expired': 'expired',
};

/** Applies one order event to the orders by id; true if an order changed. An erased payload changes nothing. */
export function applyCboEvent(cbos: Map<string, CboRecord>, e: CboEvent): boolean {
  const p = e.payload;
  if (!p) return false;
  const state = CBO_STATE[e.type];
  const existing = cbos.get(p.cboId);
  // A new order comes with its terms (a warning, or an order issued outright).
  if ('terms' in p && !existing && (state === 'warning' || state === 'issued')) {
    cbos.set(p.cboId, { id: p.cboId, ...structuredClone(p.terms), state, history: [{ state, at: e.ts, actor: e.actor }] });
    return true;
  }
  // Nothing goes back to a warning.
  if (!existing || state === 'warning') return false;
  existing.state = state;
  if (state === 'extended' && 'expiresAt' in p && p.expiresAt) existing.expiresAt = p.expiresAt;
  existing.history.push({ state, at: e.ts, actor: e.actor });
  return true;
}
