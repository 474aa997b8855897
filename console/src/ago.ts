import { age, h } from './dom';

/**
 * "12 s ago" that keeps counting: an element that carries its moment, refreshed by one ticker
 * for the whole page, so a panel drawn once does not freeze at "0 s ago".
 */
export function ago(at: number): HTMLTimeElement {
  return h('time', { class: 'ago', 'data-at': at, datetime: new Date(at).toISOString() }, `${age(Date.now() - at)} ago`);
}

let ticker = 0;

/** Starts the page's ticker once; every second, each `time.ago` on the page says its age again. */
export function startAgoTicker(): void {
  if (ticker) return;
  ticker = window.setInterval(() => {
    const now = Date.now();
    for (const el of Array.from(document.querySelectorAll<HTMLTimeElement>('time.ago[data-at]'))) {
      const text = `${age(now - Number(el.dataset.at))} ago`;
      if (el.textContent !== text) el.textContent = text;
    }
  }, 1000);
}
