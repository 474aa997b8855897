import type { IncidentRecord } from '../../gateway/contract/tracking';
import type { Ctx } from './context';
import { h } from './dom';
import { categoryName } from './names';

/** How a person names an incident: its TW number and what it is. */
export function incidentTitle(i: IncidentRecord): string {
  const what = `${categoryName(i.category)}${i.description ? `: ${i.description}` : ''}`;
  return `${i.reference ?? i.incidentId} · ${what.length > 70 ? `${what.slice(0, 69)}…` : what}`;
}

/**
 * A pick-list of incidents by TW number and title, open ones first then the newest; the value is
 * the incident id (never shown). Refilled when the incidents change, keeping the choice made.
 */
export function incidentSelect(ctx: Ctx, attrs: { id: string; optional?: string }): HTMLSelectElement {
  const select = h('select', { id: attrs.id, required: attrs.optional ? null : true });
  const refill = () => {
    const keep = select.value;
    const list = [...ctx.store.tracking.incidents.values()].sort(
      (a, b) => Number(a.state === 'closed') - Number(b.state === 'closed') || b.openedAt - a.openedAt,
    );
    select.replaceChildren(
      h('option', { value: '' }, attrs.optional ?? (list.length ? 'Choose an incident…' : 'No incidents yet')),
      ...list.map((i) => h('option', { value: i.incidentId }, `${incidentTitle(i)}${i.state === 'closed' ? ' (closed)' : ''}`)),
    );
    if (keep && list.some((i) => i.incidentId === keep)) select.value = keep;
  };
  refill();
  // Not while someone is choosing: a list redrawn under the keyboard loses their place.
  let stale = false;
  let shown = false;
  const stop = ctx.store.subscribe((t) => {
    if (!t.has('tracking')) return;
    // A form drawn again (another file opened) leaves this list behind: stop listening for it.
    shown ||= select.isConnected;
    if (shown && !select.isConnected) return stop();
    if (document.activeElement === select) stale = true;
    else refill();
  });
  select.addEventListener('blur', () => {
    if (stale) refill();
    stale = false;
  });
  return select;
}
