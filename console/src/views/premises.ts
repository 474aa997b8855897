import type { IncidentRecord, SubjectView } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { clock, fill, h } from '../dom';

const CATEGORIES = ['theft', 'abuse', 'violence', 'suspicious', 'cbo-breach', 'damage', 'other'];

/**
 * A member's page: their premises, a report form (incident or sighting, as a shop terminal
 * sends), their own premises' incidents, and the people under an order that the partnership
 * shares with members. Members get no live operational picture: no units, cameras,
 * emergencies or journal.
 */
export function premisesView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const prem = site.premises.find((p) => p.id === ctx.me.premisesId);
  const zone = site.zones.find((z) => z.id === prem?.zone);
  const shared = h('div', { id: 'shared-subjects' });
  const mine = h('ol', { id: 'my-incidents' });
  const el = h(
    'section',
    { class: 'panel premises-panel' },
    h('h2', {}, prem ? prem.name : 'Your premises'),
    h('p', {}, prem ? `${prem.kind ?? 'member'} in ${zone?.name ?? prem.zone}` : 'No premises is linked to this account.'),
    reportForm(ctx, () => void load()),
    h('h2', {}, 'Your reports'),
    mine,
    h('h2', {}, 'Shared with members'),
    shared,
  );
  let subjects: SubjectView[] = [];

  const load = async () => {
    const [incidents, list] = await Promise.allSettled([
      ctx.api.optional<IncidentRecord[]>('/api/incidents'),
      ctx.api.optional<SubjectView[]>('/api/subjects'),
    ]);
    if (incidents.status === 'fulfilled' && incidents.value) {
      fill(
        mine,
        incidents.value.length
          ? incidents.value
              .slice(-20)
              .reverse()
              .map((i) => h('li', {}, `${clock(i.reportedAt)} ${i.reference ? `${i.reference} ` : ''}${i.category}: ${i.description} (${i.state})`))
          : h('li', { class: 'muted' }, 'None.'),
      );
    } else fill(mine, h('li', { class: 'muted' }, 'Not available on this gateway.'));
    if (list.status === 'rejected') {
      fill(
        shared,
        h(
          'p',
          { class: 'muted' },
          list.reason instanceof ApiFailure && list.reason.status === 403 ? 'Nothing is shared with your account.' : String(list.reason),
        ),
      );
      return;
    }
    if (list.value === null) {
      fill(shared, h('p', { class: 'muted' }, 'Nothing is shared yet (the tracking service is not running).'));
      return;
    }
    subjects = list.value;
    fill(
      shared,
      subjects.length
        ? h(
            'ul',
            {},
            subjects.map((s) =>
              h(
                'li',
                { 'data-subject': s.id },
                h('strong', {}, s.status === 'sought' ? 'Sought: ' : 'Known: '),
                s.description,
                s.cbos.map((c) =>
                  h(
                    'div',
                    { class: 'muted' },
                    `Order ${c.reference ?? c.id}: excluded from ${c.excludedZones.map((z) => site.zones.find((x) => x.id === z)?.name ?? z).join(', ') || 'named places'} until ${c.expiresAt.slice(0, 10)}. ${c.conditions}`,
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Nothing is shared with members at the moment.'),
    );
  };
  let loaded = false;
  return {
    el,
    show() {
      if (!loaded) void load();
      loaded = true;
    },
  };
}

function reportForm(ctx: Ctx, done: () => void): HTMLElement {
  const kind = h('select', { id: 'report-kind' }, h('option', { value: 'incident' }, 'Incident'), h('option', { value: 'sighting' }, 'Sighting of someone'));
  const category = h(
    'select',
    { id: 'report-category' },
    CATEGORIES.map((c) => h('option', { value: c }, c)),
  );
  const description = h('textarea', { id: 'report-description', required: true, maxlength: 2000, rows: 3 });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send report');
  const form = h(
    'form',
    { class: 'compose', id: 'report-form' },
    h('h3', {}, 'Report to the control room'),
    h('label', { for: 'report-kind' }, 'What'),
    kind,
    h('label', { for: 'report-category' }, 'Category'),
    category,
    h('label', { for: 'report-description' }, 'Description'),
    description,
    send,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    send.disabled = true;
    ctx.tracking
      .report({
        kind: kind.value as 'incident' | 'sighting',
        category: category.value,
        description: description.value.trim(),
        occurredAt: new Date().toISOString(),
      })
      .then(
        () => {
          send.disabled = false;
          description.value = '';
          ctx.notify('Report sent to the control room');
          done();
        },
        (err: unknown) => {
          send.disabled = false;
          ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
        },
      );
  });
  return form;
}
