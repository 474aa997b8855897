import type { EmergencyView } from '../../../gateway/contract/socket';
import { ApiFailure } from '../api';
import type { Ctx } from '../context';
import { age, clock, coalesce, h, sync } from '../dom';
import { may } from '../roles';

/**
 * The emergency banner: across the top of every panel, red, with a repeating tone until
 * someone acknowledges. A controller acknowledges (becomes the owner) and resolves it as
 * genuine or false from here; other roles see who owns it. Breach alarms sit below it.
 */
export function emergencyBanner(ctx: Ctx): HTMLElement {
  const el = h('section', { class: 'alarms', 'aria-label': 'Emergencies and alarms', 'aria-live': 'assertive' });
  const role = ctx.me.consoleRole;
  const seen = new Set<string>();

  const act = (em: EmergencyView, what: 'acknowledge' | 'resolve', body: unknown, button: HTMLButtonElement) => {
    ctx.alarm.unlock();
    button.disabled = true;
    ctx.api.post(`/api/emergencies/${encodeURIComponent(em.id)}/${what}`, body).then(
      () => ctx.notify(what === 'acknowledge' ? `You own the emergency of ${ctx.store.callsign(em.unitId)}` : `Emergency of ${ctx.store.callsign(em.unitId)} resolved`),
      (err: unknown) => {
        button.disabled = false;
        ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
      },
    );
  };

  const card = (em: EmergencyView): HTMLElement => {
    const who = ctx.store.callsign(em.unitId);
    const actions: HTMLElement[] = [];
    if (may.respondToEmergency(role) && em.state === 'open') {
      const b = h('button', { class: 'danger big', 'data-action': 'acknowledge' }, 'Acknowledge');
      b.addEventListener('click', () => act(em, 'acknowledge', {}, b));
      actions.push(b);
    }
    if (may.respondToEmergency(role) && em.state === 'acknowledged') {
      const genuine = h('button', { class: 'danger', 'data-action': 'resolve-genuine' }, 'Resolve: genuine');
      const falseAlarm = h('button', { 'data-action': 'resolve-false' }, 'Resolve: false alarm');
      genuine.addEventListener('click', () => act(em, 'resolve', { outcome: 'genuine' }, genuine));
      falseAlarm.addEventListener('click', () => act(em, 'resolve', { outcome: 'false' }, falseAlarm));
      actions.push(genuine, falseAlarm);
    }
    const locate = h('button', { 'data-action': 'locate' }, 'Show on map');
    locate.addEventListener('click', () => ctx.navigate(`/map?unit=${encodeURIComponent(em.unitId)}`));
    actions.push(locate);
    const state = em.state === 'open' ? 'NOT ACKNOWLEDGED' : `owned by ${em.owner ?? '?'}`;
    return h('div', { class: `emergency ${em.state}`, role: 'alert', 'data-emergency': em.id, 'data-state': em.state },
      h('strong', { class: 'emergency-title' }, `EMERGENCY — ${who}`),
      h('span', {}, `${em.trigger === 'button' ? 'emergency button' : em.trigger} at ${clock(em.raisedAt)}`),
      h('span', { class: 'since' }, `${age(Date.now() - em.raisedAt)} ago`),
      em.presses > 1 ? h('span', { class: 'chip' }, `${em.presses} presses`) : null,
      h('span', { class: 'chip emergency-state' }, state),
      ctx.alarm.blocked && em.state === 'open' ? h('span', { class: 'chip' }, 'sound blocked: click anywhere') : null,
      h('span', { class: 'actions' }, actions),
    );
  };

  // Cards are kept by id and rebuilt only when what they say changes, so a button is never
  // swapped under a pointer that is about to press it.
  const cards = new Map<string, { sig: string; el: HTMLElement }>();
  const breachCards = new Map<string, { sig: string; el: HTMLElement }>();

  const render = () => {
    const open = ctx.store.openEmergencies();
    const keep: HTMLElement[] = [];
    for (const em of open) {
      const sig = `${em.state}|${em.presses}|${em.owner ?? ''}|${ctx.alarm.blocked}`;
      let c = cards.get(em.id);
      if (!c || c.sig !== sig) {
        c = { sig, el: card(em) };
        cards.set(em.id, c);
      } else {
        const since = c.el.querySelector('.since');
        if (since) since.textContent = `${age(Date.now() - em.raisedAt)} ago`;
      }
      keep.push(c.el);
    }
    for (const id of [...cards.keys()]) if (!open.some((e) => e.id === id)) cards.delete(id);
    // CBO breach alarms: below the emergencies, until someone who may respond acknowledges them.
    const breaches = [...ctx.store.tracking.breaches.values()].filter((b) => !b.acknowledged).sort((a, b) => a.detectedAt - b.detectedAt);
    for (const b of breaches.slice(-5)) {
      let bc = breachCards.get(b.breachId);
      if (!bc) {
        const zone = ctx.store.site?.zones.find((z) => z.id === b.zone)?.name ?? b.zone ?? 'an excluded place';
        const ack = may.respondToBreach(role) ? h('button', { 'data-action': 'acknowledge-breach' }, 'Acknowledge') : null;
        ack?.addEventListener('click', () => {
          ack.disabled = true;
          ctx.tracking.acknowledgeBreach(b.breachId).catch((err: unknown) => {
            ack.disabled = false;
            ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
          });
        });
        const track = h('button', {}, 'Track');
        track.addEventListener('click', () => ctx.navigate(`/tracking?subject=${encodeURIComponent(b.subjectId)}`));
        bc = { sig: b.breachId, el: h('div', { class: 'breach', role: 'alert', 'data-breach': b.breachId },
          h('strong', {}, 'CBO BREACH'), h('span', {}, `Subject ${b.subjectId} seen in ${zone} at ${clock(b.at)} (order ${b.cboId})`),
          h('span', { class: 'actions' }, ack, track)) };
        breachCards.set(b.breachId, bc);
      }
      keep.push(bc.el);
    }
    for (const id of [...breachCards.keys()]) if (!breaches.some((b) => b.breachId === id)) breachCards.delete(id);
    const focused = document.activeElement;
    sync(el, keep);
    if (focused instanceof HTMLElement && el.contains(focused) && document.activeElement !== focused) focused.focus();
    el.hidden = keep.length === 0;
    const unacknowledged = open.some((e) => e.state === 'open');
    document.body.classList.toggle('has-emergency', unacknowledged);
    if (unacknowledged) ctx.alarm.start();
    else ctx.alarm.stop();
    // A new emergency takes the keyboard focus: Enter acknowledges it.
    const fresh = open.find((e) => e.state === 'open' && !seen.has(e.id));
    for (const e of open) seen.add(e.id);
    if (fresh) el.querySelector<HTMLButtonElement>(`[data-emergency="${CSS.escape(fresh.id)}"] [data-action="acknowledge"]`)?.focus();
  };

  const redraw = coalesce(render, 0);
  ctx.store.subscribe((t) => {
    if (t.has('emergencies') || t.has('tracking') || t.has('units')) redraw();
  });
  // The "n s ago" text; stops once this banner has been taken off the page (logout).
  const timer = window.setInterval(() => (el.isConnected ? redraw() : window.clearInterval(timer)), 5000);
  render();
  return el;
}
