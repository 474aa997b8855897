import { can } from '../../gateway/contract/policy';
import type { Ctx } from './context';

/**
 * Names, not ids, where a person reads: a subject by name (or description while the identity is
 * sought), an order by its court reference, a status by its configured label. A subject's name
 * comes only from the gallery API, which journals who looked: asked once per subject and page,
 * when an alarm about that subject is on screen, never in the background.
 */
const asked = new WeakMap<Ctx, Map<string, Promise<string>>>();

export function subjectName(ctx: Ctx, subjectId: string): Promise<string> {
  // Per login (ctx): the next person's console asks, and is journaled, for itself.
  let subjects = asked.get(ctx);
  if (!subjects) asked.set(ctx, (subjects = new Map<string, Promise<string>>()));
  let p = subjects.get(subjectId);
  // A role that may not see subjects at all (the engineer, who still sees breach alarms) is not
  // sent to the gallery to be refused: it reads the words every role may.
  if (!p && !can(ctx.me.consoleRole, 'subjects.view')) p = Promise.resolve('A subject under an order');
  if (!p) {
    p = ctx.tracking.subject(subjectId).then(
      (s) => s.name ?? (s.description ? `Unknown person: ${s.description.slice(0, 60)}` : 'A subject under an order'),
      () => 'A subject under an order',
    );
    subjects.set(subjectId, p);
  }
  return p;
}

/** The order as written on it (`DT/2026/0042`), or words when it has no reference. */
export function orderName(ctx: Ctx, cboId: string): string {
  const ref = ctx.store.tracking.cbos.get(cboId)?.reference;
  return ref ? `order ${ref}` : 'an order without a reference';
}

/** "On scene (32770)" → "On scene": the label the site configured for a status value. */
export function statusName(ctx: Ctx, value: number): string {
  return ctx.store.site?.statusCodes.find((c) => c.value === value)?.label ?? `status ${value}`;
}

const CATEGORIES: Record<string, string> = { 'cbo-breach': 'order breach' };

/** An incident or report category as people say it ("cbo-breach" → "order breach"). */
export function categoryName(category: string): string {
  return CATEGORIES[category] ?? category;
}

/** Incident outcomes as a control room says them (contract OUTCOMES), in the order offered. */
export const OUTCOME_WORDS: ReadonlyArray<[string, string]> = [
  ['arrest', 'Arrest'],
  ['referred-open-to-recovery', 'Referred: Open to Recovery'],
  ['community-resolution', 'Diverted: community resolution'],
  ['restorative-justice', 'Diverted: restorative justice'],
  ['youth-diversion', 'Diverted: youth diversion'],
  ['no-further-action', 'No further action'],
  ['words-of-advice', 'Words of advice'],
  ['no-trace', 'No trace'],
  ['false-report', 'False report'],
  ['resolved', 'Resolved'],
];

export function outcomeName(outcome: string): string {
  return OUTCOME_WORDS.find(([id]) => id === outcome)?.[1] ?? outcome;
}
