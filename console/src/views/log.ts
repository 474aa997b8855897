import type { ConsoleEvent } from '../../../gateway/contract/socket';
import type { Ctx, View } from '../context';
import { clock, coalesce, fill, h } from '../dom';
import { LogHistory } from '../log-history';
import { describeEvent, typeWords } from '../log-words';

/** Rows kept on screen; the store keeps more, and the journal everything. */
const MAX_ROWS = 500;

/**
 * The live log: every journal event this role may see, newest first, as it arrives. Each row
 * carries its seq, so after a reconnect anyone can check that nothing is missing or doubled.
 */
export function logView(ctx: Ctx): View {
  const list = h('ol', { class: 'log', id: 'event-log', reversed: true, 'aria-label': 'Journal events, newest first' });
  const filter = h('input', { type: 'search', placeholder: 'Filter by type, subject or actor', 'aria-label': 'Filter events', id: 'log-filter' });
  const count = h('span', { class: 'muted', id: 'log-count' });
  const el = h('section', { class: 'panel log-panel' }, h('div', { class: 'toolbar' }, h('h2', {}, 'Live log'), filter, count), list);
  let shownSeq = 0;

  const describe = (e: ConsoleEvent): string => describeEvent(ctx, e);
  // What came before this page was opened (the journal, as the stream would have sent it): a reload keeps the log.
  const history = new LogHistory(ctx);

  const row = (e: ConsoleEvent) =>
    h(
      'li',
      { 'data-seq': e.seq, 'data-type': e.type },
      h('span', { class: 'seq' }, `#${e.seq}`),
      h('time', { datetime: new Date(e.ts).toISOString() }, clock(e.ts)),
      h('span', { class: 'type', title: e.type }, typeWords(e.type)),
      h('span', { class: 'detail' }, describe(e)),
      e.actor ? h('span', { class: 'actor' }, `by ${e.actor}`) : null,
    );

  // Positions are the map's business (a resumed console is sent the ones it missed): not a log line each.
  const matches = (e: ConsoleEvent, q: string) =>
    e.type !== 'radio.position' &&
    (!q || e.type.includes(q) || (e.subject ?? '').includes(q) || (e.actor ?? '').includes(q) || describe(e).toLowerCase().includes(q));

  const renderAll = () => {
    const q = filter.value.trim().toLowerCase();
    const events = [...history.before(ctx.store.log[0]?.seq), ...ctx.store.log]
      .filter((e) => matches(e, q))
      .slice(-MAX_ROWS)
      .reverse();
    fill(list, events.map(row));
    shownSeq = ctx.store.log.at(-1)?.seq ?? 0;
    count.textContent = `${events.length} shown`;
  };

  const renderNew = () => {
    const q = filter.value.trim().toLowerCase();
    const fresh = ctx.store.log.filter((e) => e.seq > shownSeq && matches(e, q));
    shownSeq = ctx.store.log.at(-1)?.seq ?? shownSeq;
    for (const e of fresh) list.prepend(row(e));
    while (list.children.length > MAX_ROWS) list.lastElementChild!.remove();
    count.textContent = `${list.children.length} shown`;
  };

  filter.addEventListener('input', coalesce(renderAll, 150));
  const redraw = coalesce(renderNew, 50);
  ctx.store.subscribe((t) => {
    if (t.has('events')) redraw();
    if (t.has('events') && history.wanted()) void history.load().then(renderAll);
  });
  if (history.wanted()) void history.load().then(renderAll);
  renderAll();
  return { el };
}
