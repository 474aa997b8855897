import type { BulletinStatus, BulletinView } from '../../../gateway/contract/bulletins';
import { ApiFailure } from '../api';
import { confirmDialog } from '../confirm';
import type { Ctx, View } from '../context';
import { clock, coalesce, fill, h } from '../dom';
import { may } from '../roles';

const STATUS_TEXT: Record<BulletinStatus, string> = { sent: 'not seen yet', delivered: 'delivered', read: 'read' };

/**
 * Bulletins to members: compose one to every member premises, chosen premises or the premises
 * of chosen zones (confirmed when it goes to more than one), and watch each premises' delivered
 * and read live (`bulletins:state`).
 */
export function bulletinsView(ctx: Ctx): View {
  const sent = new Map<string, BulletinView>();
  const list = h('div', { class: 'alert-list', id: 'bulletin-list' });
  const el = h(
    'section',
    { class: 'panel alerts-panel bulletins-panel' },
    may.sendBulletin(ctx.me.consoleRole) ? composeForm(ctx) : null,
    h('div', {}, h('h2', {}, 'Sent to members'), list),
  );

  const card = (b: BulletinView) => {
    const counts = b.recipients.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
    return h(
      'article',
      { class: `alert-card priority-${b.kind === 'alert' ? 'urgent' : 'normal'}`, 'data-bulletin': b.id },
      h('header', {}, h('strong', {}, b.text), h('span', { class: 'muted' }, ` ${b.kind} · ${clock(b.sentAt)} · by ${b.sentBy ?? '?'} · to ${b.audienceText}`)),
      h(
        'p',
        { class: 'muted' },
        (['read', 'delivered', 'sent'] as const)
          .filter((k) => counts[k])
          .map((k) => `${counts[k]} ${STATUS_TEXT[k]}`)
          .join(' · '),
      ),
      h(
        'ul',
        { class: 'recipients' },
        b.recipients.map((r) =>
          h(
            'li',
            { class: `delivery ${r.status}`, 'data-premises': r.premisesId, 'data-status': r.status },
            r.premisesName,
            ' ',
            h(
              'span',
              { class: 'chip' },
              r.status === 'read' ? `read${r.readVia === 'terminal' ? ' on the terminal' : r.readBy ? ` by ${r.readBy}` : ''}` : STATUS_TEXT[r.status],
            ),
          ),
        ),
      ),
    );
  };

  const render = () => {
    const all = [...sent.values()].sort((a, b) => b.sentAt - a.sentAt).slice(0, 50);
    fill(list, all.length ? all.map(card) : h('p', { class: 'muted' }, 'No bulletins sent yet.'));
  };
  const redraw = coalesce(render, 100);
  const merge = (bulletins: BulletinView[]) => {
    for (const b of bulletins) sent.set(b.id, b);
    redraw();
  };
  const load = () =>
    ctx.api
      .get<BulletinView[]>('/api/bulletins')
      .then(merge, (err: unknown) => fill(list, h('p', { class: 'muted' }, err instanceof ApiFailure ? err.message : String(err))));
  ctx.live.socket?.on('bulletins:state', merge);
  ctx.live.socket?.on('connect', () => void load());
  void load();
  render();
  return { el };
}

/** The premises a bulletin would go to, as the gateway resolves it (members/bulletins-api.ts). */
export function audiencePremises(
  premises: ReadonlyArray<{ id: string; zone: string }>,
  audience: { kind: 'all' | 'premises' | 'zones'; ids: string[] },
): string[] {
  if (audience.kind === 'all') return premises.map((p) => p.id);
  if (audience.kind === 'zones') return premises.filter((p) => audience.ids.includes(p.zone)).map((p) => p.id);
  return premises.filter((p) => audience.ids.includes(p.id)).map((p) => p.id);
}

function composeForm(ctx: Ctx): HTMLElement {
  const site = ctx.store.site!;
  const text = h('textarea', {
    id: 'bulletin-text',
    required: true,
    maxlength: 1000,
    rows: 3,
    placeholder: 'e.g. Shoplifter working the pharmacies: man, 30s, grey tracksuit',
  });
  const kind = h(
    'select',
    { id: 'bulletin-kind' },
    h('option', { value: 'bulletin' }, 'Bulletin (information)'),
    h('option', { value: 'alert' }, 'Alert (urgent, with a tone)'),
  );
  const to = h(
    'select',
    { id: 'bulletin-to' },
    h('option', { value: 'premises' }, 'Chosen premises'),
    h('option', { value: 'zones' }, 'The premises in chosen zones'),
    h('option', { value: 'all' }, 'Every member premises'),
  );
  const zones = h(
    'fieldset',
    { class: 'unit-checks', id: 'bulletin-zones', hidden: true },
    h('legend', {}, 'Zones'),
    site.zones.map((z) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'bulletin-zone', value: z.id }), ` ${z.name}`)),
  );
  const premises = h(
    'fieldset',
    { class: 'unit-checks', id: 'bulletin-premises' },
    h('legend', {}, 'Premises'),
    site.premises.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'bulletin-premises', value: p.id }), ` ${p.name}`)),
  );
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send to members');
  const confirm = confirmDialog({
    id: 'bulletin-confirm',
    cancel: { label: 'Cancel: keep editing', attrs: { 'data-action': 'cancel-bulletin' } },
    confirm: { attrs: { 'data-action': 'confirm-bulletin' } },
  });
  const form = h(
    'form',
    { class: 'compose', id: 'bulletin-form', 'aria-labelledby': 'bulletin-compose-title' },
    h('h2', { id: 'bulletin-compose-title' }, 'New bulletin to members'),
    h('label', { for: 'bulletin-text' }, 'Message'),
    text,
    h('label', { for: 'bulletin-kind' }, 'Kind'),
    kind,
    h('label', { for: 'bulletin-to' }, 'To'),
    to,
    zones,
    premises,
    send,
    confirm.dialog,
  );
  to.addEventListener('change', () => {
    zones.hidden = to.value !== 'zones';
    premises.hidden = to.value !== 'premises';
  });
  // Only the Send button sends: Enter on a checkbox never does (issue 16, item 1).
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target instanceof HTMLInputElement) ev.preventDefault();
  });
  const checked = (name: string) => Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)).map((i) => i.value);
  const request = () => {
    const audienceKind = to.value as 'all' | 'premises' | 'zones';
    const ids = audienceKind === 'zones' ? checked('bulletin-zone') : audienceKind === 'premises' ? checked('bulletin-premises') : [];
    return { kind: kind.value, text: text.value, audience: { kind: audienceKind, ids } };
  };
  const post = (req: ReturnType<typeof request>, confirmed: boolean) => {
    send.disabled = true;
    ctx.api.post<BulletinView>('/api/bulletins', { ...req, confirmed }).then(
      (b) => {
        send.disabled = false;
        if (text.value === req.text) text.value = '';
        ctx.notify(`Sent to ${b.recipients.length} ${b.recipients.length === 1 ? 'premises' : 'premises'}`);
      },
      (err: unknown) => {
        send.disabled = false;
        ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
      },
    );
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const req = request();
    const chosen = audiencePremises(site.premises, req.audience);
    if (chosen.length === 0) {
      ctx.notify(req.audience.kind === 'zones' ? 'Choose at least one zone with member premises' : 'Choose at least one premises', 'error');
      return;
    }
    if (chosen.length === 1) return post(req, false);
    // Enter or Escape goes back to the text, every word still there.
    confirm.ask({
      title: 'Send this to members?',
      question: `${req.kind === 'alert' ? 'ALERT' : 'Bulletin'} to ${chosen.length} premises: "${req.text}"`,
      confirm: `Send to ${chosen.length} premises`,
      returnTo: () => text,
      onConfirm: () => post(req, true),
    });
  });
  return form;
}
