import type { IncidentRecord } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { age, clock, coalesce, fill, h, sync } from '../dom';
import { may } from '../roles';

const COLUMNS: Array<{ id: string; label: string; states: readonly string[] }> = [
  { id: 'new', label: 'Reported / graded', states: ['reported', 'graded'] },
  { id: 'dispatched', label: 'Dispatched', states: ['dispatched'] },
  { id: 'on-scene', label: 'On scene', states: ['on-scene'] },
  { id: 'closed', label: 'Closed', states: ['closed'] },
];
const OUTCOMES = ['arrest', 'words-of-advice', 'no-trace', 'false-report', 'resolved'];
/** Closed incidents stay on the board this long. */
const CLOSED_SHOWN_MS = 4 * 3600_000;

/**
 * The incidents board: reported → graded → dispatched → on scene → closed, live from the
 * journal stream. A controller grades, asks for the units that can get there soonest (over the
 * walking graph, not as the crow flies) and dispatches; officers close with an outcome.
 */
export function incidentsView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const role = ctx.me.consoleRole;
  const cols = new Map(COLUMNS.map((c) => [c.id, h('ol', { class: 'cards', 'data-column': c.id })]));
  const note = h('p', { class: 'muted', id: 'incidents-source' });
  const el = h('section', { class: 'panel incidents-panel' },
    h('div', { class: 'toolbar' }, h('h2', {}, 'Incidents'), note),
    h('div', { class: 'board' }, COLUMNS.map((c) => h('section', { class: 'column', 'aria-label': c.label }, h('h3', {}, c.label), cols.get(c.id)))),
  );
  const cards = new Map<string, { sig: string; el: HTMLElement }>();
  const fail = (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');

  const actions = (i: IncidentRecord): HTMLElement | null => {
    if (!ctx.store.tracking.available || i.state === 'closed') return null;
    const box = h('div', { class: 'incident-actions' });
    if (may.dispatch(role) && (i.state === 'reported' || i.state === 'graded')) {
      const grade = h('select', { 'aria-label': `Grade of ${i.incidentId}` }, h('option', { value: '' }, 'Grade…'), site.incidentGrades.map((g) => h('option', { value: g.id }, g.label)));
      grade.addEventListener('change', () => grade.value && void ctx.tracking.grade(i.incidentId, grade.value).catch(fail));
      box.append(grade);
    }
    if (may.dispatch(role) && i.state !== 'reported') {
      const list = h('ol', { class: 'candidates' });
      const suggest = h('button', { 'data-action': 'candidates' }, 'Suggest units');
      suggest.addEventListener('click', () => {
        ctx.tracking.candidates(i.incidentId).then((r) => fill(list,
          r.ranked.slice(0, 5).map((u) => {
            const send = h('button', { class: 'small', 'data-action': 'dispatch', 'data-unit': u.unitId }, 'Dispatch');
            send.addEventListener('click', () => void ctx.tracking.dispatch(i.incidentId, u.unitId).then(() => ctx.notify(`${u.callsign} dispatched`), fail));
            return h('li', {}, `${u.callsign} · ${Math.round(u.travelSeconds / 60)} min walk${u.stale ? ' (old fix)' : ''} `, send);
          }),
          r.ranked.length ? null : h('li', { class: 'muted' }, `No unit available (${r.excluded.length} excluded)`),
        ), fail);
      });
      box.append(suggest, list);
    }
    if (may.closeIncident(role)) {
      const outcome = h('select', { 'aria-label': `Outcome of ${i.incidentId}` }, h('option', { value: '' }, 'Close as…'), OUTCOMES.map((o) => h('option', { value: o }, o)));
      outcome.addEventListener('change', () => outcome.value && void ctx.tracking.close(i.incidentId, outcome.value).catch(fail));
      box.append(outcome);
    }
    return box.children.length ? box : null;
  };

  const card = (i: IncidentRecord) => {
    const prem = i.premisesId ? site.premises.find((p) => p.id === i.premisesId) : undefined;
    const zone = site.zones.find((z) => z.id === (i.zone ?? prem?.zone))?.name;
    const reported = Date.parse(i.reportedAt) || i.openedAt;
    return h('li', { class: `incident-card ${i.category}`, 'data-incident': i.incidentId, 'data-state': i.state },
      h('header', {}, h('strong', {}, i.category), h('span', { class: 'muted' }, ` ${i.grade ? i.grade.label : i.state}`)),
      h('p', {}, i.description || '—'),
      h('p', { class: 'muted' }, [prem?.name, zone].filter(Boolean).join(', ') || 'place not given'),
      h('p', { class: 'muted' }, `${clock(reported)} (${age(Date.now() - reported)} ago)${i.subjectId ? ` · subject ${i.subjectId}` : ''}`),
      i.units.length ? h('p', {}, 'Units: ', i.units.map((u) => h('span', { class: `chip receipt-${u.receipt}` }, `${u.callsign}${u.arrivedAt ? ' on scene' : ` (${u.receipt})`}`))) : null,
      i.outcome ? h('p', {}, `Outcome: ${i.outcome}`) : null,
      actions(i),
    );
  };

  const render = () => {
    note.textContent = ctx.store.tracking.available
      ? 'Live from the journal.'
      : 'Shop reports from the live journal (the tracking service is not running on this gateway).';
    const now = Date.now();
    const incidents = [...ctx.store.tracking.incidents.values()].filter((i) => i.state !== 'closed' || (i.closedAt ?? 0) > now - CLOSED_SHOWN_MS);
    for (const c of COLUMNS) {
      const rows = incidents.filter((i) => c.states.includes(i.state)).sort((a, b) => b.openedAt - a.openedAt);
      const list = cols.get(c.id)!;
      sync(list, rows.slice(0, 100).map((i) => {
        // Rebuilt only when what it shows changes: a select someone has open stays open.
        const sig = JSON.stringify([i.state, i.grade?.id, i.outcome, i.units.map((u) => [u.unitId, u.receipt, u.arrivedAt])]);
        let k = cards.get(i.incidentId);
        if (!k || k.sig !== sig) cards.set(i.incidentId, (k = { sig, el: card(i) }));
        return k.el;
      }));
    }
  };
  const redraw = coalesce(render, 150);
  ctx.store.subscribe((t) => t.has('tracking') && redraw());
  render();
  return { el, show: render };
}
