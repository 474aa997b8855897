import type { IncidentRecord, SubjectView } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import { readBase64 } from '../photos';
import type { Ctx, View } from '../context';
import { dateTime, fill, h } from '../dom';
import { orderTitle, placesText, windowsText } from '../order-words';
import { may } from '../roles';
import { bulletinInbox } from './bulletin-inbox';
import { ownReports } from './own-reports';

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
  const mine = ownReports(ctx);
  const report = reportForm(ctx, () => void load());
  const el = h(
    'section',
    { class: 'panel premises-panel' },
    h('h2', {}, prem ? prem.name : 'Your premises'),
    h('p', {}, prem ? `${prem.kind ?? 'member'} in ${zone?.name ?? prem.zone}` : 'No premises is linked to this account.'),
    may.receiveBulletins(ctx.me.consoleRole) ? bulletinInbox(ctx) : null,
    report.form,
    h('h2', {}, 'Your reports'),
    mine.el,
    h('h2', {}, 'Shared with members'),
    shared,
  );
  let subjects: SubjectView[] = [];

  const load = async () => {
    const [incidents, list] = await Promise.allSettled([
      ctx.api.optional<IncidentRecord[]>('/api/incidents'),
      ctx.api.optional<SubjectView[]>('/api/subjects'),
    ]);
    if (incidents.status === 'fulfilled' && incidents.value) mine.set(incidents.value);
    else mine.unavailable();
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
    report.offer(subjects);
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
                // The photo only through the API, which checks the share and journals the look.
                s.photoRef?.startsWith('sha256:')
                  ? h('img', {
                      src: `/api/subjects/${encodeURIComponent(s.id)}/photo?size=thumb`,
                      alt: `Photo: ${s.description.slice(0, 60)}`,
                      class: 'subject-img',
                    })
                  : null,
                h('strong', {}, s.status === 'sought' ? 'Sought: ' : 'Known: '),
                s.description,
                s.cbos.map((c) =>
                  h(
                    'div',
                    { class: 'muted' },
                    `${orderTitle(c)}: excluded from ${placesText(c, site)}, ${windowsText(c.windows)}, until ${dateTime(c.expiresAt)}. ${c.conditions}`,
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

/** How a member names someone shared with them: the description, never a name they were not given. */
function sharedLabel(s: SubjectView): string {
  return `${s.status === 'sought' ? 'Sought' : 'Known'}: ${s.description.slice(0, 80)}`;
}

function reportForm(ctx: Ctx, done: () => void): { form: HTMLElement; offer(subjects: SubjectView[]): void } {
  const kind = h('select', { id: 'report-kind' }, h('option', { value: 'incident' }, 'Incident'), h('option', { value: 'sighting' }, 'Sighting of someone'));
  const category = h(
    'select',
    { id: 'report-category' },
    CATEGORIES.map((c) => h('option', { value: c }, c)),
  );
  const description = h('textarea', { id: 'report-description', required: true, maxlength: 2000, rows: 3 });
  // "It's him again": one of the people shared with members, by description.
  const who = h('select', { id: 'report-subject' }, h('option', { value: '' }, 'nobody shared with members'));
  const photo = h('input', { type: 'file', id: 'report-photo', accept: 'image/jpeg,image/png' });
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
    h('label', { for: 'report-subject' }, 'Same person as'),
    who,
    h('label', { for: 'report-photo' }, 'Photo (optional; JPEG or PNG, location and camera details are removed)'),
    photo,
    send,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    send.disabled = true;
    const file = photo.files?.[0];
    // The photo first: the report then names it, so it never goes without the picture it mentions.
    const media = file ? readBase64(file).then((image) => ctx.tracking.reportPhoto(image).then((p) => [p.ref])) : Promise.resolve([]);
    media
      .then((refs) =>
        ctx.tracking.report({
          kind: kind.value as 'incident' | 'sighting',
          category: category.value,
          description: description.value.trim(),
          occurredAt: new Date().toISOString(),
          ...(who.value ? { subjectId: who.value } : {}),
          ...(refs.length ? { media: refs } : {}),
        }),
      )
      .then(
        () => {
          send.disabled = false;
          description.value = '';
          who.value = '';
          photo.value = '';
          ctx.notify('Report sent to the control room');
          done();
        },
        (err: unknown) => {
          send.disabled = false;
          ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
        },
      );
  });
  const offer = (subjects: SubjectView[]) => {
    const chosen = who.value;
    fill(
      who,
      h('option', { value: '' }, 'nobody shared with members'),
      subjects.map((s) => h('option', { value: s.id }, sharedLabel(s))),
    );
    // A refresh keeps the choice of someone still shared.
    if (subjects.some((s) => s.id === chosen)) who.value = chosen;
  };
  return { form, offer };
}
