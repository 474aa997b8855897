import type { Ctx } from './context';
import { clock } from './dom';
import { subjectName } from './names';

/** A sighting older than this when it reaches the console (a resumed link) is history, not news. */
const FRESH_MS = 5 * 60_000;

/**
 * Someone on the watch list is seen: a chime and a polite announcement naming him and where,
 * wherever the controller is in the console. Never the focus, never the alarm: it is news, not
 * an emergency or a breach (those have their own tones). The name comes from the gallery API,
 * which journals the view, and only when such a sighting is on screen.
 */
export function startWatchAlerts(ctx: Ctx): void {
  let seenSeq = Number.POSITIVE_INFINITY;
  ctx.store.subscribe((t) => {
    if (!t.has('events')) return;
    const log = ctx.store.log;
    const head = log.at(-1)?.seq ?? 0;
    // Only what arrives after this console connected is new: a reload must not announce old sightings.
    if (seenSeq === Number.POSITIVE_INFINITY) {
      seenSeq = head;
      return;
    }
    for (let i = log.length - 1; i >= 0 && log[i]!.seq > seenSeq; i--) {
      const e = log[i]!;
      if (e.type !== 'track.sighting' || !e.payload) continue;
      const s = e.payload.sighting;
      if (s.subjectId === null || !ctx.store.tracking.watched.has(s.subjectId) || Date.now() - e.ts > FRESH_MS) continue;
      const zone = ctx.store.site?.zones.find((z) => z.id === s.zone)?.name ?? 'an unknown place';
      ctx.alarm.chime();
      void subjectName(ctx, s.subjectId).then((name) => ctx.notify(`Watch list: ${name} seen in ${zone} at ${clock(s.atMs)}`));
    }
    seenSeq = Math.max(seenSeq, head);
  });
}
