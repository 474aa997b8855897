import type { Ctx } from '../context';
import { fill, h } from '../dom';
import { orderTitle } from '../order-words';
import { Replay, SPEEDS, type ReplayPage, type ReplayPicture } from '../replay';
import { fromSiteInput, siteDateTime, toSiteInput } from '../site-time';

/** The slider spans this much either side of the moment picked; the picker goes anywhere. */
const WINDOW_MS = 3_600_000;
/** Step back / forward. */
const STEP_MS = 10_000;
/** Where replay starts when opened: a quarter of an hour ago. */
const START_BACK_MS = 15 * 60_000;

export interface ReplayBar {
  el: HTMLElement;
  /** The banner laid over the map while replaying ("REPLAY <time>"). */
  banner: HTMLElement;
}

/**
 * The map's replay controls: a date-time picker in site time, a slider an hour either side,
 * step back and forward, play at 1×, 5×, 15×, 60× and pause, and "Back to live". Every control
 * is a native input or button, so each works from the keyboard; nothing here takes the focus
 * except on the person's own press (opening replay focuses the picker, leaving it the button
 * that opened it). `onPicture` gets the replayed town, or null for live.
 */
export function replayBar(ctx: Ctx, onPicture: (p: ReplayPicture | null) => void): ReplayBar {
  const tz = ctx.store.site!.site.timezone;
  const replay = new Replay(
    {
      stateAt: (at) => ctx.tracking.stateAt(new Date(at)),
      events: (from, to, newest) =>
        ctx.api.get<ReplayPage>(
          `/api/replay?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}${newest ? '&newest=1' : ''}`,
        ),
    },
    ctx.store.site!,
  );

  const open = h('button', { type: 'button', id: 'replay-open', 'aria-expanded': 'false' }, 'Replay the map…');
  const picker = h('input', { type: 'datetime-local', id: 'replay-when', step: 1, 'aria-label': `Replay time (site time, ${tz})` });
  const slider = h('input', { type: 'range', id: 'replay-slider', step: 1, 'aria-label': 'Replay time, an hour either side' });
  // The visible words are the accessible names (a speech user says what they see); arrows are decoration.
  const arrow = (a: string) => h('span', { 'aria-hidden': 'true' }, a);
  const back = h('button', { type: 'button', id: 'replay-back' }, arrow('◀ '), 'Back 10 s');
  const fwd = h('button', { type: 'button', id: 'replay-forward' }, 'Forward 10 s', arrow(' ▶'));
  const speeds = SPEEDS.map((s) => h('button', { type: 'button', class: 'replay-speed', 'data-speed': s, 'aria-pressed': 'false' }, arrow('▶ '), `Play ${s}×`));
  const pause = h('button', { type: 'button', id: 'replay-pause' }, arrow('❚❚ '), 'Pause');
  const live = h('button', { type: 'button', id: 'replay-live', class: 'primary' }, 'Back to live');
  const status = h('p', { id: 'replay-status', role: 'status', 'aria-live': 'polite' });
  const summary = h('div', { id: 'replay-summary', class: 'replay-summary' });
  const controls = h(
    'div',
    { class: 'replay-controls', id: 'replay-controls', hidden: true },
    h('label', { for: 'replay-when' }, 'Time ', h('small', { class: 'muted' }, `(${tz})`)),
    picker,
    back,
    slider,
    fwd,
    speeds,
    pause,
    live,
    status,
    summary,
  );
  const el = h('div', { class: 'replay-bar', id: 'replay-bar', role: 'region', 'aria-label': 'Replay' }, open, controls);
  const banner = h('div', { class: 'replay-banner', id: 'replay-banner', hidden: true });

  let windowFrom = 0;
  const setWindow = (at: number) => {
    const now = Date.now();
    const earliest = replay.earliest ?? -Infinity;
    windowFrom = Math.max(earliest, at - WINDOW_MS);
    const windowTo = Math.min(now, at + WINDOW_MS);
    slider.min = String(Math.floor(windowFrom / 1000));
    slider.max = String(Math.floor(windowTo / 1000));
    picker.max = toSiteInput(now, tz);
    if (replay.earliest !== null) picker.min = toSiteInput(replay.earliest, tz);
  };
  const inWindow = (at: number) => at / 1000 >= Number(slider.min) && at / 1000 <= Number(slider.max);

  const seek = (at: number, from: 'picker' | 'slider' | 'other') => {
    if (Number.isNaN(at)) return;
    if (from !== 'slider' && (from === 'picker' || !inWindow(at))) setWindow(at);
    replay.seek(at);
  };

  const render = () => {
    const p = replay.picture;
    const at = replay.at;
    // The person's own field is not rewritten under their fingers.
    if (document.activeElement !== picker) picker.value = toSiteInput(at, tz);
    if (!inWindow(at)) setWindow(at);
    if (document.activeElement !== slider || replay.speed > 0) slider.value = String(Math.floor(at / 1000));
    for (const b of speeds) b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === replay.speed));
    pause.disabled = replay.speed === 0;
    const when = siteDateTime(at, tz);
    // The slider's value is seconds since 1970: a screen reader reads the time instead.
    slider.setAttribute('aria-valuetext', when);
    banner.textContent = `REPLAY ${when}`;
    banner.dataset.at = String(at);
    status.textContent = replay.error
      ? `Replay failed: ${replay.error}`
      : replay.waiting && !p
        ? `Loading ${when}…`
        : replay.waiting
          ? `Showing ${siteDateTime(p!.at, tz)}, loading ${when}…`
          : `Showing ${when}${replay.speed ? `, playing at ${replay.speed}×` : ''}`;
    status.dataset.state = replay.error ? 'error' : replay.waiting ? 'loading' : 'ready';
    if (p) drawSummary(p);
    onPicture(p);
  };

  const drawSummary = (p: ReplayPicture) => {
    const incidents = [...p.store.tracking.incidents.values()].filter((i) => i.state !== 'closed');
    const orders = [...p.store.tracking.cbos.values()].filter(
      (c) => (c.state === 'issued' || c.state === 'extended') && Date.parse(c.startsAt) <= p.at && Date.parse(c.expiresAt) > p.at,
    );
    const emergencies = [...p.store.emergencies.values()].filter((e) => e.state !== 'resolved');
    fill(
      summary,
      h(
        'p',
        { id: 'replay-incidents' },
        `Open incidents: ${incidents.length ? incidents.map((i) => `${i.reference ?? 'no reference'} ${i.category} (${i.state})`).join('; ') : 'none'}`,
      ),
      h('p', { id: 'replay-orders' }, `Orders in force: ${orders.length ? orders.map((c) => orderTitle(c)).join('; ') : 'none'}`),
      emergencies.length
        ? h('p', { id: 'replay-emergencies', class: 'chip danger' }, `Emergencies open: ${emergencies.map((e) => ctx.store.callsign(e.unitId)).join(', ')}`)
        : null,
    );
  };

  const enter = () => {
    open.hidden = true;
    open.setAttribute('aria-expanded', 'true');
    controls.hidden = false;
    banner.hidden = false;
    setWindow(Date.now() - START_BACK_MS);
    seek(Date.now() - START_BACK_MS, 'picker');
    picker.focus();
  };
  const leave = () => {
    replay.stop();
    controls.hidden = true;
    banner.hidden = true;
    open.hidden = false;
    open.setAttribute('aria-expanded', 'false');
    fill(summary);
    onPicture(null);
    open.focus();
  };

  open.addEventListener('click', enter);
  live.addEventListener('click', leave);
  picker.addEventListener('change', () => {
    const at = fromSiteInput(picker.value, tz);
    if (at !== null) seek(at, 'picker');
  });
  // While dragging too: the requests coalesce (the latest wins), so they never pile up.
  slider.addEventListener('input', () => seek(Number(slider.value) * 1000, 'slider'));
  back.addEventListener('click', () => seek(replay.at - STEP_MS, 'other'));
  fwd.addEventListener('click', () => seek(replay.at + STEP_MS, 'other'));
  for (const b of speeds) b.addEventListener('click', () => replay.play(Number(b.dataset.speed)));
  // Paused, the town is asked for again at that moment: each unit's state (on scene, in
  // emergency) is the gateway's to derive, and playing moved only what the events carry.
  pause.addEventListener('click', () => replay.seek(replay.at));
  // Escape anywhere in the bar returns to live, like closing a dialog.
  controls.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      leave();
    }
  });
  replay.subscribe(render);
  return { el, banner };
}
