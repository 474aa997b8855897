import type { InboxBulletin } from '../../../gateway/contract/bulletins';
import { ApiFailure } from '../api';
import type { Ctx } from '../context';
import { clock, fill, h } from '../dom';

/**
 * A member's bulletins from the control room: those sent to their own premises (the gateway
 * scopes them), live over the console socket. A new one chimes, is announced to screen readers
 * and counted on a badge; it never takes the focus (the member may be typing a report). Shown
 * on the page, each is receipted `delivered`; "Mark read" journals the member's read.
 */
export function bulletinInbox(ctx: Ctx): HTMLElement {
  const items = new Map<string, InboxBulletin>();
  const list = h('ol', { id: 'bulletin-inbox', class: 'bulletin-list' });
  const badge = h('span', { class: 'badge', id: 'bulletins-unread', hidden: true });
  const announce = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite', id: 'bulletin-announce' });
  const el = h(
    'section',
    { class: 'bulletins', id: 'bulletins', 'aria-labelledby': 'bulletins-title' },
    h('h2', { id: 'bulletins-title' }, 'From the control room ', badge),
    announce,
    list,
  );
  // The nav link counts unread too, whatever the member is looking at.
  const link = () => document.querySelector<HTMLAnchorElement>('nav a[data-panel="premises"]');
  // Seen: "My premises 2"; said: "My premises, 2 unread from the control room". The badge is
  // hidden from screen readers and the said part from sight, so the link's name still contains
  // what is seen (WCAG 2.5.3), as the Messages link does.
  const navBadge = h('span', { class: 'badge', id: 'premises-unread', hidden: true, 'aria-hidden': 'true' });
  const navSaid = h('span', { class: 'sr-only' });

  const receipted = new Set<string>();
  const deliver = (b: InboxBulletin) => {
    if (b.status !== 'sent' || receipted.has(b.id)) return;
    receipted.add(b.id);
    ctx.api.post<InboxBulletin>(`/api/bulletins/${encodeURIComponent(b.id)}/receipt`, { status: 'delivered' }).then(
      (now) => merge([now], false),
      () => receipted.delete(b.id),
    );
  };

  const markRead = (b: InboxBulletin, item: HTMLElement) => {
    ctx.api.post<InboxBulletin>(`/api/bulletins/${encodeURIComponent(b.id)}/receipt`, { status: 'read' }).then(
      (now) => {
        merge([now], false);
        // The button is gone: the focus stays on the bulletin it was on, not lost to the page.
        list.querySelector<HTMLElement>(`[data-bulletin="${CSS.escape(b.id)}"]`)?.focus();
      },
      (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error'),
    );
    item.querySelector('button')?.setAttribute('disabled', '');
  };

  const row = (b: InboxBulletin) => {
    const item = h(
      'li',
      { class: `bulletin ${b.kind} ${b.status}`, 'data-bulletin': b.id, 'data-status': b.status, tabindex: '-1' },
      h('strong', { class: b.kind === 'alert' ? 'chip danger' : 'chip' }, b.kind === 'alert' ? 'Alert' : 'Bulletin'),
      h('span', { class: 'muted' }, ` ${clock(b.sentAt)} from ${b.sentBy ?? 'the control room'}`),
      h('p', { class: 'bulletin-text' }, b.text),
    );
    if (b.status === 'read') {
      item.append(h('span', { class: 'muted bulletin-read' }, `Read${b.readBy ? ` by ${b.readBy}` : ''}${b.readAt ? ` at ${clock(b.readAt)}` : ''}`));
    } else {
      const button = h('button', { type: 'button', 'data-action': 'read-bulletin' }, 'Mark read');
      button.addEventListener('click', () => markRead(b, item));
      item.append(button);
    }
    return item;
  };

  const render = () => {
    const all = [...items.values()].sort((a, b) => b.sentAt - a.sentAt);
    const unread = all.filter((b) => b.status !== 'read').length;
    const had = list.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).closest<HTMLElement>('[data-bulletin]')?.dataset.bulletin
      : undefined;
    fill(list, all.length ? all.map(row) : h('li', { class: 'muted' }, 'Nothing from the control room yet.'));
    // A re-render keeps the focus on the bulletin it was on (someone reading with the keyboard).
    if (had) list.querySelector<HTMLElement>(`[data-bulletin="${CSS.escape(had)}"] button, [data-bulletin="${CSS.escape(had)}"]`)?.focus();
    for (const b of [badge, navBadge]) {
      b.hidden = unread === 0;
      b.textContent = unread ? String(unread) : '';
    }
    navSaid.textContent = unread ? `, ${unread} unread from the control room` : '';
    const a = link();
    if (a && !a.contains(navBadge)) for (const part of [navBadge, navSaid]) a.insertBefore(part, a.querySelector('kbd'));
  };

  const merge = (incoming: InboxBulletin[], live: boolean) => {
    const fresh: InboxBulletin[] = [];
    for (const b of incoming) {
      if (!items.has(b.id)) fresh.push(b);
      items.set(b.id, b);
      deliver(b);
    }
    render();
    if (live && fresh.length) {
      const newest = fresh[fresh.length - 1]!;
      ctx.alarm.chime();
      announce.textContent = `${newest.kind === 'alert' ? 'Alert' : 'Bulletin'} from the control room: ${newest.text}`;
    }
  };

  const load = () =>
    ctx.api.get<InboxBulletin[]>('/api/bulletins').then(
      (all) => merge(all, false),
      () => fill(list, h('li', { class: 'muted' }, 'Bulletins are not available.')),
    );
  const socket = ctx.live.socket;
  socket?.on('bulletins:inbox', (changed) => merge(changed, true));
  // After a reconnect, whatever came while the link was down.
  socket?.on('connect', () => void load());
  void load();
  return el;
}
