import type { BreachDetected, CboRecord, IncidentRecord, SubjectRecord } from '../contract/tracking-views';

export interface BreachTextContext {
  subject: Pick<SubjectRecord, 'name' | 'description'> | undefined;
  order: Pick<CboRecord, 'reference'> | undefined;
  incident: Pick<IncidentRecord, 'reference'> | undefined;
  zoneName: (id: string) => string;
  timezone: string;
}

/**
 * The breach alert officers read on their radios: the subject's name (or description when the
 * identity is sought), the place, the local time, the order's court reference and the incident's
 * reference number. An officer cannot act on `subj-01…` or `cbo-01…`, so no id appears: a
 * missing reference is said in words.
 */
export function breachRadioText(b: BreachDetected, c: BreachTextContext): string {
  const who = c.subject?.name ?? (c.subject?.description ? c.subject.description.slice(0, 40) : 'a subject under an order');
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: c.timezone, hour: '2-digit', minute: '2-digit' }).format(new Date(b.at));
  const where = b.zone ? c.zoneName(b.zone) : 'an excluded area';
  const order = c.order?.reference ? `Order ${c.order.reference}` : 'Order without a reference';
  const incident = c.incident?.reference ? `incident ${c.incident.reference}` : 'incident opened';
  return `CBO BREACH: ${who} in ${where} at ${when}. ${order}, ${incident}`;
}
