import type { CboRecord, SubjectView } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { coalesce, dateTime, fill, h } from '../dom';

const MARKERS = ['violence', 'weapons', 'drugs', 'escape-risk'];
const STATE_TEXT: Record<string, string> = { warning: 'warning', issued: 'issued', extended: 'extended', revoked: 'revoked', expired: 'expired' };

/**
 * Subjects and their orders, for the roles that record them (controller, police): add a person
 * (known by name, or identity sought, with a description and warning markers), find and edit
 * one, and record an exclusion order for him: warned or issued, extended, revoked. Every step is
 * an API call the gateway checks and journals with the person who made it. Names, not ids.
 */
export function subjectsView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const fail = (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
  let selected: SubjectView | null = null;

  // New subject.
  const status = h('select', { id: 'subject-status' }, h('option', { value: 'known' }, 'known (named)'), h('option', { value: 'sought' }, 'identity sought'));
  const name = h('input', { id: 'subject-name', maxlength: 200, autocomplete: 'off' });
  const description = h('textarea', { id: 'subject-description', required: true, maxlength: 2000, rows: 2 });
  const markers = MARKERS.map((m) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'marker', value: m }), ` ${m}`));
  const shared = h('input', { type: 'checkbox', id: 'subject-shared' });
  const create = h(
    'form',
    { class: 'compose', id: 'subject-form', 'aria-labelledby': 'subject-form-title' },
    h('h2', { id: 'subject-form-title' }, 'New subject'),
    h('label', { for: 'subject-status' }, 'Status'),
    status,
    h('label', { for: 'subject-name' }, 'Name'),
    name,
    h('label', { for: 'subject-description' }, 'Description'),
    description,
    h('fieldset', {}, h('legend', {}, 'Warning markers'), markers),
    h('label', { class: 'check' }, shared, ' share with members'),
    h('button', { type: 'submit', class: 'primary' }, 'Add subject'),
  );
  create.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = Array.from(create.querySelectorAll<HTMLInputElement>('input[name="marker"]:checked')).map((i) => i.value);
    ctx.api
      .post<SubjectView>('/api/subjects', {
        status: status.value,
        name: name.value.trim() || null,
        description: description.value,
        markers: chosen,
        sharedWithMembers: shared.checked,
      })
      .then((s) => {
        create.reset();
        ctx.notify(`${label(s)} added`);
        select(s);
      }, fail);
  });

  // Find.
  const query = h('input', { id: 'subject-query', type: 'search', 'aria-label': 'Find a subject' });
  const results = h('ul', { class: 'subject-results', id: 'subject-results' });
  const find = h('form', { class: 'toolbar', id: 'subject-find' }, query, h('button', { type: 'submit' }, 'Find'), results);
  find.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.tracking.subjects(query.value.trim()).then(
      (list) =>
        fill(
          results,
          list.map((s) => {
            const b = h('button', { type: 'button', 'data-subject': s.id }, label(s));
            b.addEventListener('click', () => select(s));
            return h('li', {}, b);
          }),
          list.length ? null : h('li', { class: 'muted' }, 'Nobody found.'),
        ),
      fail,
    );
  });

  // The selected subject: details, edit, orders.
  const detail = h('section', { class: 'subject-detail', id: 'subject-detail', 'aria-live': 'polite' });
  const select = (s: SubjectView) => {
    selected = s;
    render();
  };

  const orderForm = (s: SubjectView): HTMLElement => {
    const reference = h('input', { id: 'order-reference', maxlength: 100 });
    const conditions = h('textarea', { id: 'order-conditions', required: true, rows: 2, maxlength: 4000 });
    const zones = site.zones.map((z) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'order-zone', value: z.id }), ` ${z.name}`));
    const state = h('select', { id: 'order-state' }, h('option', { value: 'issued' }, 'issued (in force)'), h('option', { value: 'warning' }, 'warning only'));
    const until = h('input', { id: 'order-expires', type: 'date', required: true, value: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10) });
    const form = h(
      'form',
      { class: 'compose', id: 'order-form', 'aria-labelledby': 'order-form-title' },
      h('h3', { id: 'order-form-title' }, `New exclusion order for ${label(s)}`),
      h('label', { for: 'order-reference' }, 'Reference'),
      reference,
      h('label', { for: 'order-conditions' }, 'Conditions'),
      conditions,
      h('fieldset', {}, h('legend', {}, 'Excluded zones'), zones),
      h('label', { for: 'order-state' }, 'Stage'),
      state,
      h('label', { for: 'order-expires' }, 'Until'),
      until,
      h('button', { type: 'submit', class: 'primary' }, 'Record order'),
    );
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && ev.target instanceof HTMLInputElement) ev.preventDefault();
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const excludedZones = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="order-zone"]:checked')).map((i) => i.value);
      ctx.api
        .post<CboRecord>('/api/cbos', {
          subjectId: s.id,
          state: state.value,
          reference: reference.value.trim() || null,
          conditions: conditions.value,
          excludedZones,
          startsAt: new Date().toISOString(),
          expiresAt: new Date(`${until.value}T23:59:59`).toISOString(),
        })
        .then((c) => ctx.notify(`Order ${c.reference ?? ''} recorded for ${label(s)}`), fail);
    });
    return form;
  };

  const orderRow = (c: CboRecord): HTMLElement => {
    const zones = c.excludedZones.map((z) => site.zones.find((x) => x.id === z)?.name ?? z).join(', ') || 'no zones';
    const actions = h('span', { class: 'actions' });
    if (c.state === 'warning') {
      const issue = h('button', { type: 'button', 'data-action': 'issue' }, 'Issue');
      issue.addEventListener('click', () => void ctx.api.post(`/api/cbos/${encodeURIComponent(c.id)}/issue`, {}).catch(fail));
      actions.append(issue);
    }
    if (c.state === 'issued' || c.state === 'extended') {
      const until = h('input', {
        type: 'date',
        'aria-label': `New expiry of ${c.reference ?? 'the order'}`,
        value: new Date(Date.parse(c.expiresAt) + 90 * 86_400_000).toISOString().slice(0, 10),
      });
      const extend = h('button', { type: 'button', 'data-action': 'extend' }, 'Extend');
      extend.addEventListener(
        'click',
        () => void ctx.api.post(`/api/cbos/${encodeURIComponent(c.id)}/extend`, { expiresAt: new Date(`${until.value}T23:59:59`).toISOString() }).catch(fail),
      );
      actions.append(until, extend);
    }
    if (c.state !== 'revoked' && c.state !== 'expired') {
      const reason = h('input', { 'aria-label': `Reason to revoke ${c.reference ?? 'the order'}`, placeholder: 'reason to revoke', maxlength: 1000 });
      const revoke = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke' }, 'Revoke');
      revoke.addEventListener('click', () => {
        if (!reason.value.trim()) return ctx.notify('Give the reason for revoking', 'error');
        ctx.api.post(`/api/cbos/${encodeURIComponent(c.id)}/revoke`, { reason: reason.value.trim() }).catch(fail);
      });
      actions.append(reason, revoke);
    }
    return h(
      'li',
      { class: 'order', 'data-order': c.id, 'data-state': c.state },
      h('strong', {}, c.reference ?? 'order'),
      ` ${STATE_TEXT[c.state] ?? c.state} · ${zones} · until ${dateTime(c.expiresAt)} `,
      actions,
    );
  };

  let orderSig = '';
  const orders = h('ul', { class: 'orders', id: 'subject-orders' });
  const render = () => {
    const s = selected;
    if (!s) {
      fill(detail, h('p', { class: 'muted' }, 'Add a subject or find one to see and record orders.'));
      orderSig = '';
      return;
    }
    if (detail.dataset.subject !== s.id) {
      detail.dataset.subject = s.id;
      const desc = h('textarea', { id: 'subject-edit-description', rows: 2, maxlength: 2000, 'aria-label': 'Description' });
      desc.value = s.description;
      const save = h('button', { type: 'button', 'data-action': 'save-description' }, 'Save description');
      save.addEventListener(
        'click',
        () =>
          void ctx.api.patch<SubjectView>(`/api/subjects/${encodeURIComponent(s.id)}`, { description: desc.value }).then((u) => {
            selected = u;
            ctx.notify(`${label(u)} updated`);
          }, fail),
      );
      fill(
        detail,
        h('h2', { id: 'subject-title' }, label(s)),
        h('p', {}, `${s.status === 'known' ? 'Known' : 'Identity sought'}${s.markers?.length ? ` · markers: ${s.markers.join(', ')}` : ''}`),
        desc,
        save,
        h('h3', {}, 'Orders'),
        orders,
        orderForm(s),
      );
      orderSig = '';
    }
    const list = [...ctx.store.tracking.cbos.values()].filter((c) => c.subjectId === s.id);
    const sig = JSON.stringify(list.map((c) => [c.id, c.state, c.expiresAt]));
    if (sig !== orderSig) {
      orderSig = sig;
      fill(orders, list.length ? list.map(orderRow) : h('li', { class: 'muted' }, 'No orders.'));
    }
  };
  const redraw = coalesce(render, 100);
  ctx.store.subscribe((t) => t.has('tracking') && redraw());
  render();
  const el = h('section', { class: 'panel subjects-panel' }, h('div', {}, find, create), detail);
  return { el };
}

function label(s: SubjectView): string {
  return s.name ?? `Unknown: ${s.description.slice(0, 40)}`;
}
