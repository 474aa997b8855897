/**
 * The regional index, derived from shared events (pure). The event vocabulary is the sites'
 * own (gateway/tracking, gateway/projections):
 *
 * | event                                   | feeds                                                       |
 * |-----------------------------------------|-------------------------------------------------------------|
 * | `subject.created`                       | subjects: `subjectId`, `name`, `aliases[]`, `description`, `features[]` |
 * | `subject.updated`                       | subjects: the same fields, from `shared` (when sharing starts) and `changes`; `changes.sharedRegionally: false` withdraws the subject |
 * | `shop.report`, `cctv.sighting`, `sighting.reported` | sightings (keyed by the report's seq): `subjectId`, `description`, `place.zone` |
 * | `track.sighting`                        | the same sighting row (keyed by `sighting.causeSeq`): adds the resolved `zone` |
 * | `incident.reported`                     | incidents: `incidentId`, `category`, `zone`, `subjectId` (a `cbo-breach` category is a breach) |
 * | `breach.detected`                       | breaches: `breachId`, `cboId`, `subjectId`, `zone`           |
 * | `journal.payload-erased`                | erasures: the region blanks its copy of that payload too     |
 *
 * Only what a site's uplink rules let out is here: a subject's fields arrive only when the
 * site shared that subject regionally.
 */

type P = Record<string, unknown>;
const isObj = (v: unknown): v is P => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const strs = (v: unknown): string[] | null => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null);

export interface SubjectUpsert {
  subjectId: string;
  name: string | null;
  aliases: string[] | null;
  description: string | null;
  features: string[] | null;
  ts: number;
}

export interface SightingRow {
  /** The seq of the report the sighting came from, so a report and its track entry are one row. */
  seq: number;
  subjectId: string;
  ts: number;
  type: string;
  zone: string | null;
  description: string | null;
}

export interface IncidentRow {
  incidentId: string | null;
  category: string | null;
  zone: string | null;
  subjectId: string | null;
  breach: boolean;
}

export interface BreachRow {
  breachId: string | null;
  cboId: string | null;
  subjectId: string | null;
  zone: string | null;
}

export interface Derived {
  subject?: SubjectUpsert;
  /** The site stopped sharing this subject: the region forgets it, its sightings, and whom its incidents and breaches named. */
  withdrawn?: { subjectId: string; ts: number };
  sighting?: SightingRow;
  incident?: IncidentRow;
  breach?: BreachRow;
  /** Payloads the site erased: one (`journal.payload-erased`) or many (`journal.payloads-erased`, retention of personal data). */
  erasure?: { seqs: number[]; reason: string | null };
}

const REPORTS = new Set(['shop.report', 'cctv.sighting', 'sighting.reported']);

function subjectFrom(fields: P, subjectId: unknown, ts: number): SubjectUpsert | undefined {
  const id = str(subjectId);
  if (!id) return undefined;
  return { subjectId: id, name: str(fields.name), aliases: strs(fields.aliases), description: str(fields.description), features: strs(fields.features), ts };
}

export function derive(e: { seq: number; ts: number; type: string }, payload: unknown): Derived {
  if (!isObj(payload)) return {};
  const p = payload;
  if (e.type === 'subject.created') return { subject: subjectFrom(p, p.subjectId, e.ts) };
  if (e.type === 'subject.updated') {
    const changes = isObj(p.changes) ? p.changes : {};
    const id = str(p.subjectId);
    if (id && changes.sharedRegionally === false) return { withdrawn: { subjectId: id, ts: e.ts } };
    return { subject: subjectFrom({ ...(isObj(p.shared) ? p.shared : {}), ...changes }, p.subjectId, e.ts) };
  }
  if (REPORTS.has(e.type)) {
    const subjectId = str(p.subjectId);
    if (!subjectId) return {};
    const zone = str(isObj(p.place) ? p.place.zone : undefined) ?? str(p.zone);
    return { sighting: { seq: e.seq, subjectId, ts: e.ts, type: e.type, zone, description: str(p.description) } };
  }
  if (e.type === 'track.sighting' && isObj(p.sighting)) {
    const s = p.sighting;
    const subjectId = str(s.subjectId);
    if (!subjectId) return {};
    const seq = typeof s.causeSeq === 'number' && Number.isInteger(s.causeSeq) ? s.causeSeq : e.seq;
    return { sighting: { seq, subjectId, ts: e.ts, type: e.type, zone: str(s.zone), description: str(s.description) } };
  }
  if (e.type === 'incident.reported') {
    const category = str(p.category);
    return {
      incident: { incidentId: str(p.incidentId), category, zone: str(p.zone), subjectId: str(p.subjectId), breach: category === 'cbo-breach' },
    };
  }
  if (e.type === 'breach.detected') {
    return { breach: { breachId: str(p.breachId), cboId: str(p.cboId), subjectId: str(p.subjectId), zone: str(p.zone) } };
  }
  if (e.type === 'journal.payload-erased' && typeof p.seq === 'number') return { erasure: { seqs: [p.seq], reason: str(p.reason) } };
  if (e.type === 'journal.payloads-erased' && Array.isArray(p.seqs)) {
    const seqs = p.seqs.filter((s): s is number => Number.isSafeInteger(s) && (s as number) > 0);
    return seqs.length ? { erasure: { seqs, reason: str(p.reason) } } : {};
  }
  return {};
}
