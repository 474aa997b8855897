import type { AlertView } from '../../../gateway/contract/socket';
import { ApiFailure } from '../api';
import { confirmDialog } from '../confirm';
import type { Ctx, View } from '../context';
import { clock, coalesce, fill, h } from '../dom';
import { may } from '../roles';

const STATUS_TEXT: Record<string, string> = { pending: 'pending', delivered: 'delivered', read: 'read', failed: 'failed', 'timed-out': 'no receipt' };

/**
 * Radio alerts: compose one to talkgroups and/or units (controllers), and watch each
 * recipient's delivery live: receipts come in the journal stream as `radio.receipt`.
 */
export function alertsView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const list = h('div', { class: 'alert-list', id: 'alert-list' });
  const el = h(
    'section',
    { class: 'panel alerts-panel' },
    may.sendAlert(ctx.me.consoleRole) ? composeForm(ctx) : null,
    h('div', {}, h('h2', {}, 'Sent alerts'), list),
  );

  const card = (a: AlertView) => {
    const counts = a.recipients.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
    return h(
      'article',
      { class: `alert-card priority-${a.priority}`, 'data-alert': a.id },
      h(
        'header',
        {},
        h('strong', {}, a.text),
        h('span', { class: 'muted' }, ` ${a.priority} · ${clock(a.sentAt)} · by ${a.sentBy ?? '?'}`),
        a.talkgroups.length
          ? h('span', { class: 'muted' }, ` · to ${a.talkgroups.map((t) => site.talkgroups.find((x) => x.id === t)?.name ?? t).join(', ')}`)
          : null,
      ),
      h(
        'p',
        { class: 'muted' },
        Object.entries(counts)
          .map(([k, n]) => `${n} ${STATUS_TEXT[k] ?? k}`)
          .join(' · '),
      ),
      h(
        'ul',
        { class: 'recipients' },
        a.recipients.map((r) =>
          h(
            'li',
            { class: `delivery ${r.status}`, 'data-unit': r.unitId, 'data-status': r.status },
            ctx.store.callsign(r.unitId),
            ' ',
            h('span', { class: 'chip' }, STATUS_TEXT[r.status] ?? r.status),
            // Why it failed (e.g. "+CME ERROR: 37") or why it still waits (link down): what an engineer acts on.
            r.reason ? h('span', { class: 'muted delivery-reason' }, ` ${r.reason}`) : null,
          ),
        ),
      ),
    );
  };

  const render = () => {
    // Texts to one unit live in its conversation (Messages), not among the alerts.
    const alerts = [...ctx.store.alerts.values()]
      .filter((a) => a.kind !== 'text')
      .sort((a, b) => b.sentAt - a.sentAt)
      .slice(0, 50);
    fill(list, alerts.length ? alerts.map(card) : h('p', { class: 'muted' }, 'No alerts sent yet.'));
  };
  const redraw = coalesce(render, 100);
  ctx.store.subscribe((t) => t.has('alerts') && redraw());
  render();
  return { el };
}

/** What the controller is about to send, in words, and whether it needs a second look. */
export function describeSend(
  site: { talkgroups: Array<{ id: string; name: string }>; units: Array<{ id: string; callsign: string; talkgroups: string[] }> },
  req: { priority: string; talkgroups: string[]; units: string[] },
): { radios: number; groups: string[]; confirm: boolean } {
  // The gateway's rule (radio/alerts.ts): every unit in the talkgroups, plus the units named.
  const radios = site.units.filter((u) => req.units.includes(u.id) || u.talkgroups.some((t) => req.talkgroups.includes(t))).length;
  const groups = req.talkgroups.map((t) => site.talkgroups.find((x) => x.id === t)?.name ?? t);
  return { radios, groups, confirm: radios > 1 || groups.length > 0 || req.priority === 'urgent' || req.priority === 'emergency' };
}

function composeForm(ctx: Ctx): HTMLElement {
  const site = ctx.store.site!;
  const text = h('textarea', { id: 'alert-text', required: true, maxlength: 500, rows: 3, placeholder: 'e.g. Male, red jacket, heading to Market Square' });
  const priority = h(
    'select',
    { id: 'alert-priority' },
    ['urgent', 'normal', 'emergency'].map((p) => h('option', { value: p }, p)),
  );
  const tg = site.talkgroups.map((t) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'talkgroup', value: t.id }), ` ${t.name}`));
  const units = site.units.map((u) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'unit', value: u.id }), ` ${u.callsign}`));
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send alert');
  const confirm = confirmDialog({
    id: 'alert-confirm',
    cancel: { label: 'Cancel: keep editing', attrs: { 'data-action': 'cancel-send' } },
    confirm: { attrs: { 'data-action': 'confirm-send' } },
  });
  const form = h(
    'form',
    { class: 'compose', id: 'alert-form', 'aria-labelledby': 'compose-title' },
    h('h2', { id: 'compose-title' }, 'New radio alert'),
    h('label', { for: 'alert-text' }, 'Message'),
    text,
    h('label', { for: 'alert-priority' }, 'Priority'),
    priority,
    h('fieldset', {}, h('legend', {}, 'Talkgroups'), tg),
    h('fieldset', { class: 'unit-checks' }, h('legend', {}, 'Units'), units),
    send,
    confirm.dialog,
  );
  // Enter in a field would submit the form (the browser's implicit submission): on a recipient
  // checkbox that sent a half-written alert to the whole town. Only the Send button sends.
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target instanceof HTMLInputElement) ev.preventDefault();
  });
  const checked = (name: string) => Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)).map((i) => i.value);
  const request = () => ({ text: text.value, priority: priority.value, talkgroups: checked('talkgroup'), units: checked('unit') });
  const post = (req: ReturnType<typeof request>) => {
    send.disabled = true;
    ctx.api.post<AlertView>('/api/alerts', req).then(
      (a) => {
        send.disabled = false;
        // Cleared only once sent: a cancelled or refused alert keeps every word typed.
        if (text.value === req.text) text.value = '';
        ctx.notify(`Alert sent to ${a.recipients.length} radios`);
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
    const what = describeSend(site, req);
    if (!what.confirm) return post(req);
    // Enter or Escape goes back to the text, every word still there.
    confirm.ask({
      title: 'Send this alert?',
      question:
        `${req.priority.toUpperCase()} alert to ${what.radios} ${what.radios === 1 ? 'radio' : 'radios'}` +
        (what.groups.length
          ? ` (talkgroups: ${what.groups.join(', ')}${req.units.length ? `, and ${req.units.length} named ${req.units.length === 1 ? 'unit' : 'units'}` : ''})`
          : '') +
        `: "${req.text}"`,
      confirm: `Send to ${what.radios} ${what.radios === 1 ? 'radio' : 'radios'}`,
      returnTo: () => text,
      onConfirm: () => post(req),
    });
  });
  return form;
}
