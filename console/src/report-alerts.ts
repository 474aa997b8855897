import type { Ctx } from './context';
import { navBadge } from './nav-badge';
import { categoryName } from './names';

/**
 * A shop's report arriving (an incident it opened): a chime, a polite announcement naming the
 * shop, and a count of new reports on the Incidents link until the Incidents panel is looked at,
 * wherever the controller is. Never the focus: they may be typing. What the first snapshot
 * holds was there before the console opened and is not news; one that arrived while the
 * connection was down is, once the next snapshot brings it.
 */
export function watchReports(ctx: Ctx, link: HTMLAnchorElement, isShowing: () => boolean): { seen(): void } {
  const since = Date.now();
  const known = new Set<string>();
  let unseen = 0;
  let first = true;
  const setCount = navBadge(link, 'incidents-new', (label, n) => `${label}, ${n} new ${n === 1 ? 'report' : 'reports'}`);

  ctx.store.subscribe((topics) => {
    if (!topics.has('tracking')) return;
    const tracking = ctx.store.tracking;
    for (const i of tracking.incidents.values()) {
      if (known.has(i.incidentId)) continue;
      if (first) {
        known.add(i.incidentId);
        continue;
      }
      // The console may see the report before the gateway's incident: wait for its number (a
      // moment), unless there is no tracking service to give one.
      if (!i.reference && tracking.available) continue;
      known.add(i.incidentId);
      if (i.origin.kind !== 'shop-report' || i.openedAt < since) continue;
      const shop = ctx.store.site?.premises.find((p) => p.id === i.premisesId)?.name ?? 'a shop';
      ctx.alarm.chime();
      if (isShowing()) continue;
      setCount(++unseen);
      ctx.notify(`Report from ${shop}: ${categoryName(i.category)}${i.reference ? ` (${i.reference})` : ''}`);
    }
    first = false;
  });
  return {
    seen() {
      unseen = 0;
      setCount(0);
    },
  };
}
