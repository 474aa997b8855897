import type { SessionInfo, SiteInfo } from '../../gateway/contract/api';
import { startAgoTicker } from './ago';
import { Api, ApiFailure } from './api';
import { Alarm } from './audio';
import type { Ctx, View } from './context';
import { fill, h } from './dom';
import { Live } from './live';
import { MessagesState } from './messages-state';
import { may, PANELS, panelsFor, type PanelId } from './roles';
import { Store } from './store';
import { TrackingApi } from './tracking-api';
import { alertsView } from './views/alerts';
import { bulletinsView } from './views/bulletins';
import { camerasView } from './views/cameras';
import { emergencyBanner } from './views/emergency';
import { evidenceView } from './views/evidence';
import { hotspotsView } from './views/hotspots';
import { incidentsView } from './views/incidents';
import { logView } from './views/log';
import { loginView } from './views/login';
import { mapView } from './views/map';
import { messagesView } from './views/messages';
import { navBadge } from './nav-badge';
import { peopleView } from './views/people';
import { premisesView } from './views/premises';
import { subjectsView } from './views/subjects';
import { watchReports } from './report-alerts';
import { startWatchAlerts } from './watch-alerts';
import { topbar } from './views/topbar';
import { trackingView } from './views/tracking';

const FACTORIES: Record<Exclude<PanelId, 'messages'>, (ctx: Ctx) => View> = {
  map: mapView,
  incidents: incidentsView,
  tracking: trackingView,
  cameras: camerasView,
  alerts: alertsView,
  evidence: evidenceView,
  hotspots: hotspotsView,
  subjects: subjectsView,
  log: logView,
  premises: premisesView,
  bulletins: bulletinsView,
  people: peopleView,
};

/**
 * The console: login, then a shell (top bar, emergency banner, navigation) around the panels
 * this role may see. Routes are real paths (`/map`, `/alerts`): the gateway serves index.html
 * for them, so a panel can be bookmarked or opened on a second screen.
 */
export class ConsoleApp {
  private readonly api = new Api();
  private readonly alarm = new Alarm();
  private store = new Store();
  private live = new Live(this.store);
  private views = new Map<PanelId, View>();
  private current: PanelId | null = null;
  /** Shop reports announced and counted on the Incidents link until that panel is shown. */
  private reports: { seen(): void } | null = null;
  private ctx: Ctx | null = null;
  private messages: MessagesState | null = null;
  private main: HTMLElement | null = null;
  private nav: HTMLElement | null = null;
  private toast = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', id: 'toast' });
  private toastTimer = 0;

  constructor(private readonly root: HTMLElement) {}

  async boot(): Promise<void> {
    this.api.onSessionLost = () => this.loggedOut('Your session has ended. Please log in again.');
    // Browsers start audio only after a gesture: any click or key press unlocks the alarm.
    for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, () => this.alarm.unlock(), { capture: true });
    window.addEventListener('popstate', () => this.route(location.pathname + location.search, false));
    window.addEventListener('online', () => this.live.socket?.connect());
    document.addEventListener('keydown', (ev) => this.shortcut(ev));
    try {
      const me = await this.api.get<SessionInfo>('/api/me');
      await this.start(me);
    } catch (err) {
      this.showLogin(err instanceof ApiFailure && err.status === 401 ? undefined : 'The gateway cannot be reached.');
    }
  }

  private showLogin(message?: string): void {
    document.title = 'Townwatch console: log in';
    fill(
      this.root,
      loginView(this.api, {
        message,
        onUnlock: () => this.alarm.unlock(),
        onLogin: (me) => void this.start(me).catch((err: unknown) => this.showLogin(String(err))),
      }),
    );
    this.root.querySelector<HTMLInputElement>('#username')?.focus();
  }

  private loggedOut(message?: string): void {
    this.live.stop();
    this.alarm.stop();
    this.api.setSession(null);
    // A fresh store for the next person: nothing of this session's data stays on screen.
    this.store = new Store();
    this.live = new Live(this.store);
    this.views.clear();
    this.current = null;
    this.ctx = null;
    this.messages = null;
    this.reports = null;
    document.body.classList.remove('has-emergency');
    this.showLogin(message);
  }

  private async start(me: SessionInfo): Promise<void> {
    this.api.setSession(me);
    const site = await this.api.get<SiteInfo>('/api/site');
    this.store.site = site;
    const tracking = new TrackingApi(this.api);
    const ctx: Ctx = {
      api: this.api,
      store: this.store,
      live: this.live,
      alarm: this.alarm,
      tracking,
      me,
      navigate: (path) => this.route(path, true),
      notify: (text, kind = 'info') => this.notify(text, kind),
    };
    this.ctx = ctx;
    this.live.onUnauthenticated = () => this.loggedOut('Your session has ended. Please log in again.');
    // Members get no live picture, only their premises' bulletins over the same socket.
    if (may.live(me.consoleRole) || may.receiveBulletins(me.consoleRole)) this.live.start();
    startAgoTicker();

    const panels = panelsFor(me.consoleRole);
    this.nav = h(
      'nav',
      { class: 'nav', 'aria-label': 'Panels' },
      panels.map((p, i) => {
        const b = h(
          'a',
          { href: p.path, 'data-panel': p.id, 'aria-keyshortcuts': i < 10 ? `Alt+${(i + 1) % 10}` : null },
          p.label,
          // The shortcut is in aria-keyshortcuts; in the name too it would read "Map Alt+1".
          i < 10 ? h('kbd', { 'aria-hidden': 'true' }, `Alt+${(i + 1) % 10}`) : null,
        );
        b.addEventListener('click', (ev) => {
          ev.preventDefault();
          this.route(p.path, true);
        });
        return b;
      }),
    );
    this.main = h('main', { id: 'main', tabindex: '-1' });
    document.title = `Townwatch · ${site.site.name}`;
    fill(
      this.root,
      h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
      topbar(ctx, { siteName: site.site.name, onLogout: () => void this.logout(), onIdleExpired: () => void this.checkSession() }),
      may.seeEmergencies(me.consoleRole) ? emergencyBanner(ctx) : null,
      h('div', { class: 'body' }, this.nav, this.main),
      this.toast,
    );
    if (may.readMessages(me.consoleRole)) this.watchMessages(ctx);
    const incidents = this.nav.querySelector<HTMLAnchorElement>('a[data-panel="incidents"]');
    if (may.live(me.consoleRole) && incidents) this.reports = watchReports(ctx, incidents, () => this.current === 'incidents');
    if (may.live(me.consoleRole) && may.searchSubjects(me.consoleRole)) startWatchAlerts(ctx);
    const path = location.pathname === '/' ? (panels[0]?.path ?? '/') : location.pathname + location.search;
    this.route(path, false, true);
  }

  /**
   * Texts from units: a chime and a polite announcement for each new one, and the unread count
   * on the Messages link, wherever the controller is. Never the focus: they may be typing.
   */
  private watchMessages(ctx: Ctx): void {
    const state = new MessagesState(ctx.api, ctx.store);
    this.messages = state;
    const setUnread = navBadge(
      this.nav?.querySelector<HTMLAnchorElement>('a[data-panel="messages"]'),
      'messages-unread',
      (label, n) => `${label}, ${n} unread`,
    );
    state.subscribe(() => setUnread(state.unread));
    state.onIncoming = (e) => {
      const p = (e.payload ?? {}) as { issi?: number; text?: string };
      const who = typeof p.issi === 'number' ? (ctx.store.unitByIssi(p.issi)?.callsign ?? `ISSI ${p.issi}`) : 'a radio';
      this.alarm.chime();
      if (this.current !== 'messages') ctx.notify(`Text from ${who}: ${String(p.text ?? '').slice(0, 80)}`);
    };
    void state.load();
  }

  /** Alt+1…9 opens the n-th panel of the navigation; Alt+N a new incident. */
  private shortcut(ev: KeyboardEvent): void {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || !this.ctx) return;
    // Alt+N: a new incident, from anywhere (by key position, so any layout).
    if (ev.code === 'KeyN' && may.openIncident(this.ctx.me.consoleRole) && panelsFor(this.ctx.me.consoleRole).some((p) => p.id === 'incidents')) {
      ev.preventDefault();
      this.route('/incidents', true);
      document.querySelector<HTMLElement>('#call-channel')?.focus();
      return;
    }
    // Alt+0 is the tenth panel.
    const n = ev.key === '0' ? 10 : Number(ev.key);
    const p = Number.isInteger(n) && n >= 1 ? panelsFor(this.ctx.me.consoleRole)[n - 1] : undefined;
    if (!p) return;
    ev.preventDefault();
    this.route(p.path, true);
  }

  /** Shows the panel for a path; a panel this role may not see shows why, never its data. */
  route(path: string, push: boolean, replace = false): void {
    const ctx = this.ctx;
    if (!ctx || !this.main || !this.nav) return;
    const [pathname] = path.split('?');
    if (push && path !== location.pathname + location.search) history.pushState(null, '', path);
    else if (replace) history.replaceState(null, '', path);
    const allowed = panelsFor(ctx.me.consoleRole);
    const panel = allowed.find((p) => p.path === pathname);
    for (const a of Array.from(this.nav.querySelectorAll('a'))) a.toggleAttribute('aria-current', a.getAttribute('href') === pathname);
    if (this.current) this.views.get(this.current)?.hide?.();
    for (const v of this.views.values()) v.el.hidden = true;
    this.main.querySelector('.forbidden')?.remove();
    if (!panel) {
      this.current = null;
      const known = PANELS.find((p) => p.path === pathname);
      this.main.append(
        h(
          'section',
          { class: 'forbidden panel', 'data-testid': 'forbidden' },
          h('h2', {}, known ? `${known.label} is not available to your role` : 'No such page'),
          h('p', {}, known ? `You are logged in as ${ctx.me.username} (${ctx.me.consoleRole ?? 'no role'}).` : path),
          allowed[0] ? h('a', { href: allowed[0].path }, `Go to ${allowed[0].label}`) : null,
        ),
      );
      return;
    }
    let view = this.views.get(panel.id);
    if (!view) {
      view = panel.id === 'messages' ? messagesView(ctx, this.messages ?? new MessagesState(ctx.api, ctx.store)) : FACTORIES[panel.id](ctx);
      view.el.dataset.panel = panel.id;
      this.views.set(panel.id, view);
      this.main.append(view.el);
    }
    view.el.hidden = false;
    this.current = panel.id;
    if (panel.id === 'incidents') this.reports?.seen();
    view.show?.();
  }

  private notify(text: string, kind: 'info' | 'error'): void {
    this.toast.textContent = text;
    this.toast.dataset.kind = kind;
    this.toast.hidden = false;
    window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => (this.toast.hidden = true), 6000);
  }

  private checking = false;

  private async checkSession(): Promise<void> {
    // The countdown ran out: ask the gateway, which is the one that decides.
    if (this.checking) return;
    this.checking = true;
    await this.api.get('/api/me').catch(() => undefined);
    this.checking = false;
  }

  private async logout(): Promise<void> {
    await this.api.post('/api/logout').catch(() => undefined);
    this.loggedOut('You have logged out.');
  }
}
