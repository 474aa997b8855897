import type { IncidentRecord } from '../../../gateway/contract/tracking';
import { ago } from '../ago';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { age, clock, coalesce, fill, h, sync } from '../dom';
import { categoryName, OUTCOME_WORDS, outcomeName } from '../names';
import { may } from '../roles';

const COLUMNS: Array<{ id: string; label: string; states: readonly string[] }> = [
  { id: 'new', label: 'Reported / graded', states: ['reported', 'graded'] },
  { id: 'dispatched', label: 'Dispatched', states: ['dispatched'] },
  { id: 'on-scene', label: 'On scene', states: ['on-scene'] },
  { id: 'closed', label: 'Closed', states: ['closed'] },
];
const RECEIPT_TEXT: Record<string, string> = {
  pending: 'not yet acknowledged',
  delivered: 'received',
  read: 'read',
  failed: 'failed',
  'timed-out': 'no receipt',
};
const CHANNEL_TEXT: Record<string, string> = { '101': '101 call', radio: 'radio call', 'walk-in': 'walk-in', cctv: 'CCTV' };
const CATEGORIES = ['theft', 'abuse', 'violence', 'suspicious', 'damage', 'other'];
/** Closed incidents stay on the board this long. */
const CLOSED_SHOWN_MS = 4 * 3600_000;

/**
 * The response clock against the grade's target (from the report to a unit on scene), and once
 * there, how long it took. Arrival is what the gateway recorded: the unit's status, or a fix
 * held near the incident after its radio acknowledged the dispatch.
 */
export function responseText(i: IncidentRecord, now: number): { text: string; over: boolean } {
  if (!i.grade) return { text: 'Not graded: no response target yet', over: false };
  const targetMs = i.grade.targetMinutes * 60_000;
  if (i.onSceneAt !== null) {
    const took = i.onSceneAt - i.openedAt;
    const fromDispatch = i.responseSeconds !== null ? `, ${age(i.responseSeconds * 1000)} after dispatch` : '';
    return {
      text: `On scene ${age(took)} after the report${fromDispatch}: ${i.withinTarget === false ? 'OVER' : 'within'} the ${i.grade.targetMinutes} min target`,
      over: i.withinTarget === false,
    };
  }
  if (i.state === 'closed') return { text: `Closed with no unit on scene (target ${i.grade.targetMinutes} min)`, over: false };
  const elapsed = now - i.openedAt;
  return { text: `Response clock ${age(elapsed)} of ${i.grade.targetMinutes} min${elapsed > targetMs ? ': OVER TARGET' : ''}`, over: elapsed > targetMs };
}

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
  const el = h(
    'section',
    { class: 'panel incidents-panel' },
    h('div', { class: 'toolbar' }, h('h2', {}, 'Incidents'), note),
    may.openIncident(role) ? callForm(ctx) : null,
    h(
      'div',
      { class: 'board' },
      COLUMNS.map((c) => h('section', { class: 'column', 'aria-label': c.label }, h('h3', {}, c.label), cols.get(c.id))),
    ),
  );
  const cards = new Map<string, { sig: string; el: HTMLElement }>();
  const fail = (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');

  const actions = (i: IncidentRecord): HTMLElement | null => {
    if (!ctx.store.tracking.available || i.state === 'closed') return null;
    const box = h('div', { class: 'incident-actions' });
    if (may.dispatch(role) && (i.state === 'reported' || i.state === 'graded')) {
      const grade = h(
        'select',
        { 'aria-label': `Grade of ${i.incidentId}` },
        h('option', { value: '' }, 'Grade…'),
        site.incidentGrades.map((g) => h('option', { value: g.id }, g.label)),
      );
      grade.addEventListener('change', () => grade.value && void ctx.tracking.grade(i.incidentId, grade.value).catch(fail));
      box.append(grade);
    }
    if (may.dispatch(role) && i.state !== 'reported') {
      const list = h('ol', { class: 'candidates' });
      const suggest = h('button', { 'data-action': 'candidates' }, 'Suggest units');
      suggest.addEventListener('click', () => {
        ctx.tracking.candidates(i.incidentId).then(
          (r) =>
            fill(
              list,
              r.ranked.slice(0, 5).map((u) => {
                const send = h('button', { class: 'small', 'data-action': 'dispatch', 'data-unit': u.unitId }, 'Dispatch');
                send.addEventListener(
                  'click',
                  () => void ctx.tracking.dispatch(i.incidentId, u.unitId).then(() => ctx.notify(`${u.callsign} dispatched`), fail),
                );
                return h('li', {}, `${u.callsign} · ${Math.round(u.travelSeconds / 60)} min walk${u.stale ? ' (old fix)' : ''} `, send);
              }),
              r.ranked.length ? null : h('li', { class: 'muted' }, `No unit available (${r.excluded.length} excluded)`),
            ),
          fail,
        );
      });
      box.append(suggest, list);
    }
    if (may.closeIncident(role)) {
      // Closing takes an outcome and a note, then the button: choosing in the list alone (arrow
      // keys included) never closes anything. The gateway refuses a close without either.
      const name = i.reference ?? i.incidentId;
      const outcome = h(
        'select',
        { 'aria-label': `Outcome of ${name}`, 'data-field': 'outcome' },
        h('option', { value: '' }, 'Outcome…'),
        OUTCOME_WORDS.map(([id, words]) => h('option', { value: id }, words)),
      );
      const note = h('input', {
        type: 'text',
        maxlength: 1000,
        'aria-label': `Closing note for ${name}`,
        placeholder: 'Note (required)',
        'data-field': 'note',
      });
      const close = h('button', { type: 'button', 'data-action': 'close-incident' }, 'Close incident');
      close.addEventListener('click', () => {
        const missing = !outcome.value ? outcome : !note.value.trim() ? note : null;
        if (missing) {
          ctx.notify(`To close ${name}, choose an outcome and write a note.`, 'error');
          missing.focus();
          return;
        }
        close.disabled = true;
        ctx.tracking.close(i.incidentId, outcome.value, note.value.trim()).catch((err: unknown) => {
          close.disabled = false;
          fail(err);
        });
      });
      box.append(h('span', { class: 'close-incident' }, outcome, note, close));
    }
    return box.children.length ? box : null;
  };

  const card = (i: IncidentRecord) => {
    const prem = i.premisesId ? site.premises.find((p) => p.id === i.premisesId) : undefined;
    const zone = site.zones.find((z) => z.id === (i.zone ?? prem?.zone))?.name;
    const reported = Date.parse(i.reportedAt) || i.openedAt;
    return h(
      'li',
      { class: `incident-card ${i.category}`, 'data-incident': i.incidentId, 'data-state': i.state },
      h(
        'header',
        {},
        i.reference ? h('strong', { class: 'reference' }, `${i.reference} `) : null,
        h('strong', {}, categoryName(i.category)),
        h('span', { class: 'muted' }, ` ${i.grade ? i.grade.label : i.state}${i.channel ? ` · ${CHANNEL_TEXT[i.channel] ?? i.channel}` : ''}`),
      ),
      h('p', {}, i.description || '—'),
      h('p', { class: 'muted' }, [prem?.name, zone].filter(Boolean).join(', ') || 'place not given'),
      // A live "ago"; the subject's name is in the gallery (each look journaled), not on every card.
      h('p', { class: 'muted' }, `${clock(reported)} (`, ago(reported), ')', i.subjectId ? ' · a subject on file is linked' : null),
      i.units.length
        ? h(
            'p',
            {},
            'Units: ',
            i.units.map((u) =>
              h(
                'span',
                { class: `chip receipt-${u.receipt}`, 'data-unit': u.unitId, 'data-receipt': u.receipt },
                `${u.callsign}${u.arrivedAt ? ' on scene' : ` (dispatch ${RECEIPT_TEXT[u.receipt] ?? u.receipt})`}`,
              ),
            ),
          )
        : null,
      h('p', { class: 'response-clock' }),
      i.outcome ? h('p', {}, `Outcome: ${outcomeName(i.outcome)}`) : null,
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
      sync(
        list,
        rows.slice(0, 100).map((i) => {
          // Rebuilt only when what it shows changes: a select someone has open stays open.
          const sig = JSON.stringify([i.state, i.grade?.id, i.outcome, i.units.map((u) => [u.unitId, u.receipt, u.arrivedAt])]);
          let k = cards.get(i.incidentId);
          if (!k || k.sig !== sig) cards.set(i.incidentId, (k = { sig, el: card(i) }));
          return k.el;
        }),
      );
    }
    tick();
  };
  // The response clocks tick in place, without rebuilding a card someone may be using.
  const tick = () => {
    const now = Date.now();
    for (const [id, k] of cards) {
      const i = ctx.store.tracking.incidents.get(id);
      const clockEl = k.el.querySelector<HTMLElement>('.response-clock');
      if (!i || !clockEl) continue;
      const r = responseText(i, now);
      if (clockEl.textContent !== r.text) clockEl.textContent = r.text;
      clockEl.classList.toggle('over', r.over);
    }
  };
  const timer = window.setInterval(() => (el.isConnected ? !el.hidden && tick() : window.clearInterval(timer)), 1000);
  const redraw = coalesce(render, 150);
  ctx.store.subscribe((t) => t.has('tracking') && redraw());
  render();
  return { el, show: render };
}

/**
 * Take a call: a 101 call, a radio call, someone at the desk or a camera operator becomes an
 * incident with its reference number, graded at once when the controller knows the grade, so
 * its response clock starts on the board.
 */
function callForm(ctx: Ctx): HTMLElement {
  const site = ctx.store.site!;
  const channel = h(
    'select',
    { id: 'call-channel', required: true },
    Object.entries(CHANNEL_TEXT).map(([v, label]) => h('option', { value: v }, label)),
  );
  const category = h(
    'select',
    { id: 'call-category', required: true },
    CATEGORIES.map((c) => h('option', { value: c }, c)),
  );
  const description = h('textarea', {
    id: 'call-description',
    required: true,
    maxlength: 2000,
    rows: 2,
    placeholder: 'What the caller says: who, what, which way',
  });
  const premises = h(
    'select',
    { id: 'call-premises' },
    h('option', { value: '' }, '(no premises)'),
    site.premises.map((p) => h('option', { value: p.id }, `${p.name}, ${site.zones.find((z) => z.id === p.zone)?.name ?? p.zone}`)),
  );
  const zone = h(
    'select',
    { id: 'call-zone' },
    h('option', { value: '' }, '(choose a zone)'),
    site.zones.map((z) => h('option', { value: z.id }, z.name)),
  );
  const grade = may.dispatch(ctx.me.consoleRole)
    ? h(
        'select',
        { id: 'call-grade' },
        h('option', { value: '' }, '(grade later)'),
        site.incidentGrades.map((g) => h('option', { value: g.id }, `${g.label} (${g.targetMinutes} min)`)),
      )
    : null;
  const open = h('button', { type: 'submit', class: 'primary' }, 'Open incident');
  const form = h(
    'form',
    { class: 'compose call-form', id: 'call-form', 'aria-labelledby': 'call-title' },
    h('h3', { id: 'call-title' }, 'Take a call'),
    h('label', { for: 'call-channel' }, 'Came in by'),
    channel,
    h('label', { for: 'call-category' }, 'Category'),
    category,
    h('label', { for: 'call-description' }, 'What happened'),
    description,
    h('label', { for: 'call-premises' }, 'Premises'),
    premises,
    h('label', { for: 'call-zone' }, 'or zone'),
    zone,
    grade ? h('label', { for: 'call-grade' }, 'Grade') : null,
    grade,
    open,
  );
  // Enter in a select must not open an incident half-described.
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target instanceof HTMLSelectElement) ev.preventDefault();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const place = premises.value ? { premisesId: premises.value } : zone.value ? { zone: zone.value } : null;
    if (!place) {
      ctx.notify('Say where: a premises or a zone', 'error');
      zone.focus();
      return;
    }
    open.disabled = true;
    const gradeId = grade?.value ?? '';
    ctx.tracking
      .openIncident({ channel: channel.value, category: category.value, description: description.value, place })
      .then(async (i) => {
        if (gradeId) await ctx.tracking.grade(i.incidentId, gradeId);
        description.value = '';
        ctx.notify(`Incident ${i.reference ?? i.incidentId} opened`);
      })
      .catch((err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error'))
      .finally(() => (open.disabled = false));
  });
  return form;
}
