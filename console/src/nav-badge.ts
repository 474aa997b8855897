import { h } from './dom';

/**
 * A count on a navigation link. Seen: "Messages 2"; said: "Messages, 2 unread". The seen parts
 * are hidden from screen readers and the said one from sight, so the link's name contains what
 * is seen (WCAG 2.5.3). Returns the setter; 0 hides the count.
 */
export function navBadge(link: HTMLAnchorElement | null | undefined, id: string, said: (label: string, n: number) => string): (n: number) => void {
  const label = link?.firstChild?.textContent ?? '';
  const badge = h('span', { class: 'badge', id, hidden: true, 'aria-hidden': 'true' });
  const name = h('span', { class: 'sr-only' }, label);
  if (link?.firstChild) link.replaceChild(h('span', { 'aria-hidden': 'true' }, label), link.firstChild);
  for (const part of [badge, name]) link?.insertBefore(part, link.querySelector('kbd'));
  return (n) => {
    badge.hidden = n === 0;
    badge.textContent = n ? String(n) : '';
    name.textContent = n ? said(label, n) : label;
  };
}
