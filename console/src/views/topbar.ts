import type { Ctx } from '../context';
import { fill, h } from '../dom';
import type { Connection } from '../store';

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/**
 * The top bar: site, the live-connection indicator, the idle timeout (the server ends a session
 * after `sessionTtlMinutes` without a request; the countdown shows when), who is logged in.
 */
export function topbar(ctx: Ctx, opts: { siteName: string; onLogout: () => void; onIdleExpired: () => void }): HTMLElement {
  const conn = h('span', { class: 'conn', role: 'status', 'aria-live': 'polite', 'data-state': ctx.store.connection, id: 'connection' });
  const session = h('span', {
    class: 'session',
    id: 'session',
    title: `The gateway ends a session after ${ctx.me.sessionTtlMinutes} minutes without activity`,
  });
  const stay = h('button', { class: 'small', hidden: true }, 'Stay logged in');
  stay.addEventListener(
    'click',
    () =>
      void ctx.api
        .get('/api/me')
        .catch(() => undefined)
        .then(() => tick()),
  );
  const logout = h('button', { class: 'small', id: 'logout' }, 'Log out');
  logout.addEventListener('click', opts.onLogout);
  const live = ctx.me.consoleRole !== 'member';

  const showConnection = () => {
    const c = ctx.store.connection;
    conn.dataset.state = c;
    fill(conn, h('span', { class: 'dot', 'aria-hidden': 'true' }), live ? CONNECTION_TEXT[c] : 'Reports only');
  };

  const tick = () => {
    if (!session.isConnected && timer) return window.clearInterval(timer);
    const ttlMs = ctx.me.sessionTtlMinutes * 60_000;
    const leftMs = ctx.api.lastActivity + ttlMs - Date.now();
    if (leftMs <= 0) {
      opts.onIdleExpired();
      return;
    }
    const min = Math.floor(leftMs / 60_000);
    const sec = Math.floor((leftMs % 60_000) / 1000);
    session.textContent = `Idle logout in ${min}:${String(sec).padStart(2, '0')}`;
    session.classList.toggle('warn', leftMs < 5 * 60_000);
    stay.hidden = leftMs >= 5 * 60_000;
  };

  ctx.store.subscribe((t) => {
    if (t.has('connection')) showConnection();
  });
  showConnection();
  let timer = 0;
  tick();
  timer = window.setInterval(tick, 1000);

  return h(
    'header',
    { class: 'topbar' },
    h('span', { class: 'brand' }, 'Townwatch', h('span', { class: 'muted' }, ` · ${opts.siteName}`)),
    h('span', { class: 'spacer' }),
    conn,
    session,
    stay,
    h('span', { class: 'user', id: 'user' }, `${ctx.me.displayName ?? ctx.me.username} (${ctx.me.consoleRole ?? 'no role'})`),
    logout,
  );
}
