import L from 'leaflet';
import type { LonLat } from '../../../gateway/contract/api';
import { excludedWords } from '../../../gateway/contract/ranking-words';
import type { IncidentRecord } from '../../../gateway/contract/tracking';
import { ago } from '../ago';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { age, clock, coalesce, fill, h, sync, text } from '../dom';
import { ll, zoneAt } from '../geo';
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
const CHANNEL_TEXT: Record<string, string> = { '101': '101 call', '999': '999 transfer', radio: 'radio call', 'walk-in': 'walk-in', cctv: 'CCTV' };
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
    { class: may.openIncident(role) ? 'panel incidents-panel with-call-form' : 'panel incidents-panel' },
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
        { 'aria-label': `Grade of ${i.reference ?? i.incidentId}` },
        h('option', { value: '' }, 'Grade…'),
        site.incidentGrades.map((g) => h('option', { value: g.id }, g.label)),
      );
      grade.addEventListener('change', () => grade.value && void ctx.tracking.grade(i.incidentId, grade.value).catch(fail));
      box.append(grade);
    }
    if (may.dispatch(role) && i.state !== 'reported') {
      const list = h('ol', { class: 'candidates' });
      const left = h('ul', { class: 'excluded muted', 'aria-label': 'Units left out' });
      const suggest = h('button', { 'data-action': 'candidates' }, 'Suggest units');
      suggest.addEventListener('click', () => {
        ctx.tracking.candidates(i.incidentId).then((r) => {
          fill(
            list,
            r.ranked.slice(0, 5).map((u) => {
              const send = h('button', { class: 'small', 'data-action': 'dispatch', 'data-unit': u.unitId }, 'Dispatch');
              send.addEventListener('click', () => void ctx.tracking.dispatch(i.incidentId, u.unitId).then(() => ctx.notify(`${u.callsign} dispatched`), fail));
              const old = u.stale ? ` (fix ${age(u.fixAgeSeconds * 1000)} old)` : '';
              return h('li', {}, `${u.callsign} · ${Math.round(u.travelSeconds / 60)} min walk${old} `, send);
            }),
            r.ranked.length ? null : h('li', { class: 'muted' }, `No unit available (${r.excluded.length} left out)`),
          );
          // Why each other unit is not on the list: a controller must not wonder where PC 3340 went.
          fill(
            left,
            r.excluded.map((x) => h('li', { 'data-unit': x.unitId, 'data-reason': x.reason }, `${x.callsign}: ${excludedWords(x)}`)),
          );
        }, fail);
      });
      box.append(suggest, list, left);
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
      i.caller || i.callerOnFile ? callerLine(ctx, i) : null,
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
 * Who called: never in the live picture. A role that may see him asks the incident's own record
 * (one request, on purpose); the others see only that a caller is on file.
 */
function callerLine(ctx: Ctx, i: IncidentRecord): HTMLElement {
  const said = (c: NonNullable<IncidentRecord['caller']>) => `Caller: ${[c.name, c.phone].filter(Boolean).join(', ')}`;
  if (i.caller) return h('p', { class: 'muted caller' }, said(i.caller));
  const line = h('p', { class: 'muted caller' }, 'Caller on file ');
  if (!may.seeCaller(ctx.me.consoleRole)) return line;
  const show = h('button', { type: 'button', class: 'small', 'data-action': 'show-caller' }, 'Show caller');
  show.addEventListener('click', () => {
    show.disabled = true;
    ctx.tracking.incident(i.incidentId).then(
      (full) => (line.textContent = full.caller ? said(full.caller) : 'Caller: not given'),
      (err: unknown) => {
        show.disabled = false;
        ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
      },
    );
  });
  line.append(show);
  return line;
}

/**
 * A new incident from a call: a 101 call, a 999 call the police transferred, a radio call,
 * someone at the desk or a camera operator. Keyboard first (Alt+N lands on "Came in by"; every
 * field is a plain control in reading order; Enter in a list never submits); the map is there
 * for the place a caller describes ("outside the bank") when no premises or zone fits. The
 * gateway gives it its reference number; graded at once when the controller knows the grade,
 * so its response clock starts on the board.
 */
function callForm(ctx: Ctx): HTMLElement {
  const site = ctx.store.site!;
  const channel = h(
    'select',
    { id: 'call-channel', required: true },
    Object.entries(CHANNEL_TEXT).map(([v, label]) => h('option', { value: v }, label)),
  );
  const callerName = h('input', { id: 'call-caller-name', type: 'text', maxlength: 120, autocomplete: 'off', placeholder: 'optional' });
  const callerPhone = h('input', { id: 'call-caller-phone', type: 'tel', maxlength: 25, autocomplete: 'off', placeholder: 'optional' });
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
  const picker = placePicker(ctx);
  // One place at a time: choosing a premises or zone drops a point clicked on the map, and a click drops them.
  premises.addEventListener('change', () => premises.value && picker.clear());
  zone.addEventListener('change', () => zone.value && picker.clear());
  picker.onPick = () => {
    premises.value = '';
    zone.value = '';
  };
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
    h('h3', { id: 'call-title' }, 'New incident ', h('kbd', {}, 'Alt+N')),
    h('label', { for: 'call-channel' }, 'Came in by'),
    channel,
    h('label', { for: 'call-caller-name' }, "Caller's name"),
    callerName,
    h('label', { for: 'call-caller-phone' }, "Caller's number"),
    callerPhone,
    h('label', { for: 'call-category' }, 'Category'),
    category,
    h('label', { for: 'call-description' }, 'What happened'),
    description,
    h('label', { for: 'call-premises' }, 'Premises'),
    premises,
    h('label', { for: 'call-zone' }, 'or zone'),
    zone,
    picker.el,
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
    const point = picker.point;
    const place = point ? { lonLat: point } : premises.value ? { premisesId: premises.value } : zone.value ? { zone: zone.value } : null;
    if (!place) {
      ctx.notify('Say where: a premises, a zone, or a point on the map', 'error');
      premises.focus();
      return;
    }
    const name = callerName.value.trim();
    const phone = callerPhone.value.trim();
    const caller = name || phone ? { ...(name ? { name } : {}), ...(phone ? { phone } : {}) } : undefined;
    open.disabled = true;
    const gradeId = grade?.value ?? '';
    ctx.tracking
      .openIncident({ channel: channel.value, category: category.value, description: description.value, place, ...(caller ? { caller } : {}) })
      .then(async (i) => {
        if (gradeId) await ctx.tracking.grade(i.incidentId, gradeId);
        // Ready for the next call: what was said is cleared, how calls come in is kept.
        for (const f of [description, callerName, callerPhone]) f.value = '';
        premises.value = '';
        zone.value = '';
        picker.clear();
        ctx.notify(`Incident ${i.reference ?? i.incidentId} opened`);
      })
      .catch((err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error'))
      .finally(() => (open.disabled = false));
  });
  return form;
}

/**
 * A small map of the town to click the place a caller describes. It says in words where the
 * point fell (the zone, as the gateway will file it), and a button takes the point back.
 */
interface PlacePicker {
  el: HTMLElement;
  /** The point clicked, or null. */
  point: LonLat | null;
  clear(): void;
  /** Called after each click on the map. */
  onPick: () => void;
}

function placePicker(ctx: Ctx): PlacePicker {
  const site = ctx.store.site!;
  const mapEl = h('div', { class: 'call-map', id: 'call-map', role: 'application', 'aria-label': 'Town map: click where it happened' });
  const said = h('span', { id: 'call-point', 'aria-live': 'polite' }, 'or click the map');
  const clearBtn = h('button', { type: 'button', class: 'small', hidden: true }, 'Clear point');
  const el = h('div', { class: 'call-place' }, mapEl, h('p', { class: 'muted' }, said, ' ', clearBtn));
  const map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: false, zoomControl: false, keyboard: false });
  if (site.console.tileUrl) L.tileLayer(site.console.tileUrl, { maxZoom: 20 }).addTo(map);
  // Not interactive: a click anywhere is a point for the map, and the zone is said in words below.
  for (const z of site.zones) {
    // Named, as on the main map: the caller says "by the bus station", not a shape.
    L.polygon(z.polygon.map(ll), { color: '#6f8196', weight: 1, fillColor: '#3a4a5c', fillOpacity: 0.35, interactive: false })
      .bindTooltip(text(z.name), { permanent: true, direction: 'center', className: 'zone-label call-zone-label' })
      .addTo(map);
  }
  for (const p of site.premises) {
    L.circleMarker(ll(p.position), { radius: 3, color: '#c9b458', weight: 1, fillOpacity: 0.9, interactive: false }).addTo(map);
  }
  const bounds = L.latLngBounds(site.zones.flatMap((z) => z.polygon.map(ll)));
  map.setView(bounds.isValid() ? bounds.getCenter() : L.latLng(52.955, -1.15), 15);
  // Built before it is on screen: fit once Leaflet can measure it.
  const fit = () => {
    if (!mapEl.isConnected || mapEl.clientHeight === 0) return;
    map.invalidateSize();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [6, 6] });
    observer.disconnect();
  };
  const observer = new ResizeObserver(fit);
  observer.observe(mapEl);
  let marker: L.CircleMarker | null = null;
  const picker: PlacePicker = {
    el,
    point: null,
    onPick: () => undefined,
    clear() {
      picker.point = null;
      marker?.remove();
      marker = null;
      said.textContent = 'or click the map';
      clearBtn.hidden = true;
    },
  };
  map.on('click', (ev: L.LeafletMouseEvent) => {
    const p: LonLat = [Number(ev.latlng.lng.toFixed(6)), Number(ev.latlng.lat.toFixed(6))];
    picker.point = p;
    marker?.remove();
    marker = L.circleMarker(ll(p), { radius: 8, color: '#ffb020', weight: 3, fillOpacity: 0.3, className: 'call-point' }).addTo(map);
    const z = zoneAt(p, site.zones);
    said.textContent = `Point on the map, ${z ? `in ${z.name}` : 'outside every zone'}`;
    clearBtn.hidden = false;
    picker.onPick();
  });
  clearBtn.addEventListener('click', () => picker.clear());
  return picker;
}
