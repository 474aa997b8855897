import { ApiFailure } from '../api';
import type { Ctx } from '../context';
import { age, clock, coalesce, h, sync } from '../dom';
import { orderName, subjectName } from '../names';
import { may } from '../roles';
import type { ShownEmergency } from '../store';

/** The dedicated acknowledge shortcut: it types nothing in a field, so it cannot be hit by typing. */
export const ACKNOWLEDGE_SHORTCUT = 'Alt+A';

/**
 * The emergency banner: across the top of every panel, red, with a repeating tone until
 * someone acknowledges. A controller acknowledges (becomes the owner) and resolves it as
 * genuine or false from here; other roles see who owns it. Breach alarms sit below it.
 *
 * A new emergency never takes the keyboard focus: a controller may be halfway through an
 * alert, and a space typed into a focused Acknowledge button would take an emergency nobody
 * has read. It is announced instead (banner, tone, an assertive live region), and acknowledged
 * on purpose: the button, or Alt+A from anywhere. After acknowledging, focus goes to that
 * emergency's Resolve button; after resolving, back to where it was before Alt+A.
 */
export function emergencyBanner(ctx: Ctx): HTMLElement {
  const announcer = h('div', { class: 'sr-only', id: 'emergency-announcer', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const el = h('section', { class: 'alarms', 'aria-label': 'Emergencies and alarms' });
  const role = ctx.me.consoleRole;
  const seen = new Set<string>();
  /** Emergencies this console has just acknowledged: their Resolve button takes the focus once it shows. */
  const focusResolve = new Set<string>();
  /** Where the focus was when a controller turned to an emergency, to return there afterwards. */
  const returnTo = new Map<string, HTMLElement>();
  /** Resolve notes being written, by emergency: kept if the card is redrawn meanwhile. */
  const notes = new Map<string, string>();

  const act = (em: ShownEmergency, what: 'acknowledge' | 'resolve', body: unknown, button: HTMLButtonElement | null) => {
    ctx.alarm.unlock();
    if (button) button.disabled = true;
    if (what === 'acknowledge') focusResolve.add(em.id);
    ctx.api.post(`/api/emergencies/${encodeURIComponent(em.id)}/${what}`, body).then(
      () =>
        ctx.notify(
          what === 'acknowledge' ? `You own the emergency of ${ctx.store.callsign(em.unitId)}` : `Emergency of ${ctx.store.callsign(em.unitId)} resolved`,
        ),
      (err: unknown) => {
        focusResolve.delete(em.id);
        if (button) button.disabled = false;
        ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
      },
    );
  };

  const remember = (em: ShownEmergency) => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active !== document.body && !el.contains(active) && !returnTo.has(em.id)) returnTo.set(em.id, active);
  };

  // Alt+A acknowledges the oldest emergency nobody has taken, wherever the focus is.
  const onKey = (ev: KeyboardEvent) => {
    if (!el.isConnected) return document.removeEventListener('keydown', onKey);
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.key.toLowerCase() !== 'a' || !may.respondToEmergency(role)) return;
    const em = ctx.store.openEmergencies().find((e) => e.state === 'open' && !e.recording);
    if (!em) return;
    ev.preventDefault();
    remember(em);
    act(em, 'acknowledge', {}, el.querySelector<HTMLButtonElement>(`[data-emergency="${CSS.escape(em.id)}"] [data-action="acknowledge"]`));
  };
  document.addEventListener('keydown', onKey);

  const card = (em: ShownEmergency): HTMLElement => {
    const who = ctx.store.callsign(em.unitId);
    const actions: HTMLElement[] = [];
    // Announced before its commit: it sounds and shows at once, and can be acknowledged once on record.
    if (em.recording?.state === 'unrecorded') {
      const dismiss = h('button', { 'data-action': 'dismiss' }, 'Dismiss');
      dismiss.addEventListener('click', () => ctx.store.dismissRaising(em.id));
      actions.push(dismiss);
    } else if (may.respondToEmergency(role) && em.state === 'open' && !em.recording) {
      const b = h(
        'button',
        { class: 'danger big', 'data-action': 'acknowledge', 'aria-keyshortcuts': ACKNOWLEDGE_SHORTCUT },
        'Acknowledge',
        h('kbd', {}, ACKNOWLEDGE_SHORTCUT),
      );
      b.addEventListener('click', () => act(em, 'acknowledge', {}, b));
      actions.push(b);
    }
    if (may.respondToEmergency(role) && em.state === 'acknowledged') {
      // Resolving needs a note (the gateway refuses without one): Resolve with the note empty
      // takes the controller to it, and Enter there resolves as the button pressed said.
      const genuine = h('button', { class: 'danger', 'data-action': 'resolve-genuine' }, 'Resolve: genuine');
      const falseAlarm = h('button', { 'data-action': 'resolve-false' }, 'Resolve: false alarm');
      const note = h('input', {
        type: 'text',
        maxlength: 1000,
        'data-field': 'resolve-note',
        'aria-label': `Note to resolve the emergency of ${who} (required)`,
        placeholder: 'Note (required to resolve)',
        value: notes.get(em.id) ?? '',
      });
      const hint = h('span', { class: 'resolve-hint', role: 'status' });
      let chosen: 'genuine' | 'false' = 'genuine';
      const resolve = (outcome: 'genuine' | 'false') => {
        chosen = outcome;
        const text = note.value.trim();
        if (!text) {
          hint.textContent = `Write a note, then Enter resolves as ${outcome === 'genuine' ? 'genuine' : 'a false alarm'}.`;
          note.focus();
          return;
        }
        act(em, 'resolve', { outcome, note: text }, outcome === 'genuine' ? genuine : falseAlarm);
      };
      note.addEventListener('input', () => notes.set(em.id, note.value));
      note.addEventListener('keydown', (ev) => {
        if (ev.key !== 'Enter') return;
        ev.preventDefault();
        resolve(chosen);
      });
      genuine.addEventListener('click', () => resolve('genuine'));
      falseAlarm.addEventListener('click', () => resolve('false'));
      actions.push(genuine, falseAlarm, note, hint);
    }
    const locate = h('button', { 'data-action': 'locate' }, 'Show on map');
    locate.addEventListener('click', () => ctx.navigate(`/map?unit=${encodeURIComponent(em.unitId)}`));
    actions.push(locate);
    const state =
      em.recording?.state === 'unrecorded'
        ? 'NOT RECORDED'
        : em.recording
          ? 'being recorded…'
          : em.state === 'open'
            ? 'NOT ACKNOWLEDGED'
            : `owned by ${em.owner ?? '?'}`;
    const unrecorded =
      em.recording?.state === 'unrecorded'
        ? h(
            'span',
            { class: 'unrecorded', role: 'status' },
            `The journal could not record this press${em.recording.reason ? ` (${em.recording.reason})` : ''}; ${
              em.recording.bearer === 'mqtt' ? 'the handset sends it again' : 'it came through the TETRA control station and will not come again'
            }. Act on it by radio.`,
          )
        : null;
    // Not role="alert": the card's ticking "ago" would be read out again every few seconds; the
    // announcer below says each new emergency once.
    return h(
      'div',
      {
        class: `emergency ${em.state}`,
        role: 'group',
        'aria-label': `Emergency of ${who}`,
        'data-emergency': em.id,
        'data-state': em.recording?.state ?? em.state,
      },
      h('strong', { class: 'emergency-title' }, `EMERGENCY — ${who}`),
      h('span', {}, `${em.trigger === 'button' ? 'emergency button' : em.trigger} at ${clock(em.raisedAt)}`),
      h('span', { class: 'since' }, `${age(Date.now() - em.raisedAt)} ago`),
      em.presses > 1 ? h('span', { class: 'chip' }, `${em.presses} presses`) : null,
      h('span', { class: 'chip emergency-state' }, state),
      unrecorded,
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
      const sig = `${em.state}|${em.recording?.state ?? ''}|${em.presses}|${em.owner ?? ''}|${ctx.alarm.blocked}`;
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
        // Names, not ids: the subject's name arrives from the gallery API (journaled as a view).
        const where = ` seen in ${zone} at ${clock(b.at)} (${orderName(ctx, b.cboId)})`;
        const breachText = h('span', { class: 'breach-text' }, `A subject under an order${where}`);
        void subjectName(ctx, b.subjectId).then((name) => (breachText.textContent = `${name}${where}`));
        const track = h('button', {}, 'Track');
        track.addEventListener('click', () => ctx.navigate(`/tracking?subject=${encodeURIComponent(b.subjectId)}`));
        bc = {
          sig: b.breachId,
          el: h(
            'div',
            { class: 'breach', role: 'group', 'aria-label': 'CBO breach', 'data-breach': b.breachId },
            h('strong', {}, 'CBO BREACH'),
            breachText,
            h('span', { class: 'actions' }, ack, track),
          ),
        };
        breachCards.set(b.breachId, bc);
        // Each new breach sounds once, in the breach tone (never the emergency's).
        ctx.alarm.breach();
      }
      keep.push(bc.el);
    }
    for (const id of [...breachCards.keys()]) if (!breaches.some((b) => b.breachId === id)) breachCards.delete(id);
    const focused = document.activeElement;
    const hadFocus = focused instanceof HTMLElement && el.contains(focused);
    sync(el, keep);
    if (hadFocus && document.activeElement !== focused && focused.isConnected) focused.focus();
    // Acknowledged here: Resolve is the next key. Resolved: back to where the controller was.
    for (const id of [...focusResolve]) {
      const resolve = el.querySelector<HTMLButtonElement>(`[data-emergency="${CSS.escape(id)}"] [data-action="resolve-genuine"]`);
      if (resolve) {
        resolve.focus();
        focusResolve.delete(id);
      } else if (!open.some((e) => e.id === id)) focusResolve.delete(id);
    }
    for (const [id, back] of [...returnTo]) {
      if (open.some((e) => e.id === id)) continue;
      returnTo.delete(id);
      const active = document.activeElement;
      if (back.isConnected && (active === null || active === document.body)) back.focus();
    }
    if (hadFocus && !focused.isConnected && (document.activeElement === null || document.activeElement === document.body)) {
      // The card that had the focus is gone (resolved): the next emergency, or the panel.
      (el.querySelector<HTMLElement>('[data-action="acknowledge"], [data-action="resolve-genuine"]') ?? document.getElementById('main'))?.focus();
    }
    el.hidden = keep.length === 0;
    const unacknowledged = open.some((e) => e.state === 'open');
    document.body.classList.toggle('has-emergency', unacknowledged);
    if (unacknowledged) ctx.alarm.start();
    else ctx.alarm.stop();
    // A new emergency is announced, never focused: whatever is being typed stays where it is.
    const fresh = open.filter((e) => e.state === 'open' && !seen.has(e.id));
    for (const e of open) seen.add(e.id);
    if (fresh.length) {
      announcer.textContent =
        fresh
          .map((e) => `Emergency: ${ctx.store.callsign(e.unitId)}, ${e.trigger === 'button' ? 'emergency button' : e.trigger}, at ${clock(e.raisedAt)}.`)
          .join(' ') + (may.respondToEmergency(role) ? ` Press ${ACKNOWLEDGE_SHORTCUT} to acknowledge.` : '');
    }
  };

  const redraw = coalesce(render, 0);
  ctx.store.subscribe((t) => {
    if (t.has('emergencies') || t.has('tracking') || t.has('units')) redraw();
  });
  // The "n s ago" text; stops once this banner has been taken off the page (logout).
  const timer = window.setInterval(() => (el.isConnected ? redraw() : window.clearInterval(timer)), 5000);
  render();
  return h('div', { class: 'alarm-area' }, announcer, el);
}
