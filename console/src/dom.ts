/**
 * A few DOM helpers instead of a framework: the console is a handful of panels that redraw
 * their own parts when the state they show changes.
 */

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | number | null | undefined | false;

/** `h('button', { class: 'x', onclick: fn }, 'Label')`. Attributes that are null/false are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/**
 * A string as a text node in a span, for libraries that take "HTML or an element" (Leaflet's
 * tooltips): given a string they would parse it as markup, and names come from users.
 */
export function text(s: string, cls?: string): HTMLSpanElement {
  const el = h('span', { class: cls });
  el.textContent = s;
  return el;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Array<Child | Child[]>): void {
  el.replaceChildren();
  append(el, children);
}

/**
 * Makes `parent`'s children exactly `nodes`, moving only those out of place: a node that stays
 * where it is keeps its focus, an open select, a half-typed input.
 */
export function sync(parent: Element, nodes: readonly Element[]): void {
  nodes.forEach((node, i) => {
    const at = parent.children[i];
    if (at !== node) parent.insertBefore(node, at ?? null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild!.remove();
}

/** "4 s", "3 min", "2 h": how old a fix or a report is, at a glance. */
/** A file's size as people read it: 1.2 MB, 340 kB, 12 bytes (decimal units, as cameras label them). */
export function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} bytes`;
}

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

export function clock(ts: number | string): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString('en-GB', { hour12: false });
}

export function dateTime(ts: number | string | Date): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '—' : `${d.toLocaleDateString('en-GB')} ${d.toLocaleTimeString('en-GB', { hour12: false })}`;
}

/**
 * Coalesces redraws: events arrive in bursts. A timer rather than requestAnimationFrame, so a
 * console in a background tab (the wall display behind another window) still keeps up.
 */
export function coalesce(fn: () => void, ms = 50): () => void {
  let timer: number | null = null;
  return () => {
    if (timer !== null) return;
    timer = window.setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
