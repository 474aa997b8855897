import { rolesWith } from '../contract/policy';
import type { ConsoleRole } from '../contract/roles';
import type { Access, CboView, SubjectRecord, SubjectView } from '../contract/tracking-views';
import type { CboRecord } from './cbo';

/** The shapes this module works with are the contract's (the wire format); re-exported for the gateway's importers. */
export type { SubjectRecord, Access, CboView, SubjectView } from '../contract/tracking-views';

/**
 * The gallery of subjects, and who may see what of them. Identity (name, aliases, date of
 * birth) and warning markers are personal data the partnership shares only with the roles
 * that act on them; members see what is shared with members: the description and photo, and
 * the orders they help enforce. Pure: the API applies it and journals every view.
 */

/**
 * Roles that see the restricted fields: the control room, the police, security managers (who
 * brief guards) and CCTV operators (who identify subjects on camera). Engineers see no subject
 * at all; members see only what is shared with members.
 */
export const FULL_ACCESS: ReadonlySet<ConsoleRole> = new Set(rolesWith('subjects.identity'));

/**
 * Shared with members at this moment: shared, and the expiry (if the share has one) not passed.
 * Judged at every read, so a share ends on time without anything being journaled first.
 */
export function sharedWithMembersAt(subject: Pick<SubjectRecord, 'sharedWithMembers' | 'sharedWithMembersUntil'>, now: number): boolean {
  if (!subject.sharedWithMembers) return false;
  const until = subject.sharedWithMembersUntil;
  return until == null || Date.parse(until) > now;
}

export function accessTo(
  role: ConsoleRole | null,
  subject: Pick<SubjectRecord, 'sharedWithMembers' | 'sharedWithMembersUntil'>,
  now: number = Date.now(),
): Access | null {
  if (role && FULL_ACCESS.has(role)) return 'full';
  if (role === 'member' && sharedWithMembersAt(subject, now)) return 'shared';
  return null;
}

function cboView(c: CboRecord): CboView {
  return {
    id: c.id,
    kind: c.kind ?? 'cbo',
    state: c.state,
    reference: c.reference,
    conditions: c.conditions,
    excludedZones: [...c.excludedZones],
    excludedAreas: c.excludedAreas.map((a) => ({ name: a.name, polygon: a.polygon.map((p) => [p[0], p[1]] as const) })),
    excludedPremises: [...c.excludedPremises],
    windows: c.windows.map((w) => ({ ...w, days: [...w.days] })),
    startsAt: c.startsAt,
    expiresAt: c.expiresAt,
  };
}

/** A subject as a role may see it. Members get the orders shared with them that were issued. */
export function subjectView(s: SubjectRecord, access: Access, cbos: readonly CboRecord[]): SubjectView {
  const shared: SubjectView = {
    id: s.id,
    status: s.status,
    access,
    description: s.description,
    photoRef: s.photoRef,
    features: [...s.features],
    sharedWithMembers: s.sharedWithMembers,
    sharedWithMembersUntil: s.sharedWithMembersUntil ?? null,
    sharedRegionally: s.sharedRegionally,
    cbos: cbos.filter((c) => access === 'full' || (c.sharedWithMembers && (c.state === 'issued' || c.state === 'extended'))).map(cboView),
  };
  if (access === 'shared') return shared;
  return { ...shared, name: s.name, aliases: [...s.aliases], dob: s.dob, markers: [...s.markers], watch: s.watch ? { ...s.watch } : null };
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);

export interface SearchQuery {
  text?: string | undefined;
  features?: string[] | undefined;
}

/**
 * Subjects matching every word (as a word prefix: "hood" finds "hoodie") and every feature.
 * Only fields the searcher may see are searched: a member searching a name must not learn
 * whom it belongs to. Best matches first (most words matched in the description), then newest.
 */
export function searchSubjects(subjects: Iterable<SubjectRecord>, q: SearchQuery, access: (s: SubjectRecord) => Access | null): SubjectRecord[] {
  const want = words(q.text ?? '');
  const features = (q.features ?? []).map((f) => f.toLowerCase());
  const hits: Array<{ s: SubjectRecord; score: number }> = [];
  for (const s of subjects) {
    const a = access(s);
    if (!a) continue;
    if (!features.every((f) => s.features.includes(f))) continue;
    const described = words(s.description);
    const identity = a === 'full' ? words([s.name ?? '', ...s.aliases].join(' ')) : [];
    const featureWords = s.features.flatMap(words);
    const has = (pool: string[], w: string) => pool.some((x) => x.startsWith(w));
    if (!want.every((w) => has(described, w) || has(identity, w) || has(featureWords, w))) continue;
    hits.push({ s, score: want.filter((w) => has(described, w)).length });
  }
  return hits.sort((a, b) => b.score - a.score || b.s.updatedAt - a.s.updatedAt || a.s.id.localeCompare(b.s.id)).map((h) => h.s);
}
