import type { Conversation, ConversationMessage } from '../../../gateway/contract/messages';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { clock, coalesce, fill, h, sync } from '../dom';
import type { MessagesState } from '../messages-state';
import { may } from '../roles';

const STATUS_TEXT: Record<string, string> = { pending: 'sent', delivered: 'delivered', read: 'read', failed: 'failed', 'timed-out': 'no receipt' };

/**
 * Messages: one conversation per unit, texts from its radio (MQTT handset or TETRA SDS) and the
 * control room's replies with their delivery and read receipts. Opening a conversation marks it
 * read (journaled with the reader). A reply goes only from its Send button or Ctrl+Enter: a
 * stray Enter never sends a half-written text. Nothing here takes the focus on its own.
 */
export function messagesView(ctx: Ctx, state: MessagesState): View {
  const units = h('ul', { class: 'conversation-list', id: 'conversation-list', 'aria-label': 'Units' });
  const title = h('h2', { id: 'conversation-title' }, 'Choose a unit');
  const thread = h('ol', { class: 'conversation', id: 'conversation', 'aria-live': 'polite', 'aria-labelledby': 'conversation-title' });
  const canSend = may.sendText(ctx.me.consoleRole);
  const text = h('textarea', { id: 'message-text', rows: 2, maxlength: 160, 'aria-describedby': 'message-help', disabled: true });
  const send = h('button', { type: 'submit', class: 'primary', id: 'message-send', disabled: true }, 'Send');
  const form = canSend
    ? h(
        'form',
        { class: 'reply', id: 'message-form', 'aria-label': 'Reply' },
        h('label', { for: 'message-text' }, 'Reply'),
        text,
        h('p', { class: 'muted', id: 'message-help' }, 'Ctrl+Enter or the Send button sends. One SDS: up to 160 characters.'),
        send,
      )
    : null;
  const el = h(
    'section',
    { class: 'panel messages-panel' },
    h('nav', { class: 'conversations', 'aria-label': 'Conversations' }, h('h2', {}, 'Units'), units),
    h('div', { class: 'thread' }, title, thread, form),
  );
  let selected: string | null = null;
  let visible = false;
  const rows = new Map<string, { li: HTMLLIElement; b: HTMLButtonElement }>();

  const item = (m: ConversationMessage) =>
    h(
      'li',
      {
        class: `message ${m.direction}`,
        'data-direction': m.direction,
        'data-id': m.id,
        'data-status': m.status,
      },
      h('span', { class: 'who' }, m.direction === 'in' ? (state.get(selected ?? '')?.callsign ?? 'Unit') : `Control (${m.by ?? '?'})`),
      h('time', { datetime: new Date(m.at).toISOString() }, clock(m.at)),
      h('span', { class: 'text' }, m.text),
      m.status ? h('span', { class: 'chip delivery-status' }, STATUS_TEXT[m.status] ?? m.status) : null,
      m.reason ? h('span', { class: 'muted delivery-reason' }, ` ${m.reason}`) : null,
    );

  const unitButton = (c: Conversation) => {
    let row = rows.get(c.unitId);
    if (!row) {
      const b = h('button', { type: 'button', class: 'conversation-unit', 'data-unit': c.unitId });
      b.addEventListener('click', () => open(c.unitId, true));
      row = { li: h('li', {}, b), b };
      rows.set(c.unitId, row);
    }
    const b = row.b;
    const last = c.messages.at(-1);
    fill(
      b,
      h('strong', {}, c.callsign),
      c.unread ? h('span', { class: 'badge', 'data-unread': c.unread }, `${c.unread} new`) : null,
      h('span', { class: 'muted last' }, last ? `${last.direction === 'in' ? '' : 'You: '}${last.text.slice(0, 40)}` : 'No messages'),
    );
    b.setAttribute('aria-pressed', String(c.unitId === selected));
    return row.li;
  };

  const render = () => {
    // Units with the latest message first; the rest by callsign. Buttons are kept, so focus stays.
    const list = [...state.conversations].sort((a, b) => (b.messages.at(-1)?.at ?? 0) - (a.messages.at(-1)?.at ?? 0) || a.callsign.localeCompare(b.callsign));
    sync(units, list.map(unitButton));
    const c = selected ? state.get(selected) : undefined;
    if (!c) return;
    title.textContent = `Conversation with ${c.callsign}`;
    fill(thread, c.messages.length ? c.messages.map(item) : h('li', { class: 'muted' }, 'No messages yet.'));
    thread.lastElementChild?.scrollIntoView({ block: 'nearest' });
    markRead(c);
  };

  // Read means shown to a person: only while this panel is on screen and the tab is visible.
  const markRead = (c: Conversation) => {
    const last = c.messages.filter((m) => m.direction === 'in').at(-1);
    if (!visible || document.hidden || !c.unread || last?.seq == null) return;
    ctx.api.post(`/api/units/${encodeURIComponent(c.unitId)}/messages/read`, { seq: last.seq }).catch((err: unknown) => {
      ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
    });
  };

  const open = (unitId: string, push: boolean) => {
    selected = unitId;
    text.disabled = send.disabled = false;
    if (push) history.replaceState(null, '', `/messages?unit=${encodeURIComponent(unitId)}`);
    render();
  };

  const post = () => {
    const unitId = selected;
    const body = text.value.trim();
    if (!unitId || !body) return;
    send.disabled = true;
    ctx.api.post<{ id: string }>(`/api/units/${encodeURIComponent(unitId)}/messages`, { text: body }).then(
      () => {
        send.disabled = false;
        // Cleared only once sent, and only if nothing more was typed meanwhile.
        if (text.value.trim() === body) text.value = '';
        void state.load();
      },
      (err: unknown) => {
        send.disabled = false;
        ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
      },
    );
  };
  form?.addEventListener('submit', (ev) => {
    ev.preventDefault();
    post();
  });
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      post();
    }
  });

  const redraw = coalesce(render, 50);
  state.subscribe(redraw);
  document.addEventListener('visibilitychange', () => !document.hidden && redraw());
  return {
    el,
    show: () => {
      visible = true;
      const unit = new URLSearchParams(location.search).get('unit');
      if (unit && unit !== selected) open(unit, false);
      if (!state.loaded) void state.load();
      else render();
    },
    hide: () => {
      visible = false;
    },
  };
}
