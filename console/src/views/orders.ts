import type { CboRecord, SubjectView } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx } from '../context';
import { dateTime, h } from '../dom';
import { ORDER_KIND_WORDS, orderKindShort, orderTitle, placesText, STAGE_WORDS, windowsText } from '../order-words';

const DAYS: ReadonlyArray<[string, string]> = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
];
const MAX_WINDOWS = 4;
const DAY_MS = 86_400_000;

const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);
/** The end of a local day: an order "until 31 March" runs through that day. */
const endOfDay = (day: string) => new Date(`${day}T23:59:59`).toISOString();

/**
 * Recording an order for a subject: the kind (CBO, exclusion notice, CPW, CPN), its reference
 * and conditions, the excluded zones and premises by name, the hours it applies, the dates, and
 * whether it starts as a warning. The gateway checks every field and journals it with the
 * person; this form only makes the common case quick and keeps Enter from sending it half done.
 */
export function orderForm(ctx: Ctx, s: SubjectView, label: string): HTMLFormElement {
  const site = ctx.store.site!;
  const kind = h(
    'select',
    { id: 'order-kind' },
    ORDER_KIND_WORDS.map(([k, , long]) => h('option', { value: k }, long)),
  );
  const reference = h('input', { id: 'order-reference', maxlength: 100, autocomplete: 'off' });
  const conditions = h('textarea', { id: 'order-conditions', required: true, rows: 2, maxlength: 4000 });
  const zones = site.zones.map((z) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'order-zone', value: z.id }), ` ${z.name}`));
  const premises = site.premises.map((p) =>
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'order-premises', value: p.id }),
      ` ${p.name} (${site.zones.find((z) => z.id === p.zone)?.name ?? 'no zone'})`,
    ),
  );
  const windows = h('div', { class: 'order-windows', id: 'order-windows' });
  const addWindow = h('button', { type: 'button', id: 'order-add-window' }, 'Add hours');
  const windowRow = (n: number) => {
    const from = h('input', { type: 'time', name: 'window-from', required: true, 'aria-label': `Hours ${n} from`, value: '20:00' });
    const to = h('input', { type: 'time', name: 'window-to', required: true, 'aria-label': `Hours ${n} to`, value: '06:00' });
    const days = DAYS.map(([d, word]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'window-day', value: d }), ` ${word}`));
    const remove = h('button', { type: 'button', 'aria-label': `Remove hours ${n}` }, 'Remove');
    const row = h('fieldset', { class: 'order-window' }, h('legend', {}, `Hours ${n} (no day ticked: every day)`), from, ' to ', to, days, remove);
    remove.addEventListener('click', () => {
      row.remove();
      addWindow.disabled = false;
      addWindow.focus();
    });
    return row;
  };
  addWindow.addEventListener('click', () => {
    const row = windowRow(windows.children.length + 1);
    windows.append(row);
    addWindow.disabled = windows.children.length >= MAX_WINDOWS;
    row.querySelector('input')?.focus();
  });
  const state = h('select', { id: 'order-state' }, h('option', { value: 'issued' }, 'issued (in force)'), h('option', { value: 'warning' }, 'warning only'));
  // A Community Protection Warning is the warning itself: never recorded as in force.
  kind.addEventListener('change', () => {
    const cpw = kind.value === 'cpw';
    state.options[0]!.disabled = cpw;
    if (cpw) state.value = 'warning';
  });
  const starts = h('input', { id: 'order-starts', type: 'date', required: true, value: ymd(Date.now()) });
  const until = h('input', { id: 'order-expires', type: 'date', required: true, value: ymd(Date.now() + 90 * DAY_MS) });
  const shareOrder = h('input', { type: 'checkbox', id: 'order-shared', checked: true });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Record order');
  const form = h(
    'form',
    { class: 'compose order-form', id: 'order-form', 'aria-labelledby': 'order-form-title' },
    h('h3', { id: 'order-form-title' }, `New order for ${label}`),
    h('label', { for: 'order-kind' }, 'Kind'),
    kind,
    h('label', { for: 'order-reference' }, 'Reference'),
    reference,
    h('label', { for: 'order-conditions' }, 'Conditions'),
    conditions,
    h('fieldset', {}, h('legend', {}, 'Excluded zones'), zones),
    h('fieldset', { class: 'order-premises' }, h('legend', {}, 'Excluded premises'), premises),
    h('div', {}, h('span', { class: 'muted' }, 'Hours it applies (none: at all times) '), addWindow),
    windows,
    h('label', { for: 'order-state' }, 'Stage'),
    state,
    h('label', { for: 'order-starts' }, 'From'),
    starts,
    h('label', { for: 'order-expires' }, 'Until'),
    until,
    h('label', { class: 'check' }, shareOrder, ' show to members (so shops can report a breach)'),
    send,
  );
  // Enter in a field or on a checkbox never records a half-written order: only the button does.
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target instanceof HTMLInputElement) ev.preventDefault();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const checked = (name: string, root: ParentNode = form) =>
      Array.from(root.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)).map((i) => i.value);
    const hours = Array.from(windows.querySelectorAll('fieldset')).map((row) => ({
      from: row.querySelector<HTMLInputElement>('input[name="window-from"]')!.value,
      to: row.querySelector<HTMLInputElement>('input[name="window-to"]')!.value,
      days: checked('window-day', row),
    }));
    // Starting today means now, not midnight gone: an order recorded at noon is in force at once.
    const startsAt = starts.value === ymd(Date.now()) ? new Date().toISOString() : new Date(`${starts.value}T00:00:00`).toISOString();
    send.disabled = true;
    ctx.api
      .post<CboRecord>('/api/cbos', {
        subjectId: s.id,
        kind: kind.value,
        state: state.value,
        reference: reference.value.trim() || null,
        conditions: conditions.value,
        excludedZones: checked('order-zone'),
        excludedPremises: checked('order-premises'),
        windows: hours,
        startsAt,
        expiresAt: endOfDay(until.value),
        sharedWithMembers: shareOrder.checked,
      })
      .then(
        (c) => {
          send.disabled = false;
          form.reset();
          // reset() empties fields whose value was set in script: the dates start again from today.
          starts.value = ymd(Date.now());
          until.value = ymd(Date.now() + 90 * DAY_MS);
          state.options[0]!.disabled = false;
          windows.replaceChildren();
          addWindow.disabled = false;
          ctx.notify(`${orderTitle(c)} recorded for ${label}`);
        },
        (err: unknown) => {
          send.disabled = false;
          ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
        },
      );
  });
  return form;
}

/** One order in the subject's list, with the next steps its stage allows. */
export function orderRow(ctx: Ctx, c: CboRecord): HTMLElement {
  const site = ctx.store.site!;
  const title = orderTitle(c);
  const fail = (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
  const actions = h('span', { class: 'actions' });
  if (c.state === 'warning') {
    const issue = h('button', { type: 'button', 'data-action': 'issue' }, 'Issue');
    issue.addEventListener('click', () => void ctx.api.post(`/api/cbos/${encodeURIComponent(c.id)}/issue`, {}).catch(fail));
    actions.append(issue);
  }
  if (c.state === 'issued' || c.state === 'extended') {
    const until = h('input', { type: 'date', 'aria-label': `New expiry of ${title}`, value: ymd(Date.parse(c.expiresAt) + 90 * DAY_MS) });
    const extend = h('button', { type: 'button', 'data-action': 'extend' }, 'Extend');
    extend.addEventListener('click', () => void ctx.api.post(`/api/cbos/${encodeURIComponent(c.id)}/extend`, { expiresAt: endOfDay(until.value) }).catch(fail));
    actions.append(until, extend);
  }
  if (c.state !== 'revoked' && c.state !== 'expired') {
    const reason = h('input', { 'aria-label': `Reason to revoke ${c.reference ?? title}`, placeholder: 'reason to revoke', maxlength: 1000 });
    const revoke = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke' }, 'Revoke');
    revoke.addEventListener('click', () => {
      if (!reason.value.trim()) {
        ctx.notify('Give the reason for revoking', 'error');
        reason.focus();
        return;
      }
      ctx.api.post(`/api/cbos/${encodeURIComponent(c.id)}/revoke`, { reason: reason.value.trim() }).catch(fail);
    });
    actions.append(reason, revoke);
  }
  const last = c.history.at(-1);
  return h(
    'li',
    { class: 'order', 'data-order': c.id, 'data-state': c.state, 'data-kind': c.kind ?? 'cbo' },
    h('span', { class: 'order-kind' }, orderKindShort(c.kind)),
    ' ',
    h('strong', {}, c.reference ?? 'without a reference'),
    ` ${STAGE_WORDS[c.state] ?? c.state} · ${placesText(c, site)} · until ${dateTime(c.expiresAt)} · ${windowsText(c.windows)}`,
    last?.actor ? h('span', { class: 'muted' }, ` (${STAGE_WORDS[last.state] ?? last.state} by ${last.actor})`) : null,
    ' ',
    actions,
  );
}
